// Decimal text out: always plain digits (never an exponent), a '-' only for values below zero.
import type { DecimalValue } from './parse.ts';
import { unitsAt, type RoundingMode } from './rounding.ts';

/** Units at `scale` as text with exactly `scale` decimals: fromUnits(100000001n, 2) → "1000000.01". */
export function fromUnits(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${int}${scale ? `.${frac}` : ''}`;
}

/**
 * Text of a decimal. With `scale`, exactly that many decimals (rounded with `mode`, half_up by
 * default); without, as many as the value has, trailing zeros dropped ("1.50" → "1.5").
 */
export function formatDecimal(d: DecimalValue, scale?: number, mode: RoundingMode = 'half_up'): string {
  if (scale !== undefined) return fromUnits(unitsAt(d, scale, mode), scale);
  return trimZeros(fromUnits(d.units, d.scale));
}

function trimZeros(text: string): string {
  if (!text.includes('.')) return text;
  const out = text.replace(/0+$/, '').replace(/\.$/, '');
  return out === '-0' ? '0' : out;
}

/** Compares two decimals exactly: −1, 0 or 1. */
export function compareDecimal(a: DecimalValue, b: DecimalValue): -1 | 0 | 1 {
  const scale = Math.max(a.scale, b.scale);
  const x = unitsAt(a, scale);
  const y = unitsAt(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}
