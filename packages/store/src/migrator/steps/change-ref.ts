import type { StepHandler } from './out.ts';

/** Pointing a reference at another object is always refused (the classifier says why); no DDL. */
export const changeRef: StepHandler<'change_ref'> = (c, _v, out) =>
  out.step('add_foreign_key', c.object, `Point "${c.field.name}" on "${c.object.name}" at "${c.to}" instead of "${c.from}"`, {
    field: c.field,
    message: 'change_ref',
    params: { field: c.field.name, object: c.object.name, from: c.from, to: c.to },
  });
