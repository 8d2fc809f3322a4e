// Writing the checked rows of an import: rows with an External ID are upserted in batches (so an
// import run again updates them); rows without one are new records, created one by one. Every row
// that fails says why, and the failed rows can be downloaded to fix and import again.
import { api, ApiError } from '../../api/client.ts';

export interface ImportRow {
  /** The row's line in the file (the header is line 1). */
  index: number;
  record: Record<string, unknown>;
  cells: unknown[];
}

export interface RowFailure {
  index: number;
  cells: unknown[];
  /** One line per problem: "field: message". */
  reasons: string[];
}

export interface ImportOutcome {
  created: number;
  upserted: number;
  failed: RowFailure[];
}

const BATCH = 500;
const PARALLEL = 4;

const reasonsOf = (error: unknown, pathPrefix = ''): string[] => {
  if (!(error instanceof ApiError)) return [error instanceof Error ? error.message : String(error)];
  const mine = error.details.filter((d) => !pathPrefix || d.path.startsWith(`${pathPrefix}/`) || d.path === pathPrefix);
  const list = (mine.length ? mine : error.details).map((d) => `${d.path.replace(pathPrefix, '').replace(/^\//, '') || '—'}: ${d.message}`);
  return list.length ? list : [error.message];
};

export async function writeImport(object: string, rows: readonly ImportRow[], onProgress: (done: number) => void = () => {}): Promise<ImportOutcome> {
  const outcome: ImportOutcome = { created: 0, upserted: 0, failed: [] };
  let done = 0;
  const keyed = rows.filter((r) => typeof r.record.external_id === 'string' && r.record.external_id !== '');
  const fresh = rows.filter((r) => !keyed.includes(r));
  for (let i = 0; i < keyed.length; i += BATCH) {
    const batch = keyed.slice(i, i + BATCH);
    try {
      await api.post(`/objects/${object}:upsert`, { rows: batch.map((r) => r.record) });
      outcome.upserted += batch.length;
    } catch (error) {
      // A refused batch writes nothing: each of its rows is failed, with the problems found on it.
      batch.forEach((r, k) => outcome.failed.push({ index: r.index, cells: r.cells, reasons: reasonsOf(error, `/${k}`) }));
    }
    done += batch.length;
    onProgress(done);
  }
  let next = 0;
  const lane = async () => {
    for (let k = next++; k < fresh.length; k = next++) {
      const r = fresh[k] as ImportRow;
      try {
        await api.post(`/objects/${object}`, r.record);
        outcome.created += 1;
      } catch (error) {
        if (error instanceof ApiError && error.status >= 500) throw error;
        outcome.failed.push({ index: r.index, cells: r.cells, reasons: reasonsOf(error) });
      }
      onProgress(++done);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, lane));
  outcome.failed.sort((a, b) => a.index - b.index);
  return outcome;
}

const csvCell = (v: unknown): string => {
  const text = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** The failed rows as CSV: the file's own columns, then why each row failed. */
export function failedRowsCsv(header: readonly string[], failed: readonly RowFailure[], reasonColumn: string): string {
  const lines = [[...header, reasonColumn].map(csvCell).join(',')];
  for (const f of failed) lines.push([...header.map((_, c) => f.cells[c]), f.reasons.join('; ')].map(csvCell).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
