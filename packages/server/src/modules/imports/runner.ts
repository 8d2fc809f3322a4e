// One import, dry or real, the same way for every kind. A bad row fails alone (as record import
// does: each row of POST /objects/{object}:bulk has its own result): rows whose cells do not fit
// their columns fail first; the kind's check (no writes) fails the rows its owner refuses; the real
// run then writes the rows left through the owner's service. A dry run stops before writing, so it
// answers exactly what the real run would, unless the data changes in between.
import { isAttainError } from '@attain/meta/errors';
import type { ErrorDetail } from '../../http/errors.ts';
import type { ImportKind, KindContext, TypedRow } from './kind.ts';
import type { Sheet } from './sheet.ts';
import { typeRows } from './typing.ts';

export type RowStatus = 'valid' | 'imported' | 'failed';

export interface RowResult {
  row: number;
  status: RowStatus;
  errors?: Array<{ field: string; rule: string; message: string; path: string }>;
}

export interface ImportResult {
  kind: string;
  dryRun: boolean;
  summary: { rows: number; valid: number; imported: number; failed: number };
  rows: RowResult[];
}

const LINE = /^\/rows\/(\d+)(?:\/([^/]+))?/;

/**
 * Calls `fn` with the rows; when it refuses naming rows, those fail and the rest is tried again.
 * A refusal naming no row fails the single row it was given, or is retried in halves.
 */
async function isolate(rows: readonly TypedRow[], fn: (rows: readonly TypedRow[]) => Promise<void>, failed: Map<number, ErrorDetail[]>): Promise<void> {
  if (!rows.length) return;
  try {
    await fn(rows);
  } catch (error) {
    if (!isAttainError(error) || error.status >= 500) throw error;
    const lines = new Set(rows.map((r) => r.row));
    const named = new Map<number, ErrorDetail[]>();
    for (const d of error.details) {
      const line = Number(LINE.exec(d.path)?.[1] ?? Number.NaN);
      if (lines.has(line)) named.set(line, [...(named.get(line) ?? []), d]);
    }
    if (named.size) {
      for (const [line, details] of named) failed.set(line, details);
      return isolate(
        rows.filter((r) => !named.has(r.row)),
        fn,
        failed,
      );
    }
    if (rows.length === 1) {
      const line = (rows[0] as TypedRow).row;
      failed.set(line, error.details.length ? error.details.map((d) => ({ ...d, path: `/rows/${line}` })) : [{ path: `/rows/${line}`, rule: error.code, message: error.message }]);
      return;
    }
    const half = Math.ceil(rows.length / 2);
    await isolate(rows.slice(0, half), fn, failed);
    await isolate(rows.slice(half), fn, failed);
  }
}

export async function runImport(kind: ImportKind, sheet: Sheet, mapping: readonly string[], ctx: KindContext, dryRun: boolean): Promise<ImportResult> {
  const { rows, failed } = await typeRows(kind, sheet, mapping, ctx.access);
  await isolate(rows, (r) => kind.check(r, ctx), failed);
  const good = rows.filter((r) => !failed.has(r.row));
  if (!dryRun) await isolate(good, (r) => kind.apply(r, ctx), failed);
  const results: RowResult[] = sheet.rows.map(({ row }) => {
    const errors = failed.get(row);
    if (!errors) return { row, status: dryRun ? 'valid' : 'imported' };
    return {
      row,
      status: 'failed',
      errors: errors.map((d) => ({ field: LINE.exec(d.path)?.[2] ?? '', rule: d.rule, message: d.message, path: d.path })),
    };
  });
  const nFailed = results.filter((r) => r.status === 'failed').length;
  const ok = results.length - nFailed;
  return { kind: kind.name, dryRun, summary: { rows: results.length, valid: ok, imported: dryRun ? 0 : ok, failed: nFailed }, rows: results };
}
