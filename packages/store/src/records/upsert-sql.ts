// The set-based statements of an upsert. The rows travel as ONE bound JSON parameter that
// PostgreSQL reads into the table's own row type (`jsonb_populate_recordset(null::table, …)`), not
// as one bound value per cell: a 1,000-row chunk was ~11,000 `?` for knex to number and the
// server to parse. Column types come from the table itself, so no type is restated here;
// identifiers are the registry's (quoted), values stay bound (DESIGN §9).
import type { FieldDef, ObjectDef } from '@attain/meta';
import type { Knex } from 'knex';
import { qualified, quoteIdent } from '../sql.ts';
import { hasColumn } from './fields.ts';

/** The read list of `fields` as SQL, like `selectList` (dates as text, so no driver shifts them). */
function returningList(fields: FieldDef[]): string {
  return fields
    .filter(hasColumn)
    .map((f) => (f.storage === 'date' ? `${quoteIdent(f.column)}::text as ${quoteIdent(f.name)}` : quoteIdent(f.column)))
    .join(', ');
}

/**
 * `INSERT … ON CONFLICT (external_id) DO UPDATE` of rows that all set the same columns, so a row
 * never overwrites a field it did not send; the version of an updated row moves by one.
 * `sent`: the columns the rows set (only those are updated on a conflict); `returning`: the fields
 * to hand back for every row written (inserted or updated), or none.
 */
export async function upsertRows(
  trx: Knex.Transaction,
  schema: string,
  o: ObjectDef,
  rows: Array<Record<string, unknown>>,
  sent: string[],
  returning?: FieldDef[],
): Promise<Array<Record<string, unknown>>> {
  const first = rows[0];
  if (!first) return [];
  const table = qualified(schema, o.table);
  const cols = Object.keys(first).map(quoteIdent);
  const sets = [`"updated_at" = excluded."updated_at"`, `"updated_by" = excluded."updated_by"`, `"version" = ${quoteIdent(o.table)}."version" + 1`];
  // The stamps above are the write's own; a row never sets them (nor re-keys itself).
  for (const col of sent) if (!['external_id', 'updated_at', 'updated_by', 'version'].includes(col)) sets.push(`${quoteIdent(col)} = excluded.${quoteIdent(col)}`);
  const sql =
    `insert into ${table} (${cols.join(', ')}) select ${cols.join(', ')} from jsonb_populate_recordset(null::${table}, ?::jsonb) ` +
    `on conflict ("external_id") where "deleted_at" is null do update set ${sets.join(', ')}` +
    (returning ? ` returning ${returningList(returning)}` : '');
  const result = (await trx.raw(sql, [JSON.stringify(rows)])) as { rows?: Array<Record<string, unknown>> };
  return result.rows ?? [];
}
