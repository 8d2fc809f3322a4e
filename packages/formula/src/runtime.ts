// The JS runtime of the formula language. `createRuntime` must be self-contained (it references
// nothing outside its own body): its source text is shipped into the isolate as the prelude
// `formulaRuntimeSource`, which defines the global `__attain_rt`. It mirrors PostgreSQL numeric
// semantics (display scale, division scale) so that both back ends agree digit for digit.
// It is also called directly on the host by unit tests; it never evaluates code.

/** Decimal value: m * 10^-s, with s the PostgreSQL display scale. */
export interface Dec {
  m: bigint;
  s: number;
}

export function createRuntime() {
  class FormulaErr {
    readonly code: string;
    constructor(code: string) {
      this.code = code;
    }
  }
  const fail = (code: string): never => {
    throw new FormulaErr(code);
  };
  const DIV0 = '#DIV/0!';
  const NUM = '#NUM!';
  const VALUE = '#VALUE!';
  const NA = '#N/A';
  const TEN = 10n;
  const p10 = (n: number): bigint => TEN ** BigInt(n);
  const abs = (x: bigint): bigint => (x < 0n ? -x : x);
  const dec = (m: bigint, s: number): Dec => ({ m, s });

  // Integer division rounding half away from zero.
  const roundDiv = (n: bigint, d: bigint): bigint => {
    const q = n / d;
    const r = n % d;
    if (r === 0n) return q;
    if (2n * abs(r) >= abs(d)) return n < 0n !== d < 0n ? q - 1n : q + 1n;
    return q;
  };
  const rescale = (a: Dec, s: number): bigint => (s >= a.s ? a.m * p10(s - a.s) : roundDiv(a.m, p10(a.s - s)));

  const parseDec = (v: unknown): Dec | null => {
    if (v === null || v === undefined) return null;
    let str: string;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) fail(NUM);
      str = String(v);
    } else if (typeof v === 'string') str = v.trim();
    else if (typeof v === 'bigint') return dec(v, 0);
    else return fail(VALUE);
    const mt = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(str);
    if (!mt || (mt[2] === '' && (mt[3] ?? '') === '')) return fail(VALUE);
    const frac = mt[3] ?? '';
    let m = BigInt((mt[2] || '0') + frac);
    let s = frac.length;
    const e = mt[4] ? Number(mt[4]) : 0;
    if (e > 0) {
      if (e >= s) {
        m *= p10(e - s);
        s = 0;
      } else s -= e;
    } else if (e < 0) s -= e;
    if (mt[1] === '-') m = -m;
    return dec(m, s);
  };
  const decText = (a: Dec): string => {
    const neg = a.m < 0n;
    let digits = abs(a.m).toString();
    if (a.s > 0) {
      digits = digits.padStart(a.s + 1, '0');
      digits = `${digits.slice(0, digits.length - a.s)}.${digits.slice(digits.length - a.s)}`;
    }
    return neg ? `-${digits}` : digits;
  };
  const trimScale = (a: Dec): Dec => {
    let { m, s } = a;
    while (s > 0 && m % TEN === 0n) {
      m /= TEN;
      s--;
    }
    return dec(m, s);
  };
  const cmpDec = (a: Dec, b: Dec): number => {
    const s = Math.max(a.s, b.s);
    const x = rescale(a, s);
    const y = rescale(b, s);
    return x < y ? -1 : x > y ? 1 : 0;
  };
  const add = (a: Dec | null, b: Dec | null): Dec | null => {
    if (a === null || b === null) return null;
    const s = Math.max(a.s, b.s);
    return dec(rescale(a, s) + rescale(b, s), s);
  };
  const neg = (a: Dec | null): Dec | null => (a === null ? null : dec(-a.m, a.s));
  const sub = (a: Dec | null, b: Dec | null): Dec | null => add(a, neg(b));
  const mul = (a: Dec | null, b: Dec | null): Dec | null => (a === null || b === null ? null : dec(a.m * b.m, a.s + b.s));
  const round = (a: Dec, n: number): Dec => (n >= 0 ? dec(rescale(a, n), n) : dec(roundDiv(a.m, p10(a.s - n)) * p10(-n), 0));
  const trunc = (a: Dec, n: number): Dec => {
    if (n >= a.s) return dec(a.m * p10(n - a.s), n);
    const k = p10(a.s - n);
    const q = a.m / k;
    return n >= 0 ? dec(q, n) : dec(q * p10(-n), 0);
  };
  // PostgreSQL select_div_scale: weight and first digit in base-10000 digits.
  const DIV_SCALE = 10;
  const weightFirst = (a: Dec): [number, number] => {
    if (a.m === 0n) return [0, 0];
    const s4 = Math.ceil(a.s / 4) * 4;
    const str = (abs(a.m) * p10(s4 - a.s)).toString();
    const groups = Math.ceil(str.length / 4);
    const first = Number(str.slice(0, str.length - 4 * (groups - 1)));
    return [groups - 1 - s4 / 4, first];
  };
  // The SQL side pads the dividend to scale >= DIV_SCALE so that PostgreSQL divides with at
  // least that many decimals; then both round half away from zero to DIV_SCALE.
  const div = (a: Dec | null, b: Dec | null): Dec | null => {
    if (b !== null && b.m === 0n) fail(DIV0);
    if (a === null || b === null) return null;
    const [w1, f1] = weightFirst(a);
    const [w2, f2] = weightFirst(b);
    let qw = w1 - w2;
    if (f1 <= f2) qw--;
    const rs = Math.min(Math.max(16 - qw * 4, a.s, DIV_SCALE, b.s, 0), 1000);
    const q = roundDiv(a.m * p10(rs + b.s), b.m * p10(a.s));
    return round(dec(q, rs), DIV_SCALE);
  };
  const mod = (a: Dec | null, b: Dec | null): Dec | null => {
    if (b !== null && b.m === 0n) fail(DIV0);
    if (a === null || b === null) return null;
    const s = Math.max(a.s, b.s);
    const x = rescale(a, s);
    const y = rescale(b, s);
    let r = x % y;
    if (r !== 0n && r < 0n !== y < 0n) r += y;
    return dec(r, s);
  };
  const toInt = (a: Dec, lo: number, hi: number): number => {
    const t = a.m / p10(a.s);
    if (t < BigInt(lo) || t > BigInt(hi)) fail(NUM);
    return Number(t);
  };
  const isInt = (a: Dec): boolean => a.m % p10(a.s) === 0n;
  const ONE = dec(1n, 0);
  const powInt = (a: Dec | null, n: number): Dec | null => {
    if (a === null) return null;
    if (n < 0) {
      if (a.m === 0n) fail(DIV0);
      return div(ONE, powInt(a, -n));
    }
    let r = ONE;
    for (let i = 0; i < n; i++) r = mul(r, a)!;
    return r;
  };
  const fromFloat = (x: number): Dec => {
    if (!Number.isFinite(x)) fail(NUM);
    return trimScale(parseDec(x.toPrecision(15))!);
  };
  const powFloat = (a: Dec | null, b: Dec | null): Dec | null => {
    if (a === null || b === null) return null;
    const x = Number(decText(a));
    const y = Number(decText(b));
    if (a.m === 0n && b.m < 0n) fail(DIV0);
    if (a.m < 0n && !isInt(b)) fail(NUM);
    if (a.m !== 0n && Math.abs(y * Math.log10(Math.abs(x))) > 300) fail(NUM);
    return fromFloat(Math.pow(x, y));
  };

  // Dates: days since 1970-01-01 (proleptic Gregorian), H. Hinnant's civil algorithms.
  const daysFromCivil = (y0: number, m: number, d: number): number => {
    const y = m <= 2 ? y0 - 1 : y0;
    const era = Math.floor(y / 400);
    const yoe = y - era * 400;
    const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
    const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
    return era * 146097 + doe - 719468;
  };
  const civil = (z0: number): [number, number, number] => {
    const z = z0 + 719468;
    const era = Math.floor(z / 146097);
    const doe = z - era * 146097;
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
    const m = mp < 10 ? mp + 3 : mp - 9;
    return [m <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, m, d];
  };
  const daysInMonth = (y: number, m: number): number => daysFromCivil(m === 12 ? y + 1 : y, m === 12 ? 1 : m + 1, 1) - daysFromCivil(y, m, 1);
  const parseDate = (v: unknown): number | null => {
    if (v === null || v === undefined) return null;
    const mt = typeof v === 'string' ? /^(\d{4})-(\d{2})-(\d{2})/.exec(v) : null;
    if (!mt) return fail(VALUE);
    const y = Number(mt[1]);
    const m = Number(mt[2]);
    const d = Number(mt[3]);
    if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) fail(VALUE);
    return daysFromCivil(y, m, d);
  };
  const dateText = (z: number): string => {
    const [y, m, d] = civil(z);
    return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  };
  const addMonths = (z: number, n: number): number => {
    const [y, m, d] = civil(z);
    const t = y * 12 + (m - 1) + n;
    const ny = Math.floor(t / 12);
    const nm = t - ny * 12 + 1;
    return daysFromCivil(ny, nm, Math.min(d, daysInMonth(ny, nm)));
  };
  const monthsBetween = (a: number, b: number): number => {
    if (a > b) return -monthsBetween(b, a);
    const [y1, m1, d1] = civil(a);
    const [y2, m2, d2] = civil(b);
    return y2 * 12 + m2 - (y1 * 12 + m1) - (d2 < d1 ? 1 : 0);
  };
  const parseDateTime = (v: unknown): number | null => {
    if (v === null || v === undefined) return null;
    const ms = typeof v === 'string' ? Date.parse(v) : Number.NaN;
    if (Number.isNaN(ms)) fail(VALUE);
    return ms;
  };

  const codePoints = (s: string): string[] => Array.from(s);
  const cmpText = (a: string, b: string): number => {
    // Code point order, the same as PostgreSQL's COLLATE "C" on UTF-8.
    const x = codePoints(a);
    const y = codePoints(b);
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) {
      const c = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
      if (c !== 0) return c < 0 ? -1 : 1;
    }
    return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
  };
  type Kind = 'dec' | 'text' | 'bool' | 'date' | 'datetime';
  const cmp = (k: Kind, a: unknown, b: unknown): number => {
    if (k === 'dec') return cmpDec(a as Dec, b as Dec);
    if (k === 'text') return cmpText(a as string, b as string);
    const x = Number(a);
    const y = Number(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
  const compare = (op: string, k: Kind, a: unknown, b: unknown): boolean | null => {
    if (a === null || b === null) return null;
    const c = cmp(k, a, b);
    switch (op) {
      case '=':
        return c === 0;
      case '<>':
        return c !== 0;
      case '<':
        return c < 0;
      case '<=':
        return c <= 0;
      case '>':
        return c > 0;
      default:
        return c >= 0;
    }
  };
  const money = (a: Dec): string => {
    const t = trimScale(a);
    return decText(t.s <= 2 ? round(t, 2) : t);
  };
  const text = (k: string, v: unknown): string | null => {
    if (v === null) return null;
    switch (k) {
      case 'money':
        return money(v as Dec);
      case 'number':
      case 'percent':
      case 'integer':
        return decText(trimScale(v as Dec));
      case 'boolean':
        return v ? 'TRUE' : 'FALSE';
      case 'date':
        return dateText(v as number);
      case 'datetime':
        return new Date(v as number).toISOString();
      default:
        return String(v);
    }
  };
  const tierRate = (rows: Array<[Dec, Dec | null, Dec]>, v: Dec): Dec | null => {
    for (const [f, t, r] of rows) if (cmpDec(v, f) >= 0 && (t === null || cmpDec(v, t) < 0)) return r;
    return null;
  };

  // --- fast path (see js-fast.ts): a decimal held as a safe-integer JS number m at a scale S
  // fixed by the compiled code (value m·10^-S). Every helper returns NaN when it cannot give the
  // exact result (not a simple decimal, more decimals than S, beyond 2^53); the caller then
  // re-runs the row with the BigInt decimals above.
  const MAXS = 9007199254740991;
  // Below 2^51, x·10^k of a double x rounds to the exact integer when x has k decimals.
  const LIM = 2251799813685248;
  const P10N: number[] = [1];
  for (let k = 1; k <= 22; k++) P10N.push(P10N[k - 1]! * 10);
  let lastScale = 0;
  let lastNum = 0;
  const fxs = (t: string, S: number): number => {
    const n = t.length;
    let i = 0;
    let negative = false;
    const c0 = n > 0 ? t.charCodeAt(0) : 0;
    if (c0 === 45 || c0 === 43) {
      negative = c0 === 45;
      i = 1;
    }
    let m = 0;
    let digits = 0;
    let frac = -1;
    for (; i < n; i++) {
      const c = t.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        m = m * 10 + (c - 48);
        digits++;
        if (frac >= 0) frac++;
      } else if (c === 46 && frac < 0) frac = 0;
      else return NaN;
    }
    const s = frac < 0 ? 0 : frac;
    if (digits === 0 || s > S || m > MAXS) return NaN;
    const r = m * P10N[S - s]!;
    if (r > MAXS) return NaN;
    lastScale = s;
    return negative ? -r : r;
  };
  /** Input value -> m at scale S, or NaN (null, unparsable, more than S decimals, too large). */
  const fx = (v: unknown, S: number): number => {
    if (typeof v === 'number') {
      const p = P10N[S]!;
      const m = Math.round(v * p);
      if (!(m < LIM && m > -LIM) || m / p !== v) return NaN;
      lastScale = -1;
      lastNum = v;
      return m;
    }
    return typeof v === 'string' ? fxs(v, S) : NaN;
  };
  /** Display scale of the last value fx accepted (a JS number: the decimals of its shortest text). */
  const fxd = (): number => {
    if (lastScale >= 0) return lastScale;
    let k = 0;
    while (k < 22 && Math.round(lastNum * P10N[k]!) / P10N[k]! !== lastNum) k++;
    return k;
  };
  const weightOf = (m: number, S: number): number => {
    let w = 3;
    while (S + 4 * w > 0 && (S + 4 * w > 22 || m < P10N[S + 4 * w]!)) w--;
    return w;
  };
  const firstOf = (m: number, S: number, w: number): number => {
    const e = S + 4 * w;
    if (e <= 0) return m * P10N[-e]!;
    const p = P10N[e]!;
    return (m - (m % p)) / p;
  };
  /** a ÷ b as m at scale 10 with PostgreSQL's division scale and double rounding (div above); display scales <= 10. */
  const fdiv = (ma: number, Sa: number, mb: number, Sb: number): number => {
    if (mb === 0) return NaN;
    if (ma === 0) return 0;
    const A = Math.abs(ma);
    const B = Math.abs(mb);
    const N = A * P10N[10 - Sa + Sb]!;
    if (N > MAXS) return NaN;
    const w1 = weightOf(A, Sa);
    const w2 = weightOf(B, Sb);
    const qw = w1 - w2 - (firstOf(A, Sa, w1) <= firstOf(B, Sb, w2) ? 1 : 0);
    const k = Math.max(6 - 4 * qw, 0);
    const r = N % B;
    let q = (N - r) / B;
    if (2 * r >= B || (k > 0 && k < 16 && (B - 2 * r) * P10N[k]! <= B)) q++;
    return ma < 0 !== mb < 0 ? -q : q;
  };
  /** ROUND (mode 0), ROUNDUP (1), ROUNDDOWN (2) of m at scale S to n < S digits: m at scale max(n, 0). */
  const fround = (m: number, S: number, n: number, mode: number): number => {
    const p = P10N[S - n]!;
    const r = m % p;
    let q = (m - r) / p;
    if (r !== 0 && (mode === 0 ? 2 * Math.abs(r) >= p : mode === 1)) q += m < 0 ? -1 : 1;
    const res = n >= 0 ? q : q * P10N[-n]!;
    return res <= MAXS && res >= -MAXS ? res + 0 : NaN;
  };
  /** Text of m at scale S shown with d <= S decimals (PostgreSQL's display scale). */
  const ftext = (m: number, S: number, d: number): string => {
    const q = S > d ? m / P10N[S - d]! : m;
    const negative = q < 0;
    let digits = String(negative ? -q : q);
    if (d > 0) {
      digits = digits.padStart(d + 1, '0');
      digits = `${digits.slice(0, digits.length - d)}.${digits.slice(digits.length - d)}`;
    }
    return negative ? `-${digits}` : digits;
  };

  const rt = {
    FormulaErr,
    fail,
    isErr: (e: unknown): e is { code: string } => e instanceof FormulaErr,
    // --- input / output -------------------------------------------------------------------
    inDec: parseDec,
    inText: (v: unknown): string | null => (v === null || v === undefined ? null : String(v)),
    inBool: (v: unknown): boolean | null => (v === null || v === undefined ? null : v === true || v === 'true' || v === 't'),
    inDate: parseDate,
    inDateTime: parseDateTime,
    /** A plugin result read where it is used: `{error}` (its argument's error) fails here only. */
    hole: (v: unknown, read: (x: unknown) => unknown): unknown => (v !== null && typeof v === 'object' && 'error' in v ? fail(String((v as { error: unknown }).error)) : read(v)),
    out: (k: string, v: unknown): unknown => {
      if (v === null || v === undefined) return null;
      switch (k) {
        case 'money':
        case 'number':
        case 'percent':
        case 'integer':
          return decText(v as Dec);
        case 'date':
          return dateText(v as number);
        case 'datetime':
          return new Date(v as number).toISOString();
        default:
          return v;
      }
    },
    dec: (m: string, s: number): Dec => dec(BigInt(m), s),
    decText,
    trimScale,
    // --- arithmetic -----------------------------------------------------------------------
    add,
    sub,
    mul,
    div,
    neg,
    mod,
    pct: (a: Dec | null): Dec | null => mul(a, dec(1n, 2)),
    powInt,
    powConst: (a: Dec | null, n: number): Dec | null => {
      if (a === null) return null;
      return powInt(a, n);
    },
    powFloat,
    pow: (a: Dec | null, b: Dec | null): Dec | null => powFloat(a, b),
    // Integer arguments are validated before NULL propagation, as the SQL error CASE does.
    round: (a: Dec | null, n: Dec | null): Dec | null => {
      const k = n === null ? null : toInt(n, -100, 100);
      return a === null || k === null ? null : round(a, k);
    },
    roundDown: (a: Dec | null, n: Dec | null): Dec | null => {
      const k = n === null ? null : toInt(n, -100, 100);
      return a === null || k === null ? null : trunc(a, k);
    },
    roundUp: (a: Dec | null, n: Dec | null): Dec | null => {
      const k = n === null ? null : toInt(n, -100, 100);
      if (a === null || k === null) return null;
      const t = trunc(a, k);
      if (cmpDec(t, a) === 0) return t;
      const unit = k >= 0 ? dec(1n, k) : dec(p10(-k), 0);
      return add(t, a.m < 0n ? neg(unit) : unit);
    },
    abs: (a: Dec | null): Dec | null => (a === null ? null : dec(abs(a.m), a.s)),
    // --- logic ----------------------------------------------------------------------------
    compare,
    test: (c: boolean | null): boolean => c === true,
    not: (a: boolean | null): boolean | null => (a === null ? null : !a),
    and: (...xs: Array<boolean | null>): boolean | null => (xs.some((x) => x === false) ? false : xs.some((x) => x === null) ? null : true),
    or: (...xs: Array<boolean | null>): boolean | null => (xs.some((x) => x === true) ? true : xs.some((x) => x === null) ? null : false),
    coalesce: (...xs: unknown[]): unknown => {
      for (const x of xs) if (x !== null) return x;
      return null;
    },
    /** Excel-style MIN/MAX over scalars: NULLs skipped, all NULL -> NULL (like LEAST/GREATEST). */
    least: (k: Kind, ...xs: unknown[]): unknown => {
      let best: unknown = null;
      for (const x of xs) if (x !== null && (best === null || cmp(k, x, best) < 0)) best = x;
      return best;
    },
    greatest: (k: Kind, ...xs: unknown[]): unknown => {
      let best: unknown = null;
      for (const x of xs) if (x !== null && (best === null || cmp(k, x, best) > 0)) best = x;
      return best;
    },
    sumScalars: (...xs: Array<Dec | null>): Dec => {
      let acc = dec(0n, 0);
      for (const x of xs) if (x !== null) acc = add(acc, x)!;
      return acc;
    },
    na: (): never => fail(NA),
    // --- text -----------------------------------------------------------------------------
    text,
    concat: (...xs: Array<string | null>): string => xs.map((x) => x ?? '').join(''),
    left: (s: string | null, n: Dec | null): string | null => {
      if (n === null) return null;
      const k = toInt(n, -1e6, 1e6);
      if (k < 0) fail(VALUE);
      return s === null ? null : codePoints(s).slice(0, k).join('');
    },
    right: (s: string | null, n: Dec | null): string | null => {
      if (n === null) return null;
      const k = toInt(n, -1e6, 1e6);
      if (k < 0) fail(VALUE);
      if (s === null) return null;
      const cp = codePoints(s);
      return cp.slice(Math.max(0, cp.length - k)).join('');
    },
    len: (s: string | null): Dec | null => (s === null ? null : dec(BigInt(codePoints(s).length), 0)),
    upper: (s: string | null): string | null => (s === null ? null : s.toUpperCase()),
    lower: (s: string | null): string | null => (s === null ? null : s.toLowerCase()),
    contains: (s: string | null, t: string | null): boolean | null => (s === null || t === null ? null : s.includes(t)),
    formatNumber: (a: Dec | null, decimals: number, percent: boolean): string | null => {
      if (a === null) return null;
      const v = percent ? mul(a, dec(100n, 0))! : a;
      return decText(round(v, decimals)) + (percent ? '%' : '');
    },
    formatDate: (z: number | null, fmt: string): string | null => {
      if (z === null) return null;
      const [y, m, d] = civil(z);
      return fmt.replace(/YYYY|MM|DD/g, (t) => (t === 'YYYY' ? String(y).padStart(4, '0') : String(t === 'MM' ? m : d).padStart(2, '0')));
    },
    // --- dates ----------------------------------------------------------------------------
    date: (y: Dec | null, m: Dec | null, d: Dec | null): number | null => {
      const yy = y === null ? null : toInt(y, 1, 9999);
      const mm = m === null ? null : toInt(m, -120000, 120000);
      const dd = d === null ? null : toInt(d, -3000000, 3000000);
      if (yy === null || mm === null || dd === null) return null;
      return addMonths(daysFromCivil(yy, 1, 1), mm - 1) + dd - 1;
    },
    today: (iso: string | null): number => {
      if (iso !== null) return parseDate(iso)!;
      return Math.floor(Date.now() / 86400000);
    },
    addDays: (z: number | null, n: Dec | null): number | null => {
      const k = n === null ? null : toInt(n, -3000000, 3000000);
      return z === null || k === null ? null : z + k;
    },
    subDays: (z: number | null, n: Dec | null): number | null => {
      const k = n === null ? null : toInt(n, -3000000, 3000000);
      return z === null || k === null ? null : z - k;
    },
    diffDays: (a: number | null, b: number | null): Dec | null => (a === null || b === null ? null : dec(BigInt(a - b), 0)),
    dateAdd: (z: number | null, n: Dec | null, unit: string): number | null => {
      if (n === null) return null;
      const k = unit === 'day' ? toInt(n, -3000000, 3000000) : toInt(n, -120000, 120000);
      if (z === null) return null;
      return unit === 'day' ? z + k : addMonths(z, unit === 'year' ? k * 12 : k);
    },
    dateDiff: (a: number | null, b: number | null, unit: string): Dec | null => {
      if (a === null || b === null) return null;
      if (unit === 'day') return dec(BigInt(b - a), 0);
      const months = monthsBetween(a, b);
      return dec(BigInt(unit === 'year' ? Math.trunc(months / 12) : months), 0);
    },
    eomonth: (z: number | null, n: Dec | null): number | null => {
      const k = n === null ? null : toInt(n, -120000, 120000);
      if (z === null || k === null) return null;
      const [y, m] = civil(addMonths(z, k));
      return daysFromCivil(y, m, daysInMonth(y, m));
    },
    year: (z: number | null): Dec | null => (z === null ? null : dec(BigInt(civil(z)[0]), 0)),
    month: (z: number | null): Dec | null => (z === null ? null : dec(BigInt(civil(z)[1]), 0)),
    quarter: (z: number | null): Dec | null => (z === null ? null : dec(BigInt(Math.floor((civil(z)[1] + 2) / 3)), 0)),
    weekday: (z: number | null): Dec | null => (z === null ? null : dec(BigInt(((((z + 4) % 7) + 7) % 7) + 1), 0)),
    // --- aggregates: `each` evaluates one child row; errors are collected, the least code wins.
    aggregate: (kind: string, k: Kind, rows: unknown, each: (row: Record<string, unknown>) => [boolean, unknown]): unknown => {
      const list = Array.isArray(rows) ? (rows as Array<Record<string, unknown>>) : [];
      let err: string | null = null;
      const vals: unknown[] = [];
      for (const row of list) {
        try {
          const [keep, v] = each(row);
          if (keep) vals.push(v);
        } catch (e) {
          if (!(e instanceof FormulaErr)) throw e;
          if (err === null || e.code < err) err = e.code;
        }
      }
      if (err !== null) fail(err);
      if (kind === 'COUNT') return dec(BigInt(vals.filter((v) => v !== null).length), 0);
      const present = vals.filter((v) => v !== null);
      if (kind === 'SUM') {
        let acc: Dec = dec(0n, 0);
        for (const v of present) acc = add(acc, v as Dec)!;
        return acc;
      }
      if (present.length === 0) return null;
      if (kind === 'AVG') {
        let acc: Dec | null = null;
        for (const v of present) acc = acc === null ? (v as Dec) : add(acc, v as Dec);
        return div(acc, dec(BigInt(present.length), 0));
      }
      let best = present[0];
      for (const v of present) if (kind === 'MIN' ? cmp(k, v, best) < 0 : cmp(k, v, best) > 0) best = v;
      return best;
    },
    // --- rate tables ----------------------------------------------------------------------
    tier: (v: Dec | null, rows: Array<[Dec, Dec | null, Dec]>, mode: string): Dec | null => {
      if (v === null) return null;
      if (mode === 'step') {
        const r = tierRate(rows, v);
        return r === null ? dec(0n, 0) : mul(v, r);
      }
      let acc: Dec = dec(0n, 0);
      for (const [f, t, r] of rows) {
        if (cmpDec(v, f) <= 0) continue;
        const top = t === null || cmpDec(v, t) < 0 ? v : t;
        acc = add(acc, mul(sub(top, f), r))!;
      }
      return acc;
    },
    lookup: (k: string, key: unknown, rows: Array<[unknown, unknown]>): unknown => {
      if (key === null) return null;
      for (const [rk, rv] of rows) if (cmp(k as Kind, key, rk) === 0) return rv;
      return fail(NA);
    },
    fx,
    fxd,
    fdiv,
    fround,
    ftext,
    /** A result cell of `run` as a number (decimal text -> nearest double); null and errors pass through. */
    numCell: (v: unknown): unknown => (typeof v === 'string' ? Number(v) : v),
    run: (f: () => unknown, k: string): unknown => {
      try {
        return rt.out(k, f());
      } catch (e) {
        if (e instanceof FormulaErr) return { error: e.code };
        throw e;
      }
    },
  };
  return rt;
}

export type FormulaRuntime = ReturnType<typeof createRuntime>;

/** Prelude script for the isolate: defines the global `__attain_rt` once. */
export const formulaRuntimeSource = `globalThis.__attain_rt = (${createRuntime.toString()})();\n`;
