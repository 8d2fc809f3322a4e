import { quoteIdent as q } from '../../sql.ts';
import type { StepHandler } from './out.ts';

/** An Attain index (named `ax_u_…`/`ax_i_…` by a hash of ids) the metadata no longer wants. */
export const dropIndex: StepHandler<'drop_index'> = (c, _v, out) => {
  const s = out.step('drop_index', c.object, `Drop ${c.unique ? 'unique ' : ''}index on "${c.objectLabel}" (${c.columns})`, {
    ...(c.unique ? { message: 'drop_unique_index' } : {}),
    params: { object: c.objectLabel, columns: c.columns },
  });
  out.ddl(1.0, `drop index if exists ${out.T(c.name)}`);
  return s;
};

/** A wanted index; a unique one only over live rows, so soft-deleted duplicates do not block it. */
export const addIndex: StepHandler<'add_index'> = (c, _v, out) => {
  const { index: d, object } = c;
  const s = out.step('add_index', object, `Add ${d.unique ? 'unique ' : ''}index on "${object.name}" (${c.columns.join(', ')})`, {
    ...(d.unique ? { message: 'add_unique_index' } : {}),
    params: { object: object.name, columns: c.columns.join(', ') },
  });
  const list = c.columns.map(q).join(', ');
  out.ddl(
    6.0,
    d.unique ? `create unique index if not exists ${q(d.name)} on ${out.T(c.table)} (${list}) where deleted_at is null` : `create index if not exists ${q(d.name)} on ${out.T(c.table)} (${list})`,
  );
  return s;
};
