import { quoteIdent as q } from '../../sql.ts';
import type { StepHandler } from './out.ts';

/** An Attain foreign key (`afk_…`) the metadata no longer wants. */
export const dropForeignKey: StepHandler<'drop_foreign_key'> = (c, _v, out) => {
  const s = out.step('drop_foreign_key', c.object, `Remove the database link of "${c.fieldLabel}" on "${c.object.name}"`, {
    ...(c.field ? { field: c.field } : {}),
    params: { field: c.fieldLabel, object: c.object.name },
  });
  out.ddl(1.0, `alter table ${out.T(c.table)} drop constraint if exists ${q(c.name)}`);
  return s;
};

/** A reference field's database link, with the delete rule the metadata names. */
export const addForeignKey: StepHandler<'add_foreign_key'> = (c, _v, out) => {
  const { fk: d, field: f, object, target } = c;
  const s = out.step('add_foreign_key', object, `Link "${f.name}" on "${object.name}" to "${target.name}" (on delete ${d.onDelete.replace('_', ' ')})`, {
    field: { id: f.id, name: f.name },
    params: { field: f.name, object: object.name, target: target.name, onDelete: d.onDelete },
  });
  const onDelete = d.onDelete === 'cascade' ? 'cascade' : d.onDelete === 'set_null' ? 'set null' : 'restrict';
  out.ddl(6.1, `alter table ${out.T(c.table)} add constraint ${q(d.name)} foreign key (${q(f.column)}) references ${out.T(c.targetTable)} ("id") on delete ${onDelete}`);
  return s;
};
