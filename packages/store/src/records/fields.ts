import { allFields, type FieldDef, type ObjectDef } from '@attain/meta';
import type { Knex } from 'knex';
import { StoreError } from '../errors.ts';
import type { RecordAccess } from '../types.ts';

/** Does this field have a column to read, filter and sort on? */
export function hasColumn(f: FieldDef): boolean {
  return !f.formula || f.formula.stored;
}

/**
 * Resolves a field named in a filter, sort or search. Hidden fields are refused with 403 so
 * they cannot be used as an oracle; unknown names are 400.
 */
export function resolveField(object: ObjectDef, name: unknown, access: RecordAccess, path: string): FieldDef {
  if (typeof name !== 'string' || name.length > 63) {
    throw new StoreError('unknown_field', 'Unknown field', [{ path, rule: 'unknown_field', message: 'is not a field name' }]);
  }
  const field = allFields(object).find((f) => f.name === name);
  if (!field) {
    throw new StoreError('unknown_field', `"${object.name}" has no field "${name}"`, [{ path, rule: 'unknown_field', message: `"${name}" is not a field of "${object.name}"` }]);
  }
  if (access.hiddenFields?.has(name)) {
    throw new StoreError('field_hidden', `You may not use the field "${name}"`, [{ path, rule: 'field_hidden', message: `"${name}" is not readable for you` }]);
  }
  // A computed formula field is a column of the read source (formula/read.ts), so it filters and sorts too.
  return field;
}

/** Fields returned to this caller, in a stable order. */
export function readableFields(object: ObjectDef, access: RecordAccess): FieldDef[] {
  const sys = object.systemFields;
  const order = ['id', 'external_id', 'owner_id'];
  const head = order.map((n) => sys.find((f) => f.name === n)).filter((f): f is FieldDef => Boolean(f));
  const tail = sys.filter((f) => !order.includes(f.name));
  return [...head, ...object.fields, ...tail].filter((f) => !access.hiddenFields?.has(f.name));
}

export function selectList(knex: Knex, fields: FieldDef[]): Array<string | Knex.Raw> {
  // Dates travel as text so no driver turns them into a timestamp at local midnight.
  return fields.map((f) => (f.storage === 'date' ? knex.raw('??::text as ??', [f.column, f.name]) : f.column));
}

/** A database row as the API shows it: exact decimals as strings, ISO datetimes, plain numbers. */
export function serialize(fields: FieldDef[], row: Record<string, unknown>): Record<string, unknown> {
  return serializer(fields)(row);
}

const AS_IS = 0;
const INTEGER = 1;
const DECIMAL = 2;
const DATETIME = 3;

function kindOf(f: FieldDef): number {
  switch (f.storage) {
    case 'integer':
      return INTEGER;
    case 'decimal':
    case 'money':
    case 'percent':
      return DECIMAL;
    case 'datetime':
      return DATETIME;
    default:
      return AS_IS;
  }
}

/** `serialize` for a fixed field list, resolved once: list pages convert many rows with it. */
export function serializer(fields: FieldDef[]): (row: Record<string, unknown>) => Record<string, unknown> {
  const names = fields.map((f) => f.name);
  const kinds = fields.map(kindOf);
  const n = names.length;
  // Rows written together share their timestamps (a bulk chunk's created_at/updated_at), and
  // toISOString is the dearest step here: the last instant converted is remembered.
  let lastMs = Number.NaN;
  let lastIso = '';
  const iso = (d: Date): string => {
    const ms = d.getTime();
    if (ms !== lastMs) {
      lastIso = d.toISOString();
      lastMs = ms;
    }
    return lastIso;
  };
  return (row) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const name = names[i] as string;
      const v = row[name];
      if (v === null || v === undefined) {
        out[name] = null;
        continue;
      }
      switch (kinds[i]) {
        case INTEGER:
          out[name] = Number(v);
          break;
        case DECIMAL:
          out[name] = String(v);
          break;
        case DATETIME:
          out[name] = iso(v instanceof Date ? v : new Date(String(v)));
          break;
        default:
          out[name] = v;
      }
    }
    return out;
  };
}
