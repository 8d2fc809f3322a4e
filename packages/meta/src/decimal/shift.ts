// Moving the decimal point: a percentage (25) and the fraction it is stored as (0.25) are the same
// digits, so converting between them is exact and never goes through a float.
import type { DecimalValue } from './parse.ts';

/** `d` × 10^places, exactly (places may be negative): movePoint(0.25, 2) → 25, movePoint(25, -2) → 0.25. */
export function movePoint(d: DecimalValue, places: number): DecimalValue {
  const scale = d.scale - places;
  return scale >= 0 ? { units: d.units, scale } : { units: d.units * 10n ** BigInt(-scale), scale: 0 };
}
