// Exact decimals as scaled BigInts: a value v at scale s is the integer v·10^s. Targets never
// touch floating point, so every split sums to its parent to the last unit.

const DECIMAL = /^(-)?(\d{1,18})(?:\.(\d{1,12}))?$/;

export function isDecimal(text: unknown): text is string {
  return typeof text === 'string' && DECIMAL.test(text);
}

/** Parses "1000000.01" at scale 2 to 100000001n; refuses more decimals than the scale holds. */
export function toUnits(text: string | number, scale: number): bigint {
  const s = typeof text === 'number' ? numberText(text) : text.trim();
  const m = DECIMAL.exec(s);
  if (!m) throw new RangeError(`not a decimal number: ${JSON.stringify(String(text).slice(0, 40))}`);
  const frac = m[3] ?? '';
  if (frac.replace(/0+$/, '').length > scale) throw new RangeError(`${s} has more than ${scale} decimal places`);
  const units = BigInt(m[2]! + frac.slice(0, scale).padEnd(scale, '0'));
  return m[1] ? -units : units;
}

function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError('not a finite number');
  // toString is exact for the short decimals people type; exponent forms are expanded.
  return Math.abs(n) < 1e-6 && n !== 0 ? n.toFixed(12).replace(/0+$/, '') : String(n).includes('e') ? n.toFixed(12).replace(/\.?0+$/, '') : String(n);
}

/** Formats units at a scale back to a decimal string with exactly `scale` decimals. */
export function fromUnits(units: bigint, scale: number): string {
  const neg = units < 0n;
  const digits = (neg ? -units : units).toString().padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale);
  return `${neg ? '-' : ''}${int}${scale ? `.${frac}` : ''}`;
}

/** Rescales a decimal string to the given scale, rounding half away from zero. */
export function roundUnits(text: string, scale: number): bigint {
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new RangeError(`not a decimal number: ${JSON.stringify(text.slice(0, 40))}`);
  const frac = m[3] ?? '';
  const keep = frac.slice(0, scale).padEnd(scale, '0');
  let units = BigInt(m[2]! + keep);
  if (frac.length > scale && Number(frac[scale]) >= 5) units += 1n;
  return m[1] ? -units : units;
}

export const sumUnits = (values: Iterable<bigint>): bigint => {
  let total = 0n;
  for (const v of values) total += v;
  return total;
};
