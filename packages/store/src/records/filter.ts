import type { FieldDef, ObjectDef } from '@attain/meta';
import type { Knex } from 'knex';
import { StoreError } from '../errors.ts';
import type { RecordAccess } from '../types.ts';
import { coerceScalar } from '../values.ts';
import { resolveField } from './fields.ts';

type Cond = (b: Knex.QueryBuilder) => void;

const MAX_DEPTH = 8;
const MAX_NODES = 200;
const MAX_LIST = 1000;
const TEXTISH = new Set(['text', 'long_text', 'email', 'phone', 'url', 'enum']);
const OPS = new Set(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'contains', 'startsWith', 'between', 'isNull']);

function invalid(path: string, message: string, rule = 'invalid_filter'): StoreError {
  return new StoreError('invalid_filter', `Invalid filter at ${path}: ${message}`, [{ path, rule, message }]);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/** LIKE pattern with the user's text matched literally. */
export function likePattern(text: string, prefixOnly: boolean): string {
  const escaped = text.replace(/[\\%_]/g, (c) => `\\${c}`);
  return prefixOnly ? `${escaped}%` : `%${escaped}%`;
}

/**
 * Compiles a filter tree into knex conditions. Every field is resolved through the registry and
 * the caller's access; every value is type-checked against its field and bound.
 */
export function compileFilter(object: ObjectDef, filter: unknown, access: RecordAccess): Cond {
  let nodes = 0;
  const node = (n: unknown, path: string, depth: number): Cond => {
    nodes += 1;
    if (nodes > MAX_NODES) throw invalid(path, `has more than ${MAX_NODES} conditions`, 'too_complex');
    if (depth > MAX_DEPTH) throw invalid(path, `is nested deeper than ${MAX_DEPTH} levels`, 'too_complex');
    if (!isPlainObject(n)) throw invalid(path, 'must be an object');
    const parts: Cond[] = [];
    for (const [key, value] of Object.entries(n)) {
      const p = `${path}/${key}`;
      if (key === 'and' || key === 'or') {
        if (!Array.isArray(value)) throw invalid(p, 'must be a list of filters');
        const subs = value.map((v, i) => node(v, `${p}/${i}`, depth + 1));
        if (key === 'and') parts.push((b) => void b.where((w) => void subs.forEach((s) => w.where((x) => s(x)))));
        else if (subs.length === 0) parts.push((b) => void b.whereRaw('false'));
        else parts.push((b) => void b.where((w) => void subs.forEach((s) => w.orWhere((x) => s(x)))));
      } else if (key === 'not') {
        const sub = node(value, p, depth + 1);
        parts.push((b) => void b.whereNot((x) => sub(x)));
      } else {
        const field = resolveField(object, key, access, p);
        parts.push(fieldConds(field, value, p));
      }
    }
    if (parts.length === 0) return (b) => void b.whereRaw('true');
    return (b) => parts.forEach((c) => c(b));
  };
  return node(filter, '/filter', 0);
}

function fieldConds(field: FieldDef, ops: unknown, path: string): Cond {
  if (!isPlainObject(ops)) throw invalid(path, 'must be an object of operators such as {"eq": …}');
  const col = field.column;
  const multi = field.storage === 'multi_enum';
  const val = (v: unknown, p: string): unknown => {
    const c = coerceScalar(multi ? { ...field, storage: 'text' } : field, v);
    if (!c.ok) throw invalid(p, `"${field.name}" ${c.message}`, c.rule ?? 'type');
    return c.value;
  };
  const list = (v: unknown, p: string): unknown[] => {
    if (!Array.isArray(v)) throw invalid(p, 'must be a list');
    if (v.length > MAX_LIST) throw invalid(p, `must have at most ${MAX_LIST} values`);
    return v.map((x, i) => val(x, `${p}/${i}`));
  };
  const conds: Cond[] = [];
  for (const [op, raw] of Object.entries(ops)) {
    const p = `${path}/${op}`;
    if (!OPS.has(op)) throw invalid(p, `unknown operator "${op}"`, 'operator');
    if (multi && !['contains', 'in', 'isNull'].includes(op)) throw invalid(p, `"${op}" does not apply to a multi-value field; use contains, in or isNull`, 'operator');
    if (field.storage === 'boolean' && !['eq', 'ne', 'isNull', 'in'].includes(op)) throw invalid(p, `"${op}" does not apply to a true/false field`, 'operator');
    switch (op) {
      case 'eq':
        if (raw === null) conds.push((b) => void b.whereNull(col));
        else {
          const v = val(raw, p);
          conds.push((b) => void b.where(col, '=', v as Knex.Value));
        }
        break;
      case 'ne':
        if (raw === null) conds.push((b) => void b.whereNotNull(col));
        else {
          const v = val(raw, p);
          conds.push((b) => void b.whereRaw('?? is distinct from ?', [col, v as Knex.Value]));
        }
        break;
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte': {
        const v = val(raw, p);
        const sqlOp = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[op];
        conds.push((b) => void b.where(col, sqlOp, v as Knex.Value));
        break;
      }
      case 'in': {
        const vs = list(raw, p);
        if (vs.length === 0) conds.push((b) => void b.whereRaw('false'));
        else if (multi) conds.push((b) => void b.whereRaw('?? && ?::text[]', [col, vs as Knex.Value]));
        else conds.push((b) => void b.whereIn(col, vs as Knex.Value[]));
        break;
      }
      case 'nin': {
        const vs = list(raw, p);
        if (vs.length > 0) conds.push((b) => void b.where((w) => void w.whereNull(col).orWhereNotIn(col, vs as Knex.Value[])));
        break;
      }
      case 'contains':
      case 'startsWith': {
        if (typeof raw !== 'string' || raw.length > 1000) throw invalid(p, 'must be a text value (at most 1000 characters)', 'type');
        if (multi && op === 'contains') {
          conds.push((b) => void b.whereRaw('? = any(??)', [raw, col]));
          break;
        }
        if (!TEXTISH.has(field.storage) || field.name === 'id') throw invalid(p, `"${op}" only applies to text fields`, 'operator');
        const pattern = likePattern(raw, op === 'startsWith');
        conds.push((b) => void b.whereRaw('?? ilike ?', [col, pattern]));
        break;
      }
      case 'between': {
        if (!Array.isArray(raw) || raw.length !== 2) throw invalid(p, 'must be a list of two values [from, to]');
        const a = val(raw[0], `${p}/0`);
        const z = val(raw[1], `${p}/1`);
        conds.push((b) => void b.whereBetween(col, [a as Knex.Value, z as Knex.Value]));
        break;
      }
      case 'isNull':
        if (typeof raw !== 'boolean') throw invalid(p, 'must be true or false', 'type');
        conds.push((b) => void (raw ? b.whereNull(col) : b.whereNotNull(col)));
        break;
    }
  }
  return (b) => conds.forEach((c) => c(b));
}
