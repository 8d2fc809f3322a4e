import type { FieldInfo, Storage } from './meta.ts';

export type Op = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'nin' | 'contains' | 'startsWith' | 'between' | 'isNull';

export interface Condition {
  field: string;
  op: Op;
  /** As typed; `between` uses "a..b", `in`/`nin` a comma list, `isNull` "true"/"false". */
  value: string;
}

export interface FilterState {
  combinator: 'and' | 'or';
  conditions: Condition[];
}

const TEXT_OPS: Op[] = ['contains', 'eq', 'ne', 'startsWith', 'in', 'isNull'];
const ORDERED_OPS: Op[] = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'between', 'isNull'];
const ENUM_OPS: Op[] = ['eq', 'ne', 'in', 'nin', 'isNull'];

export function opsFor(storage: Storage): Op[] {
  switch (storage) {
    case 'integer':
    case 'decimal':
    case 'money':
    case 'percent':
    case 'date':
    case 'datetime':
      return ORDERED_OPS;
    case 'enum':
      return ENUM_OPS;
    case 'multi_enum':
      return ['contains', 'isNull'];
    case 'boolean':
      return ['eq', 'isNull'];
    case 'ref':
      return ['eq', 'ne', 'in', 'isNull'];
    default:
      return TEXT_OPS;
  }
}

function scalar(field: FieldInfo, raw: string): string | number | boolean {
  const v = raw.trim();
  if (field.storage === 'integer') return Number.parseInt(v, 10);
  if (field.storage === 'boolean') return v === 'true';
  // Decimals travel as strings so no precision is lost; dates as ISO text.
  return v;
}

/** The API's filter JSON (`{and:[{field:{op:value}}]}`) from the builder's rows; undefined when empty. */
export function toApiFilter(state: FilterState, fields: readonly FieldInfo[]): Record<string, unknown> | undefined {
  const parts: Record<string, unknown>[] = [];
  for (const c of state.conditions) {
    const field = fields.find((f) => f.name === c.field);
    if (!field) continue;
    if (c.op !== 'isNull' && c.value.trim() === '') continue;
    let value: unknown;
    if (c.op === 'isNull') value = c.value !== 'false';
    else if (c.op === 'in' || c.op === 'nin')
      value = c.value
        .split(',')
        .map((s) => scalar(field, s))
        .filter((s) => s !== '');
    else if (c.op === 'between') {
      const [a = '', b = ''] = c.value.split('..');
      value = [scalar(field, a), scalar(field, b)];
    } else value = scalar(field, c.value);
    parts.push({ [c.field]: { [c.op]: value } });
  }
  if (!parts.length) return undefined;
  return { [state.combinator]: parts };
}

export interface SortKey {
  field: string;
  desc: boolean;
}

export function toApiSort(keys: readonly SortKey[]): string | undefined {
  return keys.length ? keys.map((k) => (k.desc ? `-${k.field}` : k.field)).join(',') : undefined;
}

/** Header click: asc -> desc -> off. With `add` (shift-click) keeps the other keys. */
export function cycleSort(keys: readonly SortKey[], field: string, add: boolean): SortKey[] {
  const current = keys.find((k) => k.field === field);
  const others = add ? keys.filter((k) => k.field !== field) : [];
  if (!current) return [...others, { field, desc: false }];
  if (!current.desc) return add ? keys.map((k) => (k.field === field ? { field, desc: true } : k)) : [{ field, desc: true }];
  return others;
}

export interface SavedView {
  name: string;
  filter: FilterState;
  sort: SortKey[];
  q: string;
}

function viewsKey(scope: string, object: string) {
  return `attain.views.${scope}.${object}`;
}

export function loadViews(scope: string, object: string): SavedView[] {
  try {
    const raw = JSON.parse(localStorage.getItem(viewsKey(scope, object)) ?? '[]') as unknown;
    return Array.isArray(raw) ? (raw as SavedView[]).filter((v) => v && typeof v.name === 'string') : [];
  } catch {
    return [];
  }
}

export function saveViews(scope: string, object: string, views: SavedView[]): void {
  localStorage.setItem(viewsKey(scope, object), JSON.stringify(views));
}
