// Shared by the kinds whose rows are dated spans (assignments, territories): `to` on or after
// `from`, and no two spans of one payee on one key overlapping (the owners refuse that too).
import type { ErrorDetail } from '../../../http/errors.ts';
import type { TypedRow } from '../kind.ts';

export interface Span {
  key: string;
  payeeId: string;
  from: string;
  to: string | null;
  /** The file's line, or undefined for a span already stored. */
  row?: number;
}

export const END = '9999-12-31';

export function spanProblems(rows: readonly TypedRow[]): ErrorDetail[] {
  return rows.flatMap((r) => {
    const { from, to } = r.values;
    return from && to && to < from ? [{ path: `/rows/${r.row}/to`, rule: 'range', message: 'must be on or after the start' }] : [];
  });
}

/**
 * Stored spans and the file's: a file row replaces the stored span of the same key, payee and
 * start; then a file row overlapping another span of its payee and key is refused.
 */
export function mergeSpans(stored: readonly Span[], file: readonly Span[]): { list: Span[]; issues: ErrorDetail[] } {
  const id = (s: Span) => `${s.key}|${s.payeeId}|${s.from}`;
  const incoming = new Set(file.map(id));
  const list = [...stored.filter((s) => !incoming.has(id(s))), ...file];
  const issues: ErrorDetail[] = [];
  list.forEach((a, i) => {
    if (a.row === undefined) return;
    // Against a stored span, or an earlier row of the file (the later of two rows is the one refused).
    const other = list.find((b, k) => k !== i && (b.row === undefined || k < i) && b.key === a.key && b.payeeId === a.payeeId && a.from <= (b.to ?? END) && b.from <= (a.to ?? END));
    if (other) issues.push({ path: `/rows/${a.row}/from`, rule: 'overlap', message: other.row === undefined ? `overlaps a stored span from ${other.from}` : `overlaps row ${other.row}` });
  });
  return { list, issues };
}
