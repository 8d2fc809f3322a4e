import type { StepHandler } from './out.ts';

/** A hidden field comes back: its column was kept (a rename step moves it back if it was parked). */
export const restoreField: StepHandler<'restore_field'> = (c, _v, out) =>
  out.step('restore_field', c.object, `Restore field "${c.field.name}" on "${c.object.name}" with the data kept when it was removed`, {
    field: c.field,
    params: { field: c.field.name, object: c.object.name },
  });
