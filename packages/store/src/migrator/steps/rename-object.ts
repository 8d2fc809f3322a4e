import { hashedName, quoteIdent as q } from '../../sql.ts';
import type { StepHandler } from './out.ts';

/** A renamed object keeps its id and data: the table is renamed through a temporary name so swaps work. */
export const renameObject: StepHandler<'rename_object'> = (c, _v, out) => {
  const s = out.step('rename_table', c.object, `Rename object "${c.fromName}" to "${c.object.name}" (data kept)`, { params: { from: c.fromName, to: c.object.name } });
  const tmp = hashedName('attain_t', c.object.id);
  out.ddl(3.0, `alter table ${out.T(c.fromTable)} rename to ${q(tmp)}`);
  out.ddl(3.1, `alter table ${out.T(tmp)} rename to ${q(c.toTable)}`);
  return s;
};
