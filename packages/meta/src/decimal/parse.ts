// Parsing decimals from what clients send: JSON numbers and numeric strings alike, into an exact
// scaled BigInt. No floating-point arithmetic ever touches the digits, and no exponent notation is
// accepted in text ("1e3" is refused: a reader of the request would not see a thousand).

/** An exact decimal: `units / 10^scale`. `scale` is the count of digits after the point as written. */
export interface DecimalValue {
  readonly units: bigint;
  readonly scale: number;
}

/** Longest digit string parsed (integer + fraction); longer input is refused, not truncated. */
export const MAX_DIGITS = 80;

const TEXT = /^([+-])?(\d+)(?:\.(\d+))?$/;
// What String(number) prints for very large or very small numbers: one digit, fraction, exponent.
const EXPONENT = /^(-)?(\d)(?:\.(\d+))?e([+-]\d+)$/;

/**
 * Parses a finite JSON number or a decimal string ("12", "-0.035", "+7.50"). A number is read as
 * the shortest decimal that prints it (0.1 is 0.1, not 0.1000000000000000055…), so what the client
 * wrote is what is checked. Returns undefined for anything else (NaN, Infinity, "1e3", " 5", "").
 */
export function parseDecimal(value: unknown): DecimalValue | undefined {
  if (typeof value === 'bigint') return { units: value, scale: 0 };
  if (typeof value === 'number') return parseNumber(value);
  if (typeof value !== 'string') return undefined;
  const m = TEXT.exec(value);
  if (!m) return undefined;
  const whole = m[2]!;
  const frac = m[3] ?? '';
  if (whole.length + frac.length > MAX_DIGITS) return undefined;
  const units = BigInt(whole + frac);
  return { units: m[1] === '-' ? -units : units, scale: frac.length };
}

function parseNumber(n: number): DecimalValue | undefined {
  if (!Number.isFinite(n)) return undefined;
  const text = String(n);
  const e = EXPONENT.exec(text);
  if (!e) return parseDecimal(text);
  // 1.5e-7 is 15 × 10^-8; 1e+21 is 1 × 10^21. Expanded exactly from the printed digits.
  const frac = e[3] ?? '';
  let units = BigInt(e[2]! + frac);
  let scale = frac.length - Number(e[4]);
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { units: e[1] ? -units : units, scale };
}

/** True for a finite number or a string parseDecimal accepts. */
export function isDecimalInput(value: unknown): value is number | string {
  return (typeof value === 'number' || typeof value === 'string') && parseDecimal(value) !== undefined;
}

/** Parses or throws a RangeError naming the input (for internal values that must be decimals). */
export function requireDecimal(value: unknown): DecimalValue {
  const d = parseDecimal(value);
  if (!d) throw new RangeError(`not a decimal number: ${JSON.stringify(String(value).slice(0, 40))}`);
  return d;
}
