// The one check of a decimal value against a field's bounds: numbers and numeric strings go
// through the same rules, so "-5.00" meets `minimum: 0` exactly as -5 does.
import { compareDecimal, formatDecimal } from './format.ts';
import { parseDecimal, type DecimalValue } from './parse.ts';
import { exceedsScale } from './rounding.ts';

export interface DecimalBounds {
  /** Decimals the value may have; more (non-zero) digits are refused, never rounded. */
  scale: number;
  /** Total significant digits of the column (numeric(precision, scale)); beyond is `range`. */
  precision?: number;
  minimum?: number;
  maximum?: number;
}

export type DecimalRule = 'type' | 'scale' | 'range' | 'minimum' | 'maximum';

export type DecimalCheck = { ok: true; value: DecimalValue; text: string } | { ok: false; rule: DecimalRule; message: string };

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/**
 * Checks one value. On success `text` is the value to store: plain digits, no exponent, trailing
 * zeros kept up to the scale as written. Messages complete a sentence starting with the field name.
 */
export function checkDecimal(value: unknown, b: DecimalBounds): DecimalCheck {
  const d = parseDecimal(value);
  if (!d) return { ok: false, rule: 'type', message: 'must be a number or a decimal string like "12.50"' };
  if (exceedsScale(d, b.scale)) {
    return { ok: false, rule: 'scale', message: `must have at most ${plural(b.scale, 'decimal place')} (got ${formatDecimal(d)})` };
  }
  if (b.precision !== undefined) {
    const intDigits = b.precision - b.scale;
    const abs = d.units < 0n ? -d.units : d.units;
    const whole = abs / 10n ** BigInt(d.scale);
    if ((whole === 0n ? 0 : whole.toString().length) > intDigits) {
      return { ok: false, rule: 'range', message: `must have at most ${plural(intDigits, 'digit')} before the decimal point` };
    }
  }
  const min = b.minimum === undefined ? undefined : parseDecimal(b.minimum);
  if (min && compareDecimal(d, min) < 0) return { ok: false, rule: 'minimum', message: `must be at least ${formatDecimal(min)}` };
  const max = b.maximum === undefined ? undefined : parseDecimal(b.maximum);
  if (max && compareDecimal(d, max) > 0) return { ok: false, rule: 'maximum', message: `must be at most ${formatDecimal(max)}` };
  const text = formatDecimal(d, Math.min(d.scale, b.scale));
  return { ok: true, value: d, text };
}
