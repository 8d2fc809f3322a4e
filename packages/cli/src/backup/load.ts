// `attain restore`: rebuilds each tenant of a backup in this database: the tenant, its metadata
// revisions replayed in order (so the migrator makes exactly the tables and columns they had),
// its modules' tables, then every row bound as a parameter, in one transaction per tenant with
// foreign keys re-added (and so checked) after the load. A tenant that exists already is refused.
import type { Knex } from 'knex';
import type { Store, TenantModule } from '@attain/store';
import { schemaTables, tableColumns } from './catalog.ts';
import { CONTROL_TABLES } from './dump.ts';
import { FORMAT, type Line, readLines, type RowsSection, type TenantSection, VERSION } from './format.ts';

export interface RestoreReport {
  tenants: Array<{ name: string; revision: number; counts: Record<string, number> }>;
}

const actor = { userId: null, label: 'attain restore' };
const BATCH = 500;

export async function restore(store: Store, file: string, modules: readonly TenantModule[], opts: { tenant?: string } = {}): Promise<RestoreReport> {
  const lines = readLines(file);
  const first = (await lines.next()).value as Line | undefined;
  if (!first || !('format' in first) || first.format !== FORMAT) throw new Error(`${file} is not an Attain backup`);
  if (first.version !== VERSION) throw new Error(`${file} is a version ${first.version} backup; this Attain reads version ${VERSION}`);
  if (opts.tenant && !first.tenants.includes(opts.tenant)) throw new Error(`the backup has no tenant "${opts.tenant}" (it has ${first.tenants.join(', ') || 'none'})`);
  const report: RestoreReport = { tenants: [] };
  let line = (await lines.next()).value as Line | undefined;
  while (line && 'type' in line && line.type === 'tenant') {
    const section = line;
    const wanted = !opts.tenant || section.name === opts.tenant;
    if (wanted) await prepareTenant(store, section, modules);
    const counts: Record<string, number> = {};
    line = await store.db.knex.transaction(async (trx) => {
      const target = wanted ? await targetOf(store, trx, section.name) : undefined;
      if (target) await trx.raw(`select pg_advisory_xact_lock(hashtext(?))`, [`attain-restore:${target.schema}`]);
      const fks = target ? await dropForeignKeys(trx, target.schema) : [];
      let next = (await lines.next()).value as Line | undefined;
      while (next && 'type' in next && next.type === 'rows') {
        next = await loadRows(trx, store, target, next, lines, counts);
      }
      if (!next || !('type' in next) || next.type !== 'tenant-end') throw new Error(`the backup ends inside tenant "${section.name}": the file is truncated`);
      if (target) {
        for (const [key, n] of Object.entries(next.counts))
          if ((counts[key] ?? 0) !== n) throw new Error(`tenant "${section.name}": ${key} has ${counts[key] ?? 0} rows in the file, the backup wrote ${n}`);
        // Identifiers are bound (??). The definition is PostgreSQL's own pg_get_constraintdef text, read
        // from this database's catalog a moment ago (dropForeignKeys), never from the backup file; DDL
        // cannot bind it, and re-adding what was dropped is what makes the loaded rows checked.
        for (const fk of fks) await trx.raw(`alter table ??.?? add constraint ?? ${fk.def}`, [target.schema, fk.table, fk.name]);
        await resetSequences(trx, target.schema);
        await finishControl(trx, store, target, section);
      }
      return (await lines.next()).value as Line | undefined;
    });
    if (wanted) report.tenants.push({ name: section.name, revision: section.revision, counts });
  }
  if (!line || !('type' in line) || line.type !== 'end') throw new Error(`${file} is truncated (no end record)`);
  return report;
}

/** The tenant and its tables, made by the same code that made the originals. */
async function prepareTenant(store: Store, t: TenantSection, modules: readonly TenantModule[]): Promise<void> {
  if (await store.tenants.get(t.name)) throw new Error(`tenant "${t.name}" exists in this database; restore into a fresh database (or another ATTAIN_CONTROL_SCHEMA), or restore another tenant`);
  await store.tenants.create(t.name, {
    ...(t.tenant.label ? { label: t.tenant.label } : {}),
    baseCurrency: t.tenant.base_currency,
    timeZone: t.tenant.time_zone,
    fiscalYearStartMonth: t.tenant.fiscal_year_start_month,
  });
  for (const r of t.revisions) await store.metadata.apply(t.name, JSON.parse(r.docs) as unknown[], { actor });
  for (const m of t.modules) {
    const module = modules.find((x) => x.name === m.module);
    if (!module) throw new Error(`tenant "${t.name}" has tables of module "${m.module}", which this Attain does not have`);
    await store.modules.ensure(t.name, module);
  }
  // The store's own effective-dated org tables, made on first use.
  await (await store.org(t.name)).version();
}

type Target = { id: string; schema: string };

async function targetOf(store: Store, trx: Knex.Transaction, name: string): Promise<Target> {
  const row = (await trx.withSchema(store.controlSchema).from('tenants').where({ name }).first('id', 'schema_name')) as { id: string; schema_name: string };
  return { id: row.id, schema: row.schema_name };
}

/** Foreign keys are dropped for the load (rows arrive table by table) and re-added, so checked, after it. */
async function dropForeignKeys(trx: Knex.Transaction, schema: string): Promise<Array<{ table: string; name: string; def: string }>> {
  const fks = (
    await trx.raw(
      `select c.relname as "table", k.conname as name, pg_get_constraintdef(k.oid) as def
         from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
        where k.contype = 'f' and n.nspname = ? order by 1, 2`,
      [schema],
    )
  ).rows as Array<{ table: string; name: string; def: string }>;
  for (const fk of fks) await trx.raw('alter table ??.?? drop constraint ??', [schema, fk.table, fk.name]);
  return fks;
}

async function loadRows(trx: Knex.Transaction, store: Store, target: Target | undefined, section: RowsSection, lines: AsyncGenerator<Line>, counts: Record<string, number>): Promise<Line | undefined> {
  const key = section.scope === 'control' ? `control.${section.table}` : section.table;
  let insert: ((rows: Array<Array<string | null>>) => Promise<void>) | undefined;
  if (target) insert = await inserter(trx, store, target, section);
  let n = 0;
  let batch: Array<Array<string | null>> = [];
  for (;;) {
    const next = (await lines.next()).value as Line | undefined;
    if (next && 'r' in next) {
      n++;
      batch.push(next.r);
      if (batch.length >= BATCH) {
        await insert?.(batch);
        batch = [];
      }
      continue;
    }
    if (batch.length) await insert?.(batch);
    counts[key] = n;
    return next;
  }
}

/** Checks the section's table and columns against this database's catalog, then inserts bound rows. */
async function inserter(trx: Knex.Transaction, store: Store, target: Target, section: RowsSection): Promise<(rows: Array<Array<string | null>>) => Promise<void>> {
  const control = section.scope === 'control';
  const schema = control ? store.controlSchema : target.schema;
  const known = control ? Object.keys(CONTROL_TABLES) : await schemaTables(trx, schema);
  if (!known.includes(section.table)) throw new Error(`the backup has a table "${section.table}" that this tenant's metadata and modules do not make`);
  const columns = await tableColumns(trx, schema, section.table);
  const unknown = section.columns.filter((c) => !columns.includes(c));
  if (unknown.length) throw new Error(`table "${section.table}": the backup has column(s) ${unknown.join(', ')} that this version does not`);
  // Rows the replay itself created (defaults, first-use rows) give way to the backup's.
  if (!control) await trx.withSchema(schema).from(section.table).delete();
  return async (rows) => {
    const objects = rows.map((r) => Object.fromEntries([...section.columns.map((c, i) => [c, r[i] ?? null]), ...(control ? [['tenant_id', target.id]] : [])]));
    await trx.withSchema(schema).table(section.table).insert(objects);
  };
}

/** Serial columns continue after the highest restored value. */
async function resetSequences(trx: Knex.Transaction, schema: string): Promise<void> {
  const serials = (
    await trx.raw(
      `select table_name as "table", column_name as "column", pg_get_serial_sequence(format('%I.%I', table_schema, table_name), column_name) as seq
         from information_schema.columns where table_schema = ? and column_default like 'nextval(%'`,
      [schema],
    )
  ).rows as Array<{ table: string; column: string; seq: string | null }>;
  for (const s of serials) if (s.seq) await trx.raw(`select setval(?::regclass, greatest((select max(??) from ??.??), 1))`, [s.seq, s.column, schema, s.table]);
}

/** The tenant row and metadata history as they were: the same revision number and documents. */
async function finishControl(trx: Knex.Transaction, store: Store, target: Target, t: TenantSection): Promise<void> {
  const C = store.controlSchema;
  await trx.withSchema(C).from('metadata_revisions').where({ tenant_id: target.id }).delete();
  // Field by field: a file's extra keys never reach the insert (nor another tenant's id).
  for (const r of t.revisions) {
    const row = { tenant_id: target.id, revision: r.revision, docs: r.docs, hash: r.hash, plan: r.plan, actor_id: r.actor_id, actor_label: r.actor_label, created_at: r.created_at };
    await trx.withSchema(C).table('metadata_revisions').insert(row);
  }
  await trx.withSchema(C).from('tenants').where({ id: target.id }).update({ revision: t.revision, calculated_at: t.tenant.calculated_at, created_at: t.tenant.created_at });
}
