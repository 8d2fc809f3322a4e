import type { StepHandler } from './out.ts';

/** Purge, asked for by object id: the table and its data go. */
export const purgeObject: StepHandler<'purge_object'> = (c, _v, out) => {
  const s = out.step('purge_object', c.object, `Drop the table of object "${c.object.name}" and all its data (purge)`, { params: { object: c.object.name } });
  out.ddl(2.0, `drop table if exists ${out.T(c.table)} cascade`);
  return s;
};
