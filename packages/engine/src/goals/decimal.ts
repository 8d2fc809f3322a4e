// Targets as exact integers of units at a scale (cents for money), through the platform's one
// decimal module (DESIGN §10): no floating point, every split sums to its parent.
import { fromUnits, parseDecimal, unitsAt, type DecimalValue } from '@attain/meta';

export { fromUnits };

// Targets are at most 18 integer digits and 12 decimals (the goals tables' numeric columns).
const MAX_INT_DIGITS = 18;
const MAX_FRAC_DIGITS = 12;

function parseTarget(text: unknown): DecimalValue | undefined {
  if (typeof text === 'string' && text.trim().startsWith('+')) return undefined;
  const d = parseDecimal(typeof text === 'string' ? text.trim() : text);
  if (!d || d.scale > MAX_FRAC_DIGITS) return undefined;
  const abs = d.units < 0n ? -d.units : d.units;
  return (abs / 10n ** BigInt(d.scale)).toString().length > MAX_INT_DIGITS ? undefined : d;
}

export function isDecimal(text: unknown): text is string {
  return typeof text === 'string' && text === text.trim() && parseTarget(text) !== undefined;
}

/** Parses "1000000.01" at scale 2 to 100000001n; refuses more decimals than the scale holds. */
export function toUnits(text: string | number, scale: number): bigint {
  if (typeof text === 'number' && !Number.isFinite(text)) throw new RangeError('not a finite number');
  const d = parseTarget(text);
  if (!d) throw new RangeError(`not a decimal number: ${JSON.stringify(String(text).slice(0, 40))}`);
  try {
    return unitsAt(d, scale);
  } catch {
    throw new RangeError(`${String(text)} has more than ${scale} decimal places`);
  }
}

/** Rescales a decimal string to the given scale, rounding half away from zero. */
export function roundUnits(text: string, scale: number): bigint {
  const d = parseTarget(text);
  if (!d) throw new RangeError(`not a decimal number: ${JSON.stringify(text.slice(0, 40))}`);
  return unitsAt(d, scale, 'half_up');
}

export const sumUnits = (values: Iterable<bigint>): bigint => {
  let total = 0n;
  for (const v of values) total += v;
  return total;
};
