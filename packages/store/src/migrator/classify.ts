import type { FieldDef } from '@attain/meta';
import type { ApplyOptions } from '../types.ts';
import { coerceScalar } from '../values.ts';
import type { Change } from './changes.ts';
import type { Snapshot } from './snapshot.ts';

/**
 * Whether a change may run. Safe changes run; unsafe ones are refused with a reason (the apply
 * then refuses the whole plan); a change that would break existing rows runs only when the caller
 * confirmed it with a backfill value for the field id (`backfill` is the value to write, or null
 * when the value given is refused).
 */
export interface Verdict {
  safe: boolean;
  reason?: string;
  backfill?: { value: unknown };
}

const SAFE: Verdict = { safe: true };

/** Classifies one change, asking the database only the cheap data questions it needs. */
export async function classify(c: Change, snapshot: Snapshot, opts: ApplyOptions): Promise<Verdict> {
  switch (c.kind) {
    case 'create_object':
      return c.tableTaken ? { safe: false, reason: `a table named "${c.object.table}" already exists in the tenant schema and does not belong to Attain's metadata` } : SAFE;
    case 'add_field': {
      const f = c.field;
      const filled = f.required ? await snapshot.hasRows(c.beforeTable) : false;
      if (!f.required || !filled || f.default !== undefined) return SAFE;
      const backfill = opts.backfill?.[f.id];
      if (backfill === undefined) {
        return { safe: false, reason: `"${f.name}" is required but "${c.object.name}" already has rows; give a default or a backfill value for field id "${f.id}"` };
      }
      return checkBackfill(f, backfill);
    }
    case 'change_type':
      if (c.change.kind === 'unsafe') return { safe: false, reason: c.change.reason };
      if (c.change.kind === 'widen_if_fits' && !(await snapshot.fitsDigits(c.beforeTable, c.column, c.change.digits))) {
        return { safe: false, reason: `some values of "${c.field.name}" have more than ${c.change.digits} digits before the decimal point and would not fit ${c.to}` };
      }
      return SAFE;
    case 'change_ref':
      return { safe: false, reason: 'changing the object a reference points at would leave every existing value pointing at the wrong records; add a new field instead' };
    case 'set_required': {
      if (!(await snapshot.hasNulls(c.beforeTable, c.column))) return SAFE;
      const backfill = opts.backfill?.[c.field.id];
      if (backfill === undefined) return { safe: false, reason: `"${c.field.name}" has empty values in existing rows; give a backfill value for field id "${c.field.id}"` };
      return checkBackfill(c.field, backfill);
    }
    case 'purge_field_of_hidden_object':
      return { safe: false, reason: 'purge the whole object by its id instead' };
    case 'add_index':
      if (c.checkDuplicates && (await snapshot.hasDuplicates(c.checkDuplicates.table, c.checkDuplicates.columns))) {
        return { safe: false, reason: `"${c.object.name}" has rows with the same ${c.columns.join(', ')}; fix the duplicates first` };
      }
      return SAFE;
    default:
      return SAFE;
  }
}

/** A backfill value must be a valid value of the field, checked by the same rules as a record write. */
function checkBackfill(f: FieldDef, value: unknown): Verdict {
  const refused = (reason: string): Verdict => ({ safe: false, reason, backfill: { value: null } });
  if (f.storage === 'multi_enum') {
    if (Array.isArray(value) && value.every((v) => typeof v === 'string' && (f.enumValues ?? []).includes(v))) return { safe: true, backfill: { value } };
    return refused(`the backfill value for "${f.name}" must be a list of its values`);
  }
  const c = coerceScalar(f, value);
  if (!c.ok) return refused(`the backfill value for "${f.name}" ${c.message}`);
  if (f.storage === 'enum' && !(f.enumValues ?? []).includes(String(c.value))) {
    return refused(`the backfill value for "${f.name}" must be one of: ${(f.enumValues ?? []).join(', ')}`);
  }
  return { safe: true, backfill: { value: c.value } };
}
