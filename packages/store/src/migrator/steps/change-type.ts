import { quoteIdent as q } from '../../sql.ts';
import type { StepHandler } from './out.ts';

/** A column type change: widening runs (numeric widening only when existing values fit); anything else is refused. */
export const changeType: StepHandler<'change_type'> = (c, _v, out) => {
  const { field: f, object } = c;
  const params = { field: f.name, object: object.name, from: c.from, to: c.to };
  if (c.change.kind === 'unsafe') {
    return out.step('widen_column', object, `Change "${f.name}" on "${object.name}" from ${c.from} to ${c.to}`, { field: { id: f.id, name: f.name }, message: 'change_type', params });
  }
  const s = out.step('widen_column', object, `Widen "${f.name}" on "${object.name}" from ${c.from} to ${c.to}`, { field: { id: f.id, name: f.name }, params });
  out.ddl(4.4, `alter table ${out.T(c.table)} alter column ${q(f.column)} type ${c.to}`);
  return s;
};
