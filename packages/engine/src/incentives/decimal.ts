/**
 * Exact decimals for money, rates and points: a BigInt scaled by 10^10. Addition and subtraction
 * are exact; multiplication and division round half away from zero at 10 decimals (as PostgreSQL
 * numeric division does), far below a cent. Money is rounded to the plan's scale only where the
 * plan says so (each statement line), never in between.
 */
export type Dec = bigint;

export const SCALE = 10;
const ONE_UNITS = 10n ** BigInt(SCALE);
export const ZERO: Dec = 0n;
export const ONE: Dec = ONE_UNITS;

export type RoundingMode = 'half_up' | 'half_even' | 'down' | 'up';

const DECIMAL = /^([+-])?(\d+)(?:\.(\d+))?$/;

/** Parses "12.5", "-0.035", 3, or an existing Dec; throws on anything else. */
export function dec(value: string | number | bigint): Dec {
  if (typeof value === 'bigint') return value;
  const text = typeof value === 'number' ? numberText(value) : value.trim();
  const m = DECIMAL.exec(text);
  if (!m) throw new Error(`not a decimal number: ${JSON.stringify(value)}`);
  const sign = m[1] === '-' ? -1n : 1n;
  const frac = m[3] ?? '';
  if (frac.length <= SCALE) return sign * BigInt((m[2] ?? '0') + frac.padEnd(SCALE, '0'));
  // More digits than we keep: round half away from zero.
  const kept = BigInt((m[2] ?? '0') + frac.slice(0, SCALE));
  return sign * (Number(frac[SCALE]) >= 5 ? kept + 1n : kept);
}

function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`not a finite number: ${n}`);
  const text = String(n);
  if (!/e/i.test(text)) return text;
  return n.toFixed(SCALE);
}

export function isDecText(value: unknown): boolean {
  return (typeof value === 'string' && DECIMAL.test(value.trim())) || (typeof value === 'number' && Number.isFinite(value));
}

function divRound(n: bigint, d: bigint): bigint {
  if (d === 0n) throw new RangeError('division by zero');
  const neg = (n < 0n) !== (d < 0n);
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  let q = an / ad;
  if ((an % ad) * 2n >= ad) q += 1n;
  return neg ? -q : q;
}

export const add = (a: Dec, b: Dec): Dec => a + b;
export const sub = (a: Dec, b: Dec): Dec => a - b;
export const mul = (a: Dec, b: Dec): Dec => divRound(a * b, ONE_UNITS);
export const div = (a: Dec, b: Dec): Dec => divRound(a * ONE_UNITS, b);
export const neg = (a: Dec): Dec => -a;
export const min = (a: Dec, b: Dec): Dec => (a < b ? a : b);
export const max = (a: Dec, b: Dec): Dec => (a > b ? a : b);
export const sum = (values: Iterable<Dec>): Dec => {
  let total = 0n;
  for (const v of values) total += v;
  return total;
};

/** Rounds to `scale` decimals with the given mode. */
export function round(a: Dec, scale: number, mode: RoundingMode = 'half_up'): Dec {
  if (scale >= SCALE) return a;
  const unit = 10n ** BigInt(SCALE - scale);
  const negative = a < 0n;
  const abs = negative ? -a : a;
  let q = abs / unit;
  const r = abs % unit;
  if (r !== 0n) {
    if (mode === 'up') q += 1n;
    else if (mode === 'half_up' && r * 2n >= unit) q += 1n;
    else if (mode === 'half_even' && (r * 2n > unit || (r * 2n === unit && q % 2n === 1n))) q += 1n;
  }
  const out = q * unit;
  return negative ? -out : out;
}

/** Rounds toward negative infinity to a whole number (points "per 10,000"). */
export function floorInt(a: Dec): Dec {
  const q = a / ONE_UNITS;
  return (a < 0n && a % ONE_UNITS !== 0n ? q - 1n : q) * ONE_UNITS;
}

/** Decimal text with exactly `scale` digits (default: trailing zeros dropped). */
export function fmt(a: Dec, scale?: number): string {
  const negative = a < 0n;
  const value = scale === undefined ? a : round(a, scale);
  const abs = negative ? -value : value;
  const whole = abs / ONE_UNITS;
  let frac = (abs % ONE_UNITS).toString().padStart(SCALE, '0');
  if (scale === undefined) frac = frac.replace(/0+$/, '');
  else frac = frac.slice(0, scale);
  const text = frac ? `${whole}.${frac}` : `${whole}`;
  return negative && value !== 0n ? `-${text}` : text;
}

export function money(a: Dec): string {
  return fmt(a, 2);
}
