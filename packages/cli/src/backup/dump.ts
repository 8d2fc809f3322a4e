// `attain backup`: one tenant or all, from one REPEATABLE READ snapshot, so every table, the
// metadata revision and the control rows are of the same instant while the nodes keep writing.
import type { Knex } from 'knex';
import type { Store } from '@attain/store';
import { schemaTables, tableColumns, textRows } from './catalog.ts';
import { FORMAT, LineWriter, type TenantSection, VERSION } from './format.ts';

/** Control tables a tenant owns rows in (by `tenant_id`), minus what a restore makes anew. */
export const CONTROL_TABLES: Record<string, { omit: string[] }> = {
  credentials: { omit: ['tenant_id'] },
  api_tokens: { omit: ['tenant_id'] },
  // The log keeps its order; its ids are the restoring database's own (append-only, serial).
  audit_log: { omit: ['tenant_id', 'id'] },
};

export interface BackupReport {
  tenants: Array<{ name: string; revision: number; counts: Record<string, number> }>;
}

type TenantRow = {
  id: string;
  name: string;
  schema_name: string;
  revision: number;
  label: string | null;
  base_currency: string;
  time_zone: string;
  fiscal_year_start_month: number;
  calculated_at: string | null;
  created_at: string;
};

export async function backup(store: Store, file: string, opts: { tenant?: string } = {}): Promise<BackupReport> {
  const knex = store.db.knex;
  const C = store.controlSchema;
  const out = new LineWriter(file);
  const report: BackupReport = { tenants: [] };
  try {
    await knex.transaction(
      async (trx) => {
        const query = trx
          .withSchema(C)
          .from('tenants')
          .orderBy('name')
          .select(
            'id',
            'name',
            'schema_name',
            'revision',
            'label',
            'base_currency',
            'time_zone',
            'fiscal_year_start_month',
            trx.raw('calculated_at::text as calculated_at'),
            trx.raw('created_at::text as created_at'),
          );
        if (opts.tenant) query.where({ name: opts.tenant });
        const tenants = (await query) as TenantRow[];
        if (opts.tenant && tenants.length === 0) throw new Error(`no tenant "${opts.tenant}"`);
        await out.write({ format: FORMAT, version: VERSION, createdAt: new Date().toISOString(), dialect: store.db.dialect, tenants: tenants.map((t) => t.name) });
        for (const t of tenants) report.tenants.push(await backupTenant(trx, C, t, out));
        await out.write({ type: 'end', tenants: tenants.length });
      },
      { isolationLevel: 'repeatable read', readOnly: true },
    );
  } finally {
    await out.close();
  }
  return report;
}

async function backupTenant(trx: Knex.Transaction, C: string, t: TenantRow, out: LineWriter): Promise<BackupReport['tenants'][number]> {
  const revisions = (await trx
    .withSchema(C)
    .from('metadata_revisions')
    .where({ tenant_id: t.id })
    .orderBy('revision')
    .select('revision', trx.raw('docs::text as docs'), 'hash', trx.raw('plan::text as plan'), 'actor_id', 'actor_label', trx.raw('created_at::text as created_at'))) as TenantSection['revisions'];
  const modules = (await trx.withSchema(C).from('module_versions').where({ tenant_id: t.id }).orderBy('module').select('module', 'version')) as TenantSection['modules'];
  await out.write({
    type: 'tenant',
    name: t.name,
    revision: Number(t.revision),
    tenant: {
      label: t.label,
      base_currency: t.base_currency,
      time_zone: t.time_zone,
      fiscal_year_start_month: Number(t.fiscal_year_start_month),
      calculated_at: t.calculated_at,
      created_at: t.created_at,
    },
    revisions: revisions.map((r) => ({ ...r, revision: Number(r.revision) })),
    modules: modules.map((m) => ({ module: m.module, version: Number(m.version) })),
  });
  const counts: Record<string, number> = {};
  for (const [table, { omit }] of Object.entries(CONTROL_TABLES)) {
    const columns = (await tableColumns(trx, C, table)).filter((c) => !omit.includes(c));
    await out.write({ type: 'rows', tenant: t.name, scope: 'control', table, columns });
    let n = 0;
    for await (const r of textRows(trx, C, table, columns, (b) => void b.where({ tenant_id: t.id }))) {
      await out.write({ r });
      n++;
    }
    counts[`control.${table}`] = n;
  }
  for (const table of await schemaTables(trx, t.schema_name)) {
    const columns = await tableColumns(trx, t.schema_name, table);
    await out.write({ type: 'rows', tenant: t.name, scope: 'data', table, columns });
    let n = 0;
    for await (const r of textRows(trx, t.schema_name, table, columns)) {
      await out.write({ r });
      n++;
    }
    counts[table] = n;
  }
  await out.write({ type: 'tenant-end', name: t.name, counts });
  return { name: t.name, revision: Number(t.revision), counts };
}
