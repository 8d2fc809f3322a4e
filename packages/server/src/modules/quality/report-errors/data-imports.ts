// Data imports (rates, targets, assignments, territories, the org) whose rows failed this month: per
// kind of import, each failed row a failure, the latest with its first reason.
import { importsTables } from '../../imports/tables.ts';
import { group, type ErrorSource } from './source.ts';

/** The most import runs one report reads (newest first). */
export const IMPORT_RUN_CAP = 1000;

interface FailedRow {
  row?: number;
  errors?: Array<{ field?: string; rule?: string; message?: string }>;
}

const reason = (f: FailedRow | undefined): string | null => {
  const e = f?.errors?.[0];
  return e ? `row ${f?.row ?? '?'}: ${e.field ?? ''} ${e.rule ?? ''} — ${e.message ?? ''}`.trim() : null;
};

export const dataImportsSource: ErrorSource = {
  id: 'data_imports',
  label: { en: 'Data imports (failed rows)', 'zh-CN': '数据导入（失败的行）' },
  async collect(ctx) {
    const port = await ctx.store.port(ctx.tenant, importsTables);
    const runs = (await port
      .table('run')
      .where('failed', '>', 0)
      .where('created_at', '>=', ctx.from)
      .where('created_at', '<', ctx.to)
      .orderBy('created_at', 'desc')
      .limit(IMPORT_RUN_CAP)
      .select('kind', 'failed', 'failures', 'created_at')) as Array<{ kind: string; failed: number; failures: unknown; created_at: Date | string }>;
    return group(
      runs.flatMap((r) => {
        const failures = (typeof r.failures === 'string' ? JSON.parse(r.failures) : r.failures) as FailedRow[];
        // Every failed row counts; the stored list (the first 200 of a run) gives the reason shown.
        const at = new Date(r.created_at);
        return Array.from({ length: Number(r.failed) }, (_, i) => ({ key: r.kind, at, error: reason(failures[i] ?? failures[0]) }));
      }),
    );
  },
};
