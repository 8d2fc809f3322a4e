import { quoteIdent as q } from '../../sql.ts';
import type { StepHandler } from './out.ts';

/** Purge, asked for by field id: the column and its data go. */
export const purgeField: StepHandler<'purge_field'> = (c, _v, out) => {
  const s = out.step('purge_field', c.object, `Drop column "${c.column}" of "${c.object.name}" and its data (purge)`, { field: c.field, params: { field: c.column, object: c.object.name } });
  out.ddl(2.0, `alter table ${out.T(c.beforeTable)} drop column if exists ${q(c.column)}`);
  return s;
};

/** A field of a hidden object cannot be purged alone (refused by the classifier); no DDL. */
export const purgeFieldOfHiddenObject: StepHandler<'purge_field_of_hidden_object'> = (c, _v, out) =>
  out.step('purge_field', c.object, `Drop field id "${c.fieldId}" of hidden object "${c.object.name}"`, { message: 'purge_field_of_hidden_object', params: { id: c.fieldId, object: c.object.name } });
