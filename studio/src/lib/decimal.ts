/** Moves the decimal point of a decimal string by `places` (positive = multiply by 10^places) without floats. */
export function shiftDecimal(value: string, places: number): string {
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(value.trim());
  if (!m) return value;
  const [, sign = '', int = '', frac = ''] = m;
  let digits = int + frac;
  let point = int.length + places;
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits = digits + '0'.repeat(point - digits.length);
  const i = digits.slice(0, point).replace(/^0+(?=\d)/, '') || '0';
  const f = digits.slice(point).replace(/0+$/, '');
  const out = f ? `${i}.${f}` : i;
  return out === '0' ? out : sign + out;
}
