import { quoteIdent as q } from '../../sql.ts';
import type { StepHandler } from './out.ts';

/** An object left out of the metadata is hidden, table and data kept; parked when a live object takes its table name. */
export const hideObject: StepHandler<'hide_object'> = (c, _v, out) => {
  const s = c.announce
    ? out.step('hide_object', c.object, `Hide object "${c.object.name}": its table and data are kept (re-add id "${c.object.id}" to restore)`, { params: { object: c.object.name, id: c.object.id } })
    : undefined;
  if (c.parkAs) out.ddl(2.5, `alter table ${out.T(c.table)} rename to ${q(c.parkAs)}`);
  return s;
};
