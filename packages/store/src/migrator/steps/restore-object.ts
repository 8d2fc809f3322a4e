import type { StepHandler } from './out.ts';

/** A hidden object comes back: its table was kept, so there is nothing to run. */
export const restoreObject: StepHandler<'restore_object'> = (c, _v, out) =>
  out.step('restore_object', c.object, `Restore object "${c.object.name}" with the table and data kept when it was removed`, { params: { object: c.object.name } });
