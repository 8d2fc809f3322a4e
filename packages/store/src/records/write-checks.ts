import { findField, type FieldDef, type ObjectDef } from '@attain/meta';
import type { Q } from '../context.ts';
import type { ErrorDetail } from '../errors.ts';
import { isUuid } from '../uuid.ts';
import { normalizeDateTime } from '../values.ts';
import { hasColumn } from './fields.ts';
import { ajvDetails, checkDecimals, checkWriteKeys, failValidation, mergeDetails, validatorFor } from './validate.ts';
import { textRuleDetails } from './text-rules.ts';
import { hasForbiddenKey, isRecord, type RecordContext } from './context.ts';

/** The checks a write passes before it touches a row: shape, owner scope and references. */
export function writeChecks(c: RecordContext) {
  const { registry, access, from, ownerColumn, ownerSet } = c;

  function toDb(f: FieldDef, v: unknown): unknown {
    if (v === null || v === undefined) return null;
    switch (f.storage) {
      case 'decimal':
      case 'money':
      case 'percent':
        return typeof v === 'number' ? String(v) : v;
      case 'datetime':
        return typeof v === 'string' ? (normalizeDateTime(v) ?? v) : v;
      case 'ref':
        return typeof v === 'string' ? v.toLowerCase() : v;
      default:
        return v;
    }
  }

  /** Validates a write and returns column values. Throws with every problem found. */
  function prepare(o: ObjectDef, data: unknown, mode: 'create' | 'update', prefix = ''): Record<string, unknown> {
    if (!isRecord(data) || hasForbiddenKey(data)) failValidation([{ path: prefix || '/', rule: 'type', message: 'the record must be a JSON object' }]);
    const problems = checkWriteKeys(o, data, access, prefix);
    if (problems.length) failValidation(problems);
    const copy: Record<string, unknown> = { ...data };
    const validate = validatorFor(registry, o, mode);
    const shape = validate(copy) ? [] : ajvDetails(validate.errors, prefix);
    const invalid = mergeDetails(shape, checkDecimals(o, copy, prefix, mode === 'create'), textRuleDetails(o, copy, prefix));
    if (invalid.length) failValidation(invalid);
    const details: ErrorDetail[] = [];
    const values: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(copy)) {
      const f = findField(o, key) as FieldDef;
      if (mode === 'update' && v === null && f.required) details.push({ path: `${prefix}/${key}`, rule: 'required', message: `"${key}" is required and cannot be emptied` });
      if (key === 'external_id' && v !== null && (typeof v !== 'string' || v.length === 0 || v.length > 255)) {
        details.push({ path: `${prefix}/${key}`, rule: 'maxLength', message: '"external_id" must be 1 to 255 characters' });
      }
      if (key === 'owner_id' && v !== null && !isUuid(v)) details.push({ path: `${prefix}/${key}`, rule: 'format', message: '"owner_id" must be a uuid' });
      values[f.column] = toDb(f, v);
    }
    if (details.length) failValidation(details);
    return values;
  }

  function checkOwnerScope(o: ObjectDef, values: Record<string, unknown>, prefix = ''): void {
    if (!access.rowFilter) return;
    const col = ownerColumn(o);
    if (!(col in values)) return;
    const owner = values[col];
    if (typeof owner !== 'string' || !ownerSet().includes(owner.toLowerCase())) {
      failValidation([{ path: `${prefix}/${col}`, rule: 'owner_scope', message: `"${col}" must be a user whose records you may manage` }]);
    }
  }

  /**
   * Every ref value must point at a live record of the target object that the writer may read:
   * a reference to a record outside the writer's scope is refused exactly like one to a record
   * that does not exist, so the answer reveals nothing about records the writer cannot see.
   * `before` (update, upsert): per row, the record as stored; a value it already holds is kept
   * without a check, so editing a record another user linked never fails over a link the editor
   * did not touch.
   */
  async function checkRefs(q: Q, o: ObjectDef, rows: Array<Record<string, unknown>>, prefixOf: (i: number) => string, before: Array<Record<string, unknown> | undefined> = []): Promise<void> {
    const details: ErrorDetail[] = [];
    for (const f of o.fields) {
      if (!f.ref || !hasColumn(f)) continue;
      const target = registry.object(f.ref.object);
      if (!target) continue;
      const changed = (r: Record<string, unknown>, i: number): boolean => typeof r[f.column] === 'string' && r[f.column] !== before[i]?.[f.column];
      const ids = [...new Set(rows.filter(changed).map((r) => r[f.column] as string))];
      if (ids.length === 0) continue;
      const scope = access.scopeOf?.(target.name);
      const owners = scope && scope !== 'none' ? scope.ownerIn.filter(isUuid).map((s) => s.toLowerCase()) : [];
      const lookup = from(q, target).whereIn('id', ids).whereNull('deleted_at').select('id');
      if (scope === 'none' || (scope && owners.length === 0)) lookup.whereRaw('false');
      else if (scope) lookup.whereIn(ownerColumn(target), owners);
      const found = new Set(((await lookup) as Array<{ id: string }>).map((r) => r.id));
      rows.forEach((r, i) => {
        const v = r[f.column];
        if (changed(r, i) && !found.has(v as string)) details.push({ path: `${prefixOf(i)}/${f.name}`, rule: 'ref_exists', message: `"${f.name}" refers to a ${target.name} that does not exist` });
      });
    }
    if (details.length) failValidation(details);
  }

  return { prepare, checkOwnerScope, checkRefs };
}

export type WriteChecks = ReturnType<typeof writeChecks>;
