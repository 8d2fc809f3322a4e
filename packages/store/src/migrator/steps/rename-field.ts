import { hashedName, quoteIdent as q } from '../../sql.ts';
import type { StepHandler } from './out.ts';

/** A renamed field keeps its id and data: the column is renamed through a temporary name so swaps work. */
export const renameField: StepHandler<'rename_field'> = (c, _v, out) => {
  const s = c.announce
    ? out.step('rename_column', c.object, `Rename field "${c.fromName}" to "${c.field.name}" on "${c.object.name}" (data kept)`, {
        field: c.field,
        params: { from: c.fromName, to: c.field.name, object: c.object.name },
      })
    : undefined;
  const tmp = hashedName('attain_t', c.object.id, c.field.id);
  out.ddl(4.0, `alter table ${out.T(c.table)} rename column ${q(c.fromColumn)} to ${q(tmp)}`);
  out.ddl(4.1, `alter table ${out.T(c.table)} rename column ${q(tmp)} to ${q(c.toColumn)}`);
  return s;
};
