import { allFields, type FieldDef, type ObjectDef, type Registry, type Storage } from '@attain/meta';
import type { PhysicalState } from '../types.ts';

/** Fields that own a column: authored fields except computed-on-read formulas, plus owner_id. */
export function storedFields(object: ObjectDef): FieldDef[] {
  const owner = object.systemFields.find((f) => f.name === 'owner_id');
  // Extension point for @attain/formula: a non-stored formula field has no column and is computed
  // on read; a stored one has a column that the formula package fills.
  const own = object.fields.filter((f) => !f.formula || f.formula.stored);
  return owner ? [owner, ...own] : own;
}

function intIn(n: number | undefined, min: number, max: number, fallback: number): number {
  return n !== undefined && Number.isInteger(n) && n >= min && n <= max ? n : fallback;
}

/** The column type of a field. Built only from the storage enum and validated integers. */
export function sqlTypeOf(field: FieldDef): string {
  switch (field.storage) {
    case 'text':
    case 'email':
    case 'phone':
    case 'url':
      return `varchar(${intIn(field.maxLength, 1, 10_485_760, 255)})`;
    case 'long_text':
    case 'enum':
      return 'text';
    case 'integer':
      return 'bigint';
    case 'decimal':
    case 'money':
    case 'percent': {
      const p = intIn(field.precision, 1, 1000, 24);
      const s = intIn(field.scale, 0, p, 6);
      return `numeric(${p},${s})`;
    }
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'date';
    case 'datetime':
      return 'timestamptz';
    case 'multi_enum':
      return 'text[]';
    case 'ref':
      return 'uuid';
  }
}

const TEXTISH = new Set<Storage>(['text', 'long_text', 'email', 'phone', 'url', 'enum']);
const DECIMALS = new Set<Storage>(['decimal', 'money', 'percent']);

export type TypeChange = { kind: 'same' } | { kind: 'widen' } | { kind: 'widen_if_fits'; digits: number } | { kind: 'unsafe'; reason: string };

/** Whether a column can change from one storage/type to another without losing data. */
export function typeChange(fromStorage: Storage, fromType: string, to: FieldDef): TypeChange {
  const toType = sqlTypeOf(to);
  const storageOk =
    fromStorage === to.storage ||
    (TEXTISH.has(fromStorage) && (to.storage === 'text' || to.storage === 'long_text')) ||
    (fromStorage === 'integer' && DECIMALS.has(to.storage)) ||
    (DECIMALS.has(fromStorage) && DECIMALS.has(to.storage));
  if (!storageOk) {
    return { kind: 'unsafe', reason: `changing storage from ${fromStorage} to ${to.storage} could lose data; add a new field and copy the values instead` };
  }
  if (fromType === toType) return { kind: 'same' };
  const fromVarchar = /^varchar\((\d+)\)$/.exec(fromType);
  const toVarchar = /^varchar\((\d+)\)$/.exec(toType);
  if (fromVarchar && toType === 'text') return { kind: 'widen' };
  if (fromVarchar && toVarchar) {
    return Number(toVarchar[1]) > Number(fromVarchar[1]) ? { kind: 'widen' } : { kind: 'unsafe', reason: `shortening from ${fromType} to ${toType} could cut existing values` };
  }
  const toNum = /^numeric\((\d+),(\d+)\)$/.exec(toType);
  if (fromType === 'bigint' && toNum) {
    const digits = Number(toNum[1]) - Number(toNum[2]);
    return digits >= 19 ? { kind: 'widen' } : { kind: 'widen_if_fits', digits };
  }
  const fromNum = /^numeric\((\d+),(\d+)\)$/.exec(fromType);
  if (fromNum && toNum) {
    const [fp, fs, tp, ts] = [Number(fromNum[1]), Number(fromNum[2]), Number(toNum[1]), Number(toNum[2])];
    if (ts >= fs && tp - ts >= fp - fs) return { kind: 'widen' };
    return { kind: 'unsafe', reason: `changing ${fromType} to ${toType} lowers precision or scale and could round or cut existing values` };
  }
  return { kind: 'unsafe', reason: `changing the column type from ${fromType} to ${toType} is a narrowing` };
}

/** The physical state a registry describes when every object and field is live. */
export function emptyPhysical(): PhysicalState {
  return { objects: {} };
}

export interface DesiredIndex {
  name: string;
  objectId: string;
  fieldIds: string[];
  unique: boolean;
}

export interface DesiredForeignKey {
  name: string;
  objectId: string;
  fieldId: string;
  targetId: string;
  onDelete: 'restrict' | 'set_null' | 'cascade';
}

import { hashedName } from '../sql.ts';

/** Indexes the registry wants, named by a hash of stable ids so renames never touch them. */
export function desiredIndexes(registry: Registry): Map<string, DesiredIndex> {
  const out = new Map<string, DesiredIndex>();
  const add = (objectId: string, declared: string[], unique: boolean) => {
    // Lists always break ties on id (keyset pagination), so a plain index ends with id: a list
    // sorted on its columns then reads exactly one page of rows instead of sorting a whole group
    // of equal values (1.9 ms → 0.2 ms for 50 of 1,000,000 opportunities by stage, -close_date).
    const fieldIds = unique ? declared : [...declared, `${objectId}#id`];
    const name = hashedName(unique ? 'ax_u' : 'ax_i', objectId, ...fieldIds);
    out.set(name, { name, objectId, fieldIds, unique });
  };
  for (const object of registry.objects) {
    const byName = new Map(allFields(object).map((f) => [f.name, f]));
    const stored = new Set(storedFields(object).map((f) => f.id));
    add(object.id, [`${object.id}#external_id`], true);
    for (const f of storedFields(object)) {
      if (f.unique) add(object.id, [f.id], true);
      else if (f.indexed) add(object.id, [f.id], false);
    }
    for (const idx of object.indexes) {
      const ids = idx.fields.map((n) => byName.get(n)?.id);
      if (ids.some((id) => id === undefined)) continue;
      const fieldIds = ids as string[];
      // An index over a computed-on-read formula field has no column to index.
      if (fieldIds.some((id) => !stored.has(id) && !id.includes('#'))) continue;
      add(object.id, fieldIds, idx.unique);
    }
  }
  return out;
}

export function desiredForeignKeys(registry: Registry): Map<string, DesiredForeignKey> {
  const out = new Map<string, DesiredForeignKey>();
  for (const object of registry.objects) {
    for (const f of object.fields) {
      if (!f.ref || (f.formula && !f.formula.stored)) continue;
      const target = registry.object(f.ref.object);
      if (!target) continue;
      const name = hashedName('afk', object.id, f.id, target.id, f.ref.onDelete);
      out.set(name, { name, objectId: object.id, fieldId: f.id, targetId: target.id, onDelete: f.ref.onDelete });
    }
  }
  return out;
}

/** Finds a field (authored or system) of an object by id. */
export function fieldById(object: ObjectDef, id: string): FieldDef | undefined {
  return allFields(object).find((f) => f.id === id);
}

/** The physical state that exactly matches a registry (every object and field live). */
export function physicalFromRegistry(registry: Registry): PhysicalState {
  const state: PhysicalState = { objects: {} };
  for (const object of registry.objects) {
    const fields: PhysicalState['objects'][string]['fields'] = {};
    for (const f of storedFields(object)) fields[f.id] = { column: f.column, storage: f.storage, sqlType: sqlTypeOf(f), hidden: false };
    state.objects[object.id] = { table: object.table, hidden: false, fields };
  }
  return state;
}
