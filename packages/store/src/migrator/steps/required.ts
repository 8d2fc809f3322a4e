import type { Knex } from 'knex';
import { quoteIdent as q } from '../../sql.ts';
import type { StepHandler } from './out.ts';

/** A field becomes required: NOT NULL, after filling empty rows with the confirmed backfill when there are any. */
export const setRequired: StepHandler<'set_required'> = (c, v, out) => {
  const { field: f, object } = c;
  const s = out.step('set_required', object, `Make "${f.name}" on "${object.name}" required`, { field: { id: f.id, name: f.name }, params: { field: f.name, object: object.name } });
  if (v.backfill) {
    s.sentence += ', filling empty rows with the backfill value';
    s.message = 'set_required_backfill';
    const value = v.backfill.value as Knex.Value;
    out.act(5.1, (trx) => trx.raw(`update ${out.T(c.table)} set ${q(f.column)} = ? where ${q(f.column)} is null`, [value]));
  }
  out.ddl(5.2, `alter table ${out.T(c.table)} alter column ${q(f.column)} set not null`);
  return s;
};

export const dropRequired: StepHandler<'drop_required'> = (c, _v, out) => {
  const { field: f, object } = c;
  const s = out.step('drop_required', object, `Make "${f.name}" on "${object.name}" optional`, { field: { id: f.id, name: f.name }, params: { field: f.name, object: object.name } });
  out.ddl(5.0, `alter table ${out.T(c.table)} alter column ${q(f.column)} drop not null`);
  return s;
};
