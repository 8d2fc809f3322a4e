import { quoteIdent as q } from '../../sql.ts';
import type { StepHandler } from './out.ts';

/**
 * A field left out of the metadata is hidden: column and data kept, NOT NULL and default dropped so
 * writes without it still work; parked under a hashed name when a live field takes its column name.
 */
export const hideField: StepHandler<'hide_field'> = (c, _v, out) => {
  const { field, object } = c;
  let s;
  if (c.announce) {
    s = out.step('hide_field', object, `Hide field "${field.name}" on "${object.name}": column and data are kept (re-add id "${field.id}" to restore)`, {
      field,
      params: { field: field.name, object: object.name, id: field.id },
    });
    out.ddl(2.0, `alter table ${out.T(c.beforeTable)} alter column ${q(c.column)} drop not null`);
    out.ddl(2.0, `alter table ${out.T(c.beforeTable)} alter column ${q(c.column)} drop default`);
  }
  if (c.parkAs) out.ddl(2.5, `alter table ${out.T(c.beforeTable)} rename column ${q(c.column)} to ${q(c.parkAs)}`);
  return s;
};
