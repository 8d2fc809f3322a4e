import type { Knex } from 'knex';
import { quoteIdent as q } from '../../sql.ts';
import { columnDdl } from './column-ddl.ts';
import type { StepHandler } from './out.ts';

/** A new field: a new column, or, when it is required on a table with rows, a column filled with the confirmed backfill. */
export const addField: StepHandler<'add_field'> = (c, v, out) => {
  const { field: f, object } = c;
  const s = out.step('add_column', object, `Add column "${f.name}" (${f.storage}) to "${object.name}"`, {
    field: { id: f.id, name: f.name },
    params: { field: f.name, type: f.storage, object: object.name },
  });
  if (v.backfill) {
    s.sentence += ', filling existing rows with the backfill value';
    s.message = 'add_column_backfill';
    const value = v.backfill.value as Knex.Value;
    out.ddl(4.3, `alter table ${out.T(c.table)} add column if not exists ${columnDdl(f, false)}`);
    out.act(4.35, (trx) => trx.raw(`update ${out.T(c.table)} set ${q(f.column)} = ? where ${q(f.column)} is null`, [value]));
    out.ddl(4.36, `alter table ${out.T(c.table)} alter column ${q(f.column)} set not null`);
  } else if (v.safe) {
    // A constant default lets PostgreSQL add NOT NULL without rewriting the table.
    out.ddl(4.3, `alter table ${out.T(c.table)} add column if not exists ${columnDdl(f, true)}`);
  }
  return s;
};
