import { badRequest } from '../http/errors.ts';
import { parseClientJson } from '../http/json.ts';
import type { Filter, ListQuery } from '../store-port.ts';

const SORT_TERM = /^(-?)([a-z][a-z0-9_]{0,62})$/;
// The store pages at most 500 rows at a time.
export const MAX_LIMIT = 500;

export interface RawListQuery {
  filter?: unknown;
  sort?: unknown;
  limit?: unknown;
  after?: unknown;
  offset?: unknown;
  count?: unknown;
  q?: unknown;
}

function str(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest('invalid_query', `"${name}" must be given once`, [{ path: `/${name}`, rule: 'type', message: 'must be a single value' }]);
  return value;
}

function int(value: unknown, name: string, min: number, max: number): number | undefined {
  const text = str(value, name);
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw badRequest('invalid_query', `"${name}" must be a whole number from ${min} to ${max}`, [{ path: `/${name}`, rule: 'range', message: `must be ${min}..${max}` }]);
  }
  return Number(text);
}

/** `-amount,name` → [{field:'amount',dir:'desc'},{field:'name',dir:'asc'}]; anything else is refused. */
export function parseSort(value: unknown): ListQuery['sort'] {
  if (value === undefined) return undefined;
  const terms = Array.isArray(value) ? value : [value];
  const sort: NonNullable<ListQuery['sort']> = [];
  for (const term of terms.flatMap((t) => (typeof t === 'string' ? t.split(',') : [t]))) {
    const match = typeof term === 'string' ? SORT_TERM.exec(term.trim()) : null;
    if (!match) {
      throw badRequest('invalid_sort', 'sort must list field names, each optionally prefixed with "-"', [
        { path: '/sort', rule: 'pattern', message: `"${String(term).slice(0, 64)}" is not a field name` },
      ]);
    }
    sort.push({ field: match[2] as string, dir: match[1] ? 'desc' : 'asc' });
  }
  if (sort.length > 8) throw badRequest('invalid_sort', 'sort by at most 8 fields');
  return sort;
}

export function parseFilter(value: unknown): Filter | undefined {
  if (value === undefined || value === null) return undefined;
  const parsed = typeof value === 'string' ? parseClientJson(value, 'the filter', 'invalid_filter') : value;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw badRequest('invalid_filter', 'the filter must be a JSON object', [{ path: '/filter', rule: 'type', message: 'must be an object' }]);
  }
  return parsed as Filter;
}

/** Turns REST query parameters into the store's list query. */
export function parseListQuery(raw: RawListQuery): ListQuery {
  const q: ListQuery = {};
  const filter = parseFilter(str(raw.filter, 'filter'));
  if (filter) q.filter = filter;
  const sort = parseSort(raw.sort);
  if (sort) q.sort = sort;
  q.limit = int(raw.limit, 'limit', 1, MAX_LIMIT) ?? 50;
  const after = str(raw.after, 'after');
  if (after !== undefined) q.after = after;
  const offset = int(raw.offset, 'offset', 0, 1_000_000);
  if (offset !== undefined) q.offset = offset;
  const count = str(raw.count, 'count');
  if (count !== undefined) {
    if (count !== 'true' && count !== 'false') throw badRequest('invalid_query', '"count" must be true or false');
    q.withTotal = count === 'true';
  }
  const search = str(raw.q, 'q');
  if (search !== undefined) {
    if (search.length > 200) throw badRequest('invalid_query', '"q" must be at most 200 characters');
    if (search.trim()) q.search = search;
  }
  return q;
}
