// Recording and listing import runs (real runs only: a dry run changes nothing, not even this).
import { randomUUID } from 'node:crypto';
import type { AccessContext } from '../../rbac/context.ts';
import type { Store } from '../../store-port.ts';
import type { ImportResult } from './runner.ts';
import { importsTables } from './tables.ts';

export interface ImportRun {
  id: string;
  kind: string;
  userId: string | null;
  user: string | null;
  fileName: string | null;
  rows: number;
  imported: number;
  failed: number;
  failures: unknown;
  createdAt: string;
}

export async function recordRun(store: Store, access: AccessContext, result: ImportResult, fileName: string | undefined): Promise<string> {
  const port = await store.port(access.tenantName, importsTables);
  const id = randomUUID();
  const failures = result.rows.filter((r) => r.status === 'failed').slice(0, 200);
  await port.knex.transaction(async (trx) => {
    await port.table('run', trx).insert({
      id,
      kind: result.kind,
      user_id: access.principal.userId,
      user_label: access.actor.label ?? null,
      file_name: fileName ?? null,
      rows: result.summary.rows,
      imported: result.summary.imported,
      failed: result.summary.failed,
      failures: JSON.stringify(failures),
    });
    await port.audit({ actor: access.actor, action: `imports.${result.kind}.run`, object: 'import_run', recordId: id, after: { kind: result.kind, ...result.summary } }, trx);
  });
  return id;
}

export async function listRuns(store: Store, access: AccessContext, filter: { kind?: string; failedOnly?: boolean; limit: number }): Promise<ImportRun[]> {
  const port = await store.port(access.tenantName, importsTables);
  const q = port.table('run').select('*').orderBy('created_at', 'desc').limit(filter.limit);
  if (filter.kind) q.where('kind', filter.kind);
  if (filter.failedOnly) q.where('failed', '>', 0);
  const rows = (await q) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    id: String(r.id),
    kind: String(r.kind),
    userId: r.user_id === null ? null : String(r.user_id),
    user: r.user_label === null ? null : String(r.user_label),
    fileName: r.file_name === null ? null : String(r.file_name),
    rows: Number(r.rows),
    imported: Number(r.imported),
    failed: Number(r.failed),
    failures: typeof r.failures === 'string' ? JSON.parse(r.failures) : r.failures,
    createdAt: r.created_at instanceof Date ? r.created_at.toISOString() : String(r.created_at),
  }));
}
