import type { Knex } from 'knex';
import type { Registry } from '@attain/meta';
import { quoteIdent, qualified } from '../sql.ts';
import type { PhysicalState } from '../types.ts';
import { desiredForeignKeys, desiredIndexes, storedFields } from './physical.ts';

/** What the planner asks about the database as it is: catalog facts plus cheap data checks. */
export interface Snapshot {
  tableExists(table: string): boolean;
  columnNullable(table: string, column: string): boolean | undefined;
  indexes: Set<string>;
  /** Foreign key constraint name -> table it sits on. */
  foreignKeys: Map<string, string>;
  hasRows(table: string): Promise<boolean>;
  hasNulls(table: string, column: string): Promise<boolean>;
  hasDuplicates(table: string, columns: string[]): Promise<boolean>;
  /** True when every value's integer part has at most `digits` digits. */
  fitsDigits(table: string, column: string, digits: number): Promise<boolean>;
}

/** Reads the tenant schema's catalog once (three queries); data checks run on demand. */
export async function liveSnapshot(q: Knex | Knex.Transaction, schema: string): Promise<Snapshot> {
  const cols = (await q.select('table_name', 'column_name', 'is_nullable').from('information_schema.columns').where('table_schema', schema)) as Array<{
    table_name: string;
    column_name: string;
    is_nullable: string;
  }>;
  const tables = new Set<string>();
  const nullable = new Map<string, boolean>();
  for (const c of cols) {
    tables.add(c.table_name);
    nullable.set(`${c.table_name}.${c.column_name}`, c.is_nullable === 'YES');
  }
  const idx = (await q.select('indexname').from('pg_catalog.pg_indexes').where('schemaname', schema)) as Array<{ indexname: string }>;
  const fkRows = (await q
    .select('c.conname', 't.relname')
    .from('pg_catalog.pg_constraint as c')
    .join('pg_catalog.pg_namespace as n', 'n.oid', 'c.connamespace')
    .join('pg_catalog.pg_class as t', 't.oid', 'c.conrelid')
    .where('n.nspname', schema)
    .andWhere('c.contype', 'f')) as Array<{ conname: string; relname: string }>;
  const exists = async (sql: string, bindings: readonly Knex.RawBinding[] = []): Promise<boolean> => {
    const res = (await q.raw(`select exists(${sql}) as e`, bindings)) as { rows: Array<{ e: boolean }> };
    return Boolean(res.rows[0]?.e);
  };
  return {
    tableExists: (t) => tables.has(t),
    columnNullable: (t, c) => nullable.get(`${t}.${c}`),
    indexes: new Set(idx.map((r) => r.indexname)),
    foreignKeys: new Map(fkRows.map((r) => [r.conname, r.relname])),
    hasRows: (t) => exists(`select 1 from ${qualified(schema, t)}`),
    hasNulls: (t, c) => exists(`select 1 from ${qualified(schema, t)} where ${quoteIdent(c)} is null`),
    hasDuplicates: (t, columns) => {
      const list = columns.map(quoteIdent).join(', ');
      const notNull = columns.map((c) => `${quoteIdent(c)} is not null`).join(' and ');
      return exists(`select 1 from ${qualified(schema, t)} where deleted_at is null and ${notNull} group by ${list} having count(*) > 1`);
    },
    fitsDigits: async (t, c, digits) => !(await exists(`select 1 from ${qualified(schema, t)} where abs(${quoteIdent(c)}) >= power(10::numeric, ?)`, [digits])),
  };
}

/** The catalog a registry implies, for pure metadata diffs between revisions (no data checks). */
export function registrySnapshot(registry: Registry, physical: PhysicalState): Snapshot {
  const tables = new Set<string>();
  const nullable = new Map<string, boolean>();
  for (const o of Object.values(physical.objects)) {
    tables.add(o.table);
    for (const f of Object.values(o.fields)) nullable.set(`${o.table}.${f.column}`, true);
  }
  for (const object of registry.objects) {
    for (const f of storedFields(object)) nullable.set(`${object.table}.${f.column}`, !f.required);
  }
  return {
    tableExists: (t) => tables.has(t),
    columnNullable: (t, c) => nullable.get(`${t}.${c}`),
    indexes: new Set(desiredIndexes(registry).keys()),
    foreignKeys: new Map([...desiredForeignKeys(registry).values()].map((fk) => [fk.name, registry.objectById(fk.objectId)?.table ?? ''])),
    hasRows: async () => false,
    hasNulls: async () => false,
    hasDuplicates: async () => false,
    fitsDigits: async () => true,
  };
}
