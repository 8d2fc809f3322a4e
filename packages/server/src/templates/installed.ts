// Which template versions a tenant installed, append-only: each install, upgrade, rollback or
// uninstall adds a row holding that version's own documents (the base of the next three-way
// merge, never the tenant's customised copy) and the metadata revision it produced.
import type { TenantModule } from '@attain/store';
import type { Store } from '../store-port.ts';
import type { TemplateManifest } from './manifest.ts';

const TABLE = 'attain_templates_installed';

export const templatesModule: TenantModule = {
  name: 'templates',
  migrations: [
    {
      version: 1,
      async up(trx, schema) {
        if (await trx.schema.withSchema(schema).hasTable(TABLE)) return;
        await trx.schema.withSchema(schema).createTable(TABLE, (t) => {
          t.bigIncrements('seq').primary();
          t.text('name').notNullable();
          t.text('version').nullable();
          t.text('action').notNullable();
          t.jsonb('manifest').nullable();
          t.jsonb('docs').nullable();
          t.integer('revision').notNullable();
          t.integer('previous_revision').nullable();
          t.timestamp('at', { useTz: true }).notNullable().defaultTo(trx.fn.now());
          t.index(['name', 'seq']);
        });
      },
    },
  ],
};

export interface Installation {
  name: string;
  /** null once uninstalled. */
  version: string | null;
  action: 'install' | 'upgrade' | 'rollback' | 'uninstall';
  manifest: TemplateManifest | null;
  docs: unknown[];
  revision: number;
  previousRevision: number | null;
  at: string;
  seq: number;
}

interface Row {
  seq: string | number;
  name: string;
  version: string | null;
  action: Installation['action'];
  manifest: TemplateManifest | null;
  docs: unknown[] | null;
  revision: number;
  previous_revision: number | null;
  at: Date | string;
}

const toInstallation = (r: Row): Installation => ({
  seq: Number(r.seq),
  name: r.name,
  version: r.version,
  action: r.action,
  manifest: r.manifest,
  docs: r.docs ?? [],
  revision: Number(r.revision),
  previousRevision: r.previous_revision === null ? null : Number(r.previous_revision),
  at: r.at instanceof Date ? r.at.toISOString() : String(r.at),
});

export async function installations(store: Store, tenant: string, name?: string): Promise<Installation[]> {
  const h = await store.modules.ensure(tenant, templatesModule);
  const q = h.knex.withSchema(h.schema).from(TABLE).orderBy('seq', 'desc');
  if (name) q.where({ name });
  return ((await q.select('*')) as Row[]).map(toInstallation);
}

/** The latest row of each template the tenant has installed (and not uninstalled). */
export async function installed(store: Store, tenant: string): Promise<Installation[]> {
  const seen = new Set<string>();
  const out: Installation[] = [];
  for (const i of await installations(store, tenant)) {
    if (seen.has(i.name)) continue;
    seen.add(i.name);
    if (i.version !== null) out.push(i);
  }
  return out;
}

export async function recordInstallation(store: Store, tenant: string, row: Omit<Installation, 'seq' | 'at'>): Promise<void> {
  const h = await store.modules.ensure(tenant, templatesModule);
  await h.knex
    .withSchema(h.schema)
    .into(TABLE)
    .insert({
      name: row.name,
      version: row.version,
      action: row.action,
      manifest: row.manifest === null ? null : JSON.stringify(row.manifest),
      docs: JSON.stringify(row.docs),
      revision: row.revision,
      previous_revision: row.previousRevision,
    });
}
