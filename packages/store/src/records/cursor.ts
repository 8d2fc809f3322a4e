import { allFields, type FieldDef, type ObjectDef } from '@attain/meta';
import type { Knex } from 'knex';
import { StoreError } from '../errors.ts';
import type { RecordAccess } from '../types.ts';
import { coerceScalar } from '../values.ts';
import { resolveField } from './fields.ts';

export interface SortKey {
  field: FieldDef;
  dir: 'asc' | 'desc';
}

const MAX_SORT = 5;

/** Resolves the requested sort and appends id as the tiebreaker, so every order is total. */
export function resolveSort(object: ObjectDef, sort: unknown, access: RecordAccess): SortKey[] {
  if (sort !== undefined && !Array.isArray(sort)) throw new StoreError('invalid_filter', 'sort must be a list', [{ path: '/sort', rule: 'type', message: 'must be a list' }]);
  const items = (sort ?? []) as unknown[];
  if (items.length > MAX_SORT) throw new StoreError('invalid_filter', `sort by at most ${MAX_SORT} fields`, [{ path: '/sort', rule: 'too_complex', message: `at most ${MAX_SORT} fields` }]);
  const keys: SortKey[] = [];
  items.forEach((item, i) => {
    const path = `/sort/${i}`;
    const s = item as { field?: unknown; dir?: unknown } | null;
    if (!s || typeof s !== 'object') throw new StoreError('invalid_filter', 'Invalid sort', [{ path, rule: 'type', message: 'must be {field, dir}' }]);
    const field = resolveField(object, s.field, access, `${path}/field`);
    const dir = s.dir ?? 'asc';
    if (dir !== 'asc' && dir !== 'desc') throw new StoreError('invalid_filter', 'Sort direction must be "asc" or "desc"', [{ path: `${path}/dir`, rule: 'enum', message: 'must be "asc" or "desc"' }]);
    if (field.storage === 'multi_enum')
      throw new StoreError('invalid_filter', `Cannot sort by the multi-value field "${field.name}"`, [{ path: `${path}/field`, rule: 'sortable', message: 'is not sortable' }]);
    if (keys.some((k) => k.field.name === field.name)) return;
    keys.push({ field, dir });
  });
  if (!keys.some((k) => k.field.name === 'id')) {
    keys.push({ field: allFields(object).find((f) => f.name === 'id') as FieldDef, dir: 'asc' });
  }
  return keys;
}

export function applyOrder(qb: Knex.QueryBuilder, keys: SortKey[], table?: string): void {
  // Nulls sort as the largest value in both directions, matching the keyset conditions below.
  // Qualified by the table: an unqualified name would sort by a same-named output column (dates
  // are selected as `date::text as date`), which no index serves.
  for (const k of keys) qb.orderBy(table ? `${table}.${k.field.column}` : k.field.column, k.dir, k.dir === 'asc' ? 'last' : 'first');
}

function signature(keys: SortKey[]): string {
  return keys.map((k) => `${k.field.name}:${k.dir}`).join(',');
}

/** Alias of the extra, full-precision select of a datetime sort key (API values are ms). */
export function cursorAlias(i: number): string {
  return `attain_k${i}`;
}

/**
 * Extra columns for the cursor: timestamps can carry microseconds (e.g. rows loaded with now()),
 * and a millisecond cursor would repeat or skip rows that tie within one millisecond.
 */
export function cursorSelects(knex: Knex, keys: SortKey[]): Knex.Raw[] {
  const out: Knex.Raw[] = [];
  keys.forEach((k, i) => {
    if (k.field.storage === 'datetime') {
      out.push(knex.raw(`to_char(?? at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as ??`, [k.field.column, cursorAlias(i)]));
    }
  });
  return out;
}

export function encodeCursor(keys: SortKey[], row: Record<string, unknown>): string {
  const v = keys.map((k, i) => (k.field.storage === 'datetime' ? row[cursorAlias(i)] : row[k.field.name]) ?? null);
  return Buffer.from(JSON.stringify({ s: signature(keys), v }), 'utf8').toString('base64url');
}

function badCursor(message: string): StoreError {
  return new StoreError('invalid_cursor', 'The page cursor is not valid for this query', [{ path: '/after', rule: 'cursor', message }]);
}

export function decodeCursor(keys: SortKey[], cursor: unknown): unknown[] {
  if (typeof cursor !== 'string' || cursor.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw badCursor('is not a cursor');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor('is not a cursor');
  }
  const c = parsed as { s?: unknown; v?: unknown } | null;
  if (!c || typeof c !== 'object' || c.s !== signature(keys) || !Array.isArray(c.v) || c.v.length !== keys.length) {
    throw badCursor('belongs to a different sort; start again from the first page');
  }
  return keys.map((k, i) => {
    const v = (c.v as unknown[])[i];
    if (v === null) {
      if (k.field.name === 'id') throw badCursor('has no id');
      return null;
    }
    if (k.field.storage === 'datetime') {
      // Keep full precision: the value came from cursorSelects.
      if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/.test(v) || Number.isNaN(Date.parse(v))) throw badCursor(`has a bad value for "${k.field.name}"`);
      return v;
    }
    const r = coerceScalar(k.field, v);
    if (!r.ok) throw badCursor(`has a bad value for "${k.field.name}"`);
    return r.value;
  });
}

/** Rows strictly after the cursor row in the sort order: (k1 > v1) or (k1 = v1 and k2 > v2) … */
export function applyKeyset(qb: Knex.QueryBuilder, keys: SortKey[], values: unknown[]): void {
  qb.where((outer) => {
    let any = false;
    keys.forEach((k, i) => {
      const v = values[i];
      if (k.dir === 'asc' && v === null) return; // nothing sorts after null ascending
      any = true;
      outer.orWhere((inner) => {
        for (let j = 0; j < i; j++) {
          const kj = keys[j] as SortKey;
          const vj = values[j];
          if (vj === null) inner.whereNull(kj.field.column);
          else inner.where(kj.field.column, '=', vj as Knex.Value);
        }
        const col = k.field.column;
        if (k.dir === 'asc') inner.where((x) => void x.where(col, '>', v as Knex.Value).orWhereNull(col));
        else if (v === null) inner.whereNotNull(col);
        else inner.where(col, '<', v as Knex.Value);
      });
    });
    if (!any) outer.whereRaw('false');
  });
}
