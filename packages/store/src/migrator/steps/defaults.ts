import { ddlLiteral, quoteIdent as q } from '../../sql.ts';
import type { StepHandler } from './out.ts';

/** A new or changed default (a literal built by `ddlLiteral`, never text from the request). */
export const setDefault: StepHandler<'set_default'> = (c, _v, out) => {
  const { field: f, object } = c;
  const s = out.step('set_default', object, `Set the default of "${f.name}" on "${object.name}" to ${JSON.stringify(f.default)}`, {
    field: { id: f.id, name: f.name },
    params: { field: f.name, object: object.name, value: JSON.stringify(f.default) },
  });
  out.ddl(5.0, `alter table ${out.T(c.table)} alter column ${q(f.column)} set default ${ddlLiteral(c.value)}`);
  return s;
};

export const dropDefault: StepHandler<'drop_default'> = (c, _v, out) => {
  const { field: f, object } = c;
  const s = out.step('set_default', object, `Remove the default of "${f.name}" on "${object.name}"`, {
    field: { id: f.id, name: f.name },
    message: 'drop_default',
    params: { field: f.name, object: object.name },
  });
  out.ddl(5.0, `alter table ${out.T(c.table)} alter column ${q(f.column)} drop default`);
  return s;
};
