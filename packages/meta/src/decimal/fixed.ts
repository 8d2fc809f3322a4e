// Fixed-scale arithmetic for calculations (incentives): a Dec is a BigInt scaled by 10^10.
// Addition and subtraction are exact; multiplication and division round half away from zero at
// 10 decimals (as PostgreSQL numeric division does), far below a cent. Money is rounded to its
// scale only where a plan says so, with an explicit mode.
import { formatDecimal } from './format.ts';
import { parseDecimal } from './parse.ts';
import { divRound, exceedsScale, unitsAt, type RoundingMode } from './rounding.ts';

export type Dec = bigint;

export const SCALE = 10;
const ONE_UNITS = 10n ** BigInt(SCALE);
export const ZERO: Dec = 0n;
export const ONE: Dec = ONE_UNITS;

/**
 * Parses "12.5", "-0.035", 3, or an existing Dec; throws on anything else. Values computed by the
 * database may carry more than 10 decimals; those are rounded half up at the 10th (internal
 * intermediate precision, not client input: clients' values are checked by `checkDecimal`).
 */
export function dec(value: string | number | bigint): Dec {
  if (typeof value === 'bigint') return value;
  const d = parseDecimal(typeof value === 'string' ? value.trim() : value);
  if (!d) throw new Error(`not a decimal number: ${JSON.stringify(value)}`);
  return unitsAt(d, SCALE, 'half_up');
}

/**
 * True for a number or decimal string that a Dec holds exactly: client-entered rates, amounts and
 * shares with more than 10 decimals are refused where they are checked, not rounded by `dec`.
 */
export function isDecText(value: unknown): boolean {
  if (typeof value !== 'string' && typeof value !== 'number') return false;
  const d = parseDecimal(typeof value === 'string' ? value.trim() : value);
  return d !== undefined && !exceedsScale(d, SCALE);
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

/** Rounds to `scale` decimals with the given mode (still a Dec at 10 decimals). */
export function round(a: Dec, scale: number, mode: RoundingMode = 'half_up'): Dec {
  if (scale >= SCALE) return a;
  const unit = 10n ** BigInt(SCALE - scale);
  return divRound(a, unit, mode) * unit;
}

/** Rounds toward negative infinity to a whole number (points "per 10,000"). */
export function floorInt(a: Dec): Dec {
  return divRound(a, ONE_UNITS, 'floor') * ONE_UNITS;
}

/** Decimal text with exactly `scale` digits (rounded half up), or trailing zeros dropped without. */
export function fmt(a: Dec, scale?: number): string {
  return formatDecimal({ units: a, scale: SCALE }, scale);
}

export function money(a: Dec): string {
  return fmt(a, 2);
}

/** A Dec as integer units at `scale` (exact, or with `mode`): the bridge to apportionUnits. */
export function decToUnits(a: Dec, scale: number, mode?: RoundingMode): bigint {
  return unitsAt({ units: a, scale: SCALE }, scale, mode);
}

/** Integer units at `scale` back to a Dec. */
export function decFromUnits(units: bigint, scale: number): Dec {
  return unitsAt({ units, scale }, SCALE);
}
