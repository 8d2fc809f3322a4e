// Integer division with an explicit rounding mode: the only place any decimal is rounded.
import type { DecimalValue } from './parse.ts';

/**
 * half_up: half away from zero (2.5 → 3, −2.5 → −3), what people and PostgreSQL round() do;
 * half_even: banker's rounding; half_down: half toward zero; down: toward zero (truncate);
 * up: away from zero; floor: toward −∞; ceiling: toward +∞.
 */
export type RoundingMode = 'half_up' | 'half_even' | 'half_down' | 'down' | 'up' | 'floor' | 'ceiling';

export const ROUNDING_MODES: readonly RoundingMode[] = ['half_up', 'half_even', 'half_down', 'down', 'up', 'floor', 'ceiling'];

/** n ÷ d rounded with `mode`. */
export function divRound(n: bigint, d: bigint, mode: RoundingMode = 'half_up'): bigint {
  if (d === 0n) throw new RangeError('division by zero');
  const negative = n < 0n !== d < 0n;
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  let q = an / ad;
  const r = an % ad;
  if (r !== 0n) {
    const twice = r * 2n;
    let bump: boolean;
    switch (mode) {
      case 'half_up':
        bump = twice >= ad;
        break;
      case 'half_even':
        bump = twice > ad || (twice === ad && q % 2n === 1n);
        break;
      case 'half_down':
        bump = twice > ad;
        break;
      case 'down':
        bump = false;
        break;
      case 'up':
        bump = true;
        break;
      case 'floor':
        bump = negative;
        break;
      case 'ceiling':
        bump = !negative;
        break;
    }
    if (bump) q += 1n;
  }
  return negative ? -q : q;
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** True when `d` has non-zero digits beyond `scale` decimals (so it cannot be stored without rounding). */
export function exceedsScale(d: DecimalValue, scale: number): boolean {
  return d.scale > scale && d.units % pow10(d.scale - scale) !== 0n;
}

/**
 * The value's units at `scale`. Without a mode, digits would be lost is a RangeError (never a
 * silent rounding); trailing zeros beyond the scale are fine ("5.000" at scale 2 is 500).
 */
export function unitsAt(d: DecimalValue, scale: number, mode?: RoundingMode): bigint {
  if (d.scale <= scale) return d.units * pow10(scale - d.scale);
  if (mode === undefined && exceedsScale(d, scale)) throw new RangeError(`has more than ${scale} decimal places`);
  return divRound(d.units, pow10(d.scale - scale), mode ?? 'down');
}

/** Rescales to `scale`, rounding with `mode` (default half_up). */
export function roundDecimal(d: DecimalValue, scale: number, mode: RoundingMode = 'half_up'): DecimalValue {
  return { units: unitsAt(d, scale, mode), scale };
}
