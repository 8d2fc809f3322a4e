/** A decimal's canonical text (no sign on zero, no trailing zeros), so 10.50 and "10.5" compare equal. */
function canonical(value: unknown): unknown {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string' || !/^[+-]?\d+(\.\d+)?$/.test(text)) return value;
  let [int = '0', frac = ''] = text.replace(/^\+/, '').split('.');
  const negative = int.startsWith('-');
  int = int.replace(/^-?0*/, '') || '0';
  frac = frac.replace(/0+$/, '');
  const abs = frac ? `${int}.${frac}` : int;
  return negative && abs !== '0' ? `-${abs}` : abs;
}

function same(sent: unknown, stored: unknown): boolean {
  if (sent === stored) return true;
  if (sent === null || stored === null || sent === undefined || stored === undefined) return false;
  return JSON.stringify(canonical(sent)) === JSON.stringify(canonical(stored));
}

/**
 * Would writing `row` change nothing? Every field it sends equals the stored value as the caller
 * reads it (`seen`: hidden fields absent, so sending one is never "unchanged" and reveals nothing).
 * Anything not provably equal counts as a change.
 */
export function unchangedBy(row: Record<string, unknown>, seen: Record<string, unknown>): boolean {
  for (const k of Object.keys(row)) if (!Object.hasOwn(seen, k) || !same(row[k], seen[k])) return false;
  return true;
}
