// Which tables and columns a tenant schema has, read from PostgreSQL's own catalog: backup and
// restore name only identifiers the database reports (never ones read from a file unchecked).
import type { Knex } from 'knex';

export async function schemaTables(q: Knex | Knex.Transaction, schema: string): Promise<string[]> {
  const rows = (await q('information_schema.tables').where({ table_schema: schema, table_type: 'BASE TABLE' }).orderBy('table_name').select('table_name')) as Array<{ table_name: string }>;
  return rows.map((r) => r.table_name);
}

/** Columns that take values (generated ones are computed again), in table order. */
export async function tableColumns(q: Knex | Knex.Transaction, schema: string, table: string): Promise<string[]> {
  const rows = (await q('information_schema.columns')
    .where({ table_schema: schema, table_name: table })
    .andWhereNot({ is_generated: 'ALWAYS' })
    .orderBy('ordinal_position')
    .select('column_name')) as Array<{ column_name: string }>;
  return rows.map((r) => r.column_name);
}

/** Every row as PostgreSQL's text of each column, in pages by physical position, within the caller's snapshot. */
export async function* textRows(q: Knex.Transaction, schema: string, table: string, columns: string[], where?: (b: Knex.QueryBuilder) => void, page = 5000): AsyncGenerator<Array<string | null>> {
  let after: string | null = null;
  for (;;) {
    const query = q
      .withSchema(schema)
      .from(table)
      .select([q.raw('ctid::text as "__ctid"'), ...columns.map((c, i) => q.raw('??::text as ??', [c, `c${i}`]))])
      .orderByRaw('ctid')
      .limit(page);
    if (where) where(query);
    if (after !== null) query.andWhereRaw('ctid > ?::tid', [after]);
    const rows = (await query) as Array<Record<string, string | null>>;
    for (const row of rows) yield columns.map((_, i) => row[`c${i}`] ?? null);
    if (rows.length < page) return;
    after = rows[rows.length - 1]?.__ctid ?? null;
  }
}
