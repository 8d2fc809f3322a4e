// JS back end, fast path: straight-line code where every decimal is a safe-integer JS number m
// at a scale S fixed at compile time (value m·10^-S), plus, for text output, its PostgreSQL
// display scale d as a small integer. No allocation and no BigInt per row. The code is exact or
// it gives up: any intermediate beyond ±(2^53 − 1), an input that is NULL, unparsable or has more
// decimals than its static scale, a division that cannot be done in safe integers, or any error
// (#DIV/0!, #N/A, …) leaves the block with `break f`, and the row is re-run by the general
// BigInt code (js.ts), which therefore decides every NULL, error and overflow case.
// Formulas using anything outside this subset (text, dates, aggregates, plugins, NULL literals)
// get no fast block at all.
import { BUILTIN_JS, constExponent, lookupKeyType } from './functions/builtins.ts';
import { isNumeric, type FormulaType, type RateTable, type TNode } from './types.ts';

const MAX = 9007199254740991n;
/** Largest static scale the generated code works at (10^S must stay exact). */
const MAX_SCALE = 20;
/** Default static scale of numeric inputs; a value with more decimals takes the general path. */
const INPUT_SCALE: Partial<Record<FormulaType, number>> = { money: 2, integer: 0, percent: 4, number: 4 };

/** m: JS expression of the scaled integer; d: JS expression of the display scale; c: value if constant. */
interface Num {
  m: string;
  S: number;
  d: string;
  c?: bigint;
}

class Unsupported extends Error {}
const nope = (): never => {
  throw new Unsupported('not in the fast subset');
};

function parseConst(text: string): { m: bigint; s: number } {
  const mt = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!mt || (mt[2] === '' && (mt[3] ?? '') === '')) return nope();
  const frac = mt[3] ?? '';
  let m = BigInt((mt[2] || '0') + frac);
  let s = frac.length;
  const e = mt[4] ? Number(mt[4]) : 0;
  if (e > 0) {
    if (e >= s) {
      m *= 10n ** BigInt(e - s);
      s = 0;
    } else s -= e;
  } else if (e < 0) s -= e;
  if (mt[1] === '-') m = -m;
  if (m > MAX || m < -MAX || s > MAX_SCALE) nope();
  return { m, s };
}

const constNum = (m: bigint, s: number): Num => ({ m: m < 0n ? `(${m})` : String(m), S: s, d: String(s), c: m });
const isIntLit = (d: string): boolean => /^\d+$/.test(d);

export interface FastInput {
  key: string;
  column: string;
  type: FormulaType;
}

export interface FastOptions {
  /** Emit display-scale tracking (needed for decimal-text output). */
  text: boolean;
  /** Static scale per numeric input path (default by type: money 2, percent 4, number 4, integer 0). */
  scales?: Record<string, number>;
}

class FastCompiler {
  private n = 0;
  private out: string[] = [];
  private readonly fields = new Map<string, Num | string>();
  private readonly text: boolean;
  constructor(opts: FastOptions, inputs: FastInput[]) {
    this.text = opts.text;
    for (const inp of inputs) {
      const x = this.tmp();
      if (isNumeric(inp.type)) {
        const S = opts.scales?.[inp.key] ?? INPUT_SCALE[inp.type] ?? 4;
        if (!Number.isInteger(S) || S < 0 || S > MAX_SCALE) throw new Error(`invalid scale for ${inp.key}`);
        let d = '0';
        if (!this.text) {
          // Inline for numbers (the sandbox sends numeric columns as Float64Array): R.fx's test.
          const raw = this.tmp();
          this.emit(`const ${raw} = ${inp.column}[i]; let ${x};`);
          this.emit(`if (typeof ${raw} === 'number') { ${x} = Math.round(${raw} * 1e${S}); if (!(${x} < 2251799813685248 && ${x} > -2251799813685248) || ${x} / 1e${S} !== ${raw}) break f; }`);
          this.emit(`else { ${x} = R.fx(${raw}, ${S}); if (${x} !== ${x}) break f; }`);
        } else this.emit(`const ${x} = R.fx(${inp.column}[i], ${S}); if (${x} !== ${x}) break f;`);
        if (this.text) {
          d = this.tmp();
          this.emit(`const ${d} = R.fxd();`);
        }
        this.fields.set(inp.key, { m: x, S, d });
      } else if (inp.type === 'boolean') {
        this.emit(`const ${x} = ${inp.column}[i]; if (${x} === null || ${x} === undefined) break f;`);
        const b = this.tmp();
        this.emit(`const ${b} = ${x} === true || ${x} === 'true' || ${x} === 't';`);
        this.fields.set(inp.key, b);
      } else nope();
    }
  }

  lines(): string[] {
    return this.out;
  }
  private tmp(): string {
    return `f${this.n++}`;
  }
  private emit(line: string): void {
    this.out.push(line);
  }
  private capture(fn: () => void, into: string[] = []): string[] {
    const saved = this.out;
    this.out = into;
    try {
      fn();
    } finally {
      this.out = saved;
    }
    return into;
  }
  private chk(x: string): void {
    this.emit(`if (!(${x} <= 9007199254740991 && ${x} >= -9007199254740991)) break f;`);
  }
  private dmax(...ds: string[]): string {
    if (!this.text) return '0';
    if (ds.every(isIntLit)) return String(Math.max(...ds.map(Number)));
    return ds.length === 1 ? ds[0]! : `Math.max(${ds.join(', ')})`;
  }
  private dsum(a: string, b: string): string {
    if (!this.text) return '0';
    return isIntLit(a) && isIntLit(b) ? String(Number(a) + Number(b)) : `(${a} + ${b})`;
  }
  /** x as an integer at scale S >= x.S. */
  private up(x: Num, S: number): string {
    if (S === x.S) return x.m;
    if (S - x.S > 22) nope();
    if (x.c !== undefined) {
      const v = x.c * 10n ** BigInt(S - x.S);
      if (v > MAX || v < -MAX) nope();
      return v < 0n ? `(${v})` : String(v);
    }
    const t = this.tmp();
    this.emit(`const ${t} = ${x.m} * 1e${S - x.S};`);
    this.chk(t);
    return t;
  }

  num(n: TNode): Num {
    if (!isNumeric(n.type)) nope();
    switch (n.kind) {
      case 'literal': {
        if (typeof n.value !== 'string') return nope();
        const { m, s } = parseConst(n.value);
        return constNum(m, s);
      }
      case 'field': {
        const f = n.path.collection ? undefined : this.fields.get(n.path.key);
        return typeof f === 'object' ? f : nope();
      }
      case 'unary': {
        const a = this.num(n.arg);
        if (n.op === '%') return a.c !== undefined ? { ...constNum(a.c, a.S + 2), d: this.dsum(a.d, '2') } : { m: a.m, S: a.S + 2, d: this.dsum(a.d, '2') };
        if (a.c !== undefined) return { ...constNum(-a.c, a.S), d: a.d };
        const t = this.tmp();
        this.emit(`const ${t} = -${a.m};`);
        return { m: t, S: a.S, d: a.d };
      }
      case 'binary':
        return this.arith(n);
      case 'call':
        return this.numCall(n);
      default:
        return nope();
    }
  }

  private arith(n: TNode & { kind: 'binary' }): Num {
    const [lt, rt] = n.argTypes;
    if (!isNumeric(lt) || !isNumeric(rt)) return nope();
    if (n.op === '^') {
      const k = constExponent(n.right);
      if (k === null || k < 0 || k > 8) return nope();
      return this.power(this.num(n.left), k);
    }
    const a = this.num(n.left);
    const b = this.num(n.right);
    switch (n.op) {
      case '+':
      case '-':
        return this.addSub(a, b, n.op);
      case '*':
        return this.mul(a, b);
      case '/': {
        if (a.S > 10 || b.S > 10) return nope();
        const t = this.tmp();
        this.emit(`const ${t} = R.fdiv(${a.m}, ${a.S}, ${b.m}, ${b.S}); if (${t} !== ${t}) break f;`);
        return { m: t, S: 10, d: this.text ? '10' : '0' };
      }
      default:
        return nope();
    }
  }
  private addSub(a: Num, b: Num, op: '+' | '-'): Num {
    const S = Math.max(a.S, b.S);
    const x = this.up(a, S);
    const y = this.up(b, S);
    const t = this.tmp();
    this.emit(`const ${t} = ${x} ${op} ${y};`);
    this.chk(t);
    return { m: t, S, d: this.dmax(a.d, b.d) };
  }
  private mul(a: Num, b: Num): Num {
    if (a.S + b.S > MAX_SCALE) nope();
    const t = this.tmp();
    this.emit(`const ${t} = ${a.m} * ${b.m};`);
    this.chk(t);
    return { m: t, S: a.S + b.S, d: this.dsum(a.d, b.d) };
  }
  private power(a: Num, k: number): Num {
    let r: Num = constNum(1n, 0);
    for (let i = 0; i < k; i++) r = this.mul(r, a);
    return r;
  }

  private numCall(n: TNode & { kind: 'call' }): Num {
    if (!BUILTIN_JS.has(n.def.js)) return nope();
    const args = n.args;
    switch (n.name) {
      case 'IF':
        return this.ifNum(args[0]!, args[1]!, args[2]);
      case 'IFS':
        return this.ifsNum(args, 0);
      case 'ABS': {
        const a = this.num(args[0]!);
        const t = this.tmp();
        this.emit(`const ${t} = Math.abs(${a.m});`);
        return { m: t, S: a.S, d: a.d };
      }
      case 'ROUND':
      case 'ROUNDUP':
      case 'ROUNDDOWN':
        return this.round(n.name, args);
      case 'MIN':
      case 'MAX':
        return this.minMax(
          n.name,
          args.map((a) => this.num(a)),
        );
      case 'SUM': {
        const xs = args.map((a) => this.num(a));
        let acc: Num = constNum(0n, 0);
        for (const x of xs) acc = this.addSub(acc, x, '+');
        return acc;
      }
      case 'COALESCE':
        return args.map((a) => this.num(a))[0]!;
      case 'POWER': {
        const k = constExponent(args[1]!);
        if (k === null || k < 0 || k > 8) return nope();
        return this.power(this.num(args[0]!), k);
      }
      case 'TIER':
        return this.tier(args);
      case 'LOOKUP':
        return this.lookup(args);
      default:
        return nope();
    }
  }

  /** Both branches assign (m, d) at the larger static scale; only the taken one runs. */
  private branches(cond: string, a: () => Num, b: (() => Num) | null): Num {
    let ra: Num | null = null;
    let rb: Num | null = null;
    const la = this.capture(() => {
      ra = a();
    });
    const lb = b
      ? this.capture(() => {
          rb = b();
        })
      : ['break f;'];
    const A = ra as Num | null;
    const B = rb as Num | null;
    const S = Math.max(A!.S, B ? B.S : 0);
    const m = this.tmp();
    const d = this.text ? this.tmp() : '0';
    const assign = (x: Num, into: string[]) => this.capture(() => this.emit(`${m} = ${this.up(x, S)};${this.text ? ` ${d} = ${x.d};` : ''}`), into);
    assign(A!, la);
    if (B) assign(B, lb);
    this.emit(`let ${m}${this.text ? `, ${d}` : ''};`);
    this.emit(`if (${cond}) {`);
    this.out.push(...la.map((l) => `  ${l}`), '} else {', ...lb.map((l) => `  ${l}`), '}');
    return { m, S, d };
  }
  private ifNum(c: TNode, a: TNode, b: TNode | undefined): Num {
    const cond = this.bool(c);
    return this.branches(cond, () => this.num(a), b ? () => this.num(b) : null);
  }
  private ifsNum(args: TNode[], i: number): Num {
    const cond = this.bool(args[i]!);
    const rest = i + 2 < args.length ? () => this.ifsNum(args, i + 2) : null;
    return this.branches(cond, () => this.num(args[i + 1]!), rest);
  }

  private round(name: string, args: TNode[]): Num {
    const a = this.num(args[0]!);
    const k = args[1] ? constExponent(args[1]) : 0;
    if (k === null || k < -15 || k > MAX_SCALE) return nope();
    const d = this.text ? String(Math.max(k, 0)) : '0';
    if (k >= a.S) return { m: this.up(a, k), S: k, d };
    if (a.S - k > 22) return nope();
    const t = this.tmp();
    const mode = name === 'ROUND' ? 0 : name === 'ROUNDUP' ? 1 : 2;
    this.emit(`const ${t} = R.fround(${a.m}, ${a.S}, ${k}, ${mode}); if (${t} !== ${t}) break f;`);
    return { m: t, S: Math.max(k, 0), d };
  }

  private minMax(name: string, xs: Num[]): Num {
    const S = Math.max(...xs.map((x) => x.S));
    const vals = xs.map((x) => this.up(x, S));
    const m = this.tmp();
    const d = this.text ? this.tmp() : '0';
    this.emit(`let ${m} = ${vals[0]}${this.text ? `, ${d} = ${xs[0]!.d}` : ''};`);
    for (let i = 1; i < xs.length; i++) {
      this.emit(`if (${vals[i]} ${name === 'MIN' ? '<' : '>'} ${m}) { ${m} = ${vals[i]};${this.text ? ` ${d} = ${xs[i]!.d};` : ''} }`);
    }
    return { m, S, d };
  }

  /** TIER over a constant table: one comparison per row of the table, no loop. */
  private tier(args: TNode[]): Num {
    const tn = args[1]!;
    const table = tn.kind === 'table' ? tn.table : nope();
    const mode = args[2]?.kind === 'literal' && typeof args[2].value === 'string' ? args[2].value.toLowerCase() : 'marginal';
    const rows = (table.rows as Array<{ from: unknown; to: unknown; rate: unknown }>).map((r) => ({
      f: parseConst(String(r.from)),
      t: r.to === null ? null : parseConst(String(r.to)),
      r: parseConst(String(r.rate)),
    }));
    const v = this.num(args[0]!);
    const Sc = Math.max(v.S, ...rows.flatMap((r) => [r.f.s, r.t?.s ?? 0]));
    const Sr = Math.max(0, ...rows.map((r) => r.r.s));
    if (Sc + Sr > MAX_SCALE) return nope();
    const x = this.up(v, Sc);
    const at = (c: { m: bigint; s: number }, S: number): string => this.up(constNum(c.m, c.s), S);
    const m = this.tmp();
    const d = this.text ? this.tmp() : '0';
    if (mode === 'step') {
      this.emit(`let ${m} = 0${this.text ? `, ${d} = 0` : ''};`);
      let chain = '';
      for (const r of rows) {
        const cond = `${x} >= ${at(r.f, Sc)}${r.t ? ` && ${x} < ${at(r.t, Sc)}` : ''}`;
        const dd = this.text ? ` ${d} = ${this.dsum(v.d, String(r.r.s))};` : '';
        chain += `${chain ? ' else ' : ''}if (${cond}) { ${m} = ${v.m} * ${at(r.r, Sr)};${dd} }`;
      }
      if (chain) this.emit(chain);
      this.chk(m);
      return { m, S: v.S + Sr, d };
    }
    this.emit(`let ${m} = 0${this.text ? `, ${d} = 0` : ''};`);
    for (const r of rows) {
      const F = at(r.f, Sc);
      const T = r.t ? at(r.t, Sc) : null;
      const body = this.capture(() => {
        const w = this.tmp();
        this.emit(`const ${w} = ${T === null ? x : `(${x} < ${T} ? ${x} : ${T})`} - ${F};`);
        this.chk(w);
        this.emit(`const ${w}r = ${w} * ${at(r.r, Sr)};`);
        this.chk(`${w}r`);
        this.emit(`${m} += ${w}r;`);
        this.chk(m);
        if (this.text) {
          const dtop = T === null ? v.d : `(${x} < ${T} ? ${v.d} : ${r.t!.s})`;
          this.emit(`${d} = Math.max(${d}, Math.max(${dtop}, ${r.f.s}) + ${r.r.s});`);
        }
      });
      this.out.push(`if (${x} > ${F}) {`, ...body.map((l) => `  ${l}`), '}');
    }
    return { m, S: Sc + Sr, d };
  }

  /** LOOKUP with numeric keys and values: an if-chain; a missing key (#N/A) or NULL value bails. */
  private lookup(args: TNode[]): Num {
    const tn = args[1]!;
    const table: RateTable = tn.kind === 'table' ? tn.table : nope();
    const vt = table.valueType ?? 'number';
    if (lookupKeyType(table) !== 'number' || !isNumeric(vt)) return nope();
    const rows = (table.rows as Array<{ key: unknown; value: unknown }>).map((r) => ({ k: parseConst(String(r.key)), v: r.value === null ? null : parseConst(String(r.value)) }));
    const key = this.num(args[0]!);
    const Sk = Math.max(key.S, ...rows.map((r) => r.k.s));
    const Sv = Math.max(0, ...rows.map((r) => r.v?.s ?? 0));
    const x = this.up(key, Sk);
    const m = this.tmp();
    const d = this.text ? this.tmp() : '0';
    this.emit(`let ${m}${this.text ? `, ${d}` : ''};`);
    let chain = '';
    for (const r of rows) {
      const body = r.v === null ? 'break f;' : `${m} = ${this.up(constNum(r.v.m, r.v.s), Sv)};${this.text ? ` ${d} = ${r.v.s};` : ''}`;
      chain += `if (${x} === ${this.up(constNum(r.k.m, r.k.s), Sk)}) { ${body} } else `;
    }
    this.emit(`${chain}break f;`);
    return { m, S: Sv, d };
  }

  bool(n: TNode): string {
    if (n.type !== 'boolean') return nope();
    switch (n.kind) {
      case 'literal':
        return typeof n.value === 'boolean' ? String(n.value) : nope();
      case 'field': {
        const f = n.path.collection ? undefined : this.fields.get(n.path.key);
        return typeof f === 'string' ? f : nope();
      }
      case 'unary': {
        const a = this.bool(n.arg);
        const t = this.tmp();
        this.emit(`const ${t} = !${a};`);
        return t;
      }
      case 'binary': {
        if (n.op === 'AND' || n.op === 'OR') return this.logic(n.op, [n.left, n.right]);
        const [lt, rt] = n.argTypes;
        if (!isNumeric(lt) || !isNumeric(rt)) return nope();
        const a = this.num(n.left);
        const b = this.num(n.right);
        const S = Math.max(a.S, b.S);
        const x = this.up(a, S);
        const y = this.up(b, S);
        const op = n.op === '=' ? '===' : n.op === '<>' ? '!==' : n.op;
        if (!['===', '!==', '<', '<=', '>', '>='].includes(op)) return nope();
        const t = this.tmp();
        this.emit(`const ${t} = ${x} ${op} ${y};`);
        return t;
      }
      case 'call': {
        if (!BUILTIN_JS.has(n.def.js)) return nope();
        if (n.name === 'AND' || n.name === 'OR') return this.logic(n.name, n.args);
        if (n.name === 'NOT') return this.bool({ kind: 'unary', node: n.node, type: 'boolean', op: 'NOT', arg: n.args[0]! });
        if (n.name === 'IF' && n.args[2]) {
          const c = this.bool(n.args[0]!);
          const t = this.tmp();
          const la = this.capture(() => this.emit(`${t} = ${this.bool(n.args[1]!)};`));
          const lb = this.capture(() => this.emit(`${t} = ${this.bool(n.args[2]!)};`));
          this.emit(`let ${t};`);
          this.out.push(`if (${c}) {`, ...la, '} else {', ...lb, '}');
          return t;
        }
        return nope();
      }
      default:
        return nope();
    }
  }
  /** AND/OR evaluate every argument (errors propagate); no NULLs reach here, so two-valued. */
  private logic(op: 'AND' | 'OR', args: TNode[]): string {
    const xs = args.map((a) => this.bool(a));
    const t = this.tmp();
    this.emit(`const ${t} = ${xs.join(op === 'AND' ? ' && ' : ' || ')};`);
    return t;
  }
}

export interface FastCode {
  /** Statements of the per-row block labelled `f` (they may `break f`). */
  lines: string[];
  /** Expression of the row's output after the statements. */
  result: string;
}

/**
 * The fast block for a formula, or null when the formula is outside the subset. `numeric`:
 * the result as the nearest double (m / 10^S, exact division of two exact doubles).
 */
export function compileFast(ast: TNode, type: FormulaType, inputs: FastInput[], numeric: boolean, scales?: Record<string, number>): FastCode | null {
  try {
    const c = new FastCompiler({ text: !numeric, ...(scales ? { scales } : {}) }, inputs);
    if (type === 'boolean' && !numeric) {
      const b = c.bool(ast);
      return { lines: c.lines(), result: b };
    }
    if (!isNumeric(type)) return null;
    const v = c.num(ast);
    return { lines: c.lines(), result: numeric ? `(${v.m} / 1e${v.S} + 0)` : `R.ftext(${v.m}, ${v.S}, ${v.d})` };
  } catch (e) {
    if (e instanceof Unsupported) return null;
    throw e;
  }
}
