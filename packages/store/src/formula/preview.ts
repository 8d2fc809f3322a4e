// Formula preview: a formula's value on the first N records the caller may read, computed in SQL
// over the same scoped, filtered source as `list` (or in the sandbox when a pool is given).
import { compileSql, type CheckedFormula, type FormulaError, type FormulaType, type RowScope } from '@attain/formula';
import type { ObjectDef, Registry } from '@attain/meta';
import type { Knex } from 'knex';
import { StoreError } from '../errors.ts';
import type { RecordAccess } from '../types.ts';
import { checkFormula, fieldsRead, SQL_ONLY } from './compiled.ts';
import { evaluateInSandbox, type BatchPool } from './sandbox.ts';

export interface PreviewRow {
  id: string;
  title: string | null;
  value: unknown;
  /** The error value (#DIV/0!, #N/A, …) when the formula fails on this record. */
  error: string | null;
}

export type PreviewResult = { ok: true; type: FormulaType; rows: PreviewRow[] } | { ok: false; errors: FormulaError[] };

export interface PreviewOptions {
  limit?: number;
  kind?: 'field' | 'rule';
  engine?: 'sql' | 'sandbox';
  pool?: BatchPool;
}

/**
 * The caller's record scope as the formula back ends take it: rows of related objects a formula
 * reads for a user (parent hops, aggregated children) are limited to what that user could list,
 * so no preview returns a value the list routes would not show (DESIGN.md §9.3). Undefined for
 * system callers: stored formulas computed at write time read every row.
 */
export function formulaRowScope(registry: Registry, access: RecordAccess): ((object: string) => RowScope | undefined) | undefined {
  const scopeOf = access.scopeOf;
  if (!scopeOf) return undefined;
  return (name) => {
    const o = registry.object(name);
    const scope = scopeOf(name);
    if (!o || scope === 'none') return { column: 'id', owners: [] };
    if (!scope) return undefined;
    return { column: o.owned ? 'owner_id' : 'created_by', owners: scope.ownerIn };
  };
}

/** JSON value of a formula result read as text: exact decimals stay strings. */
export function decodeValue(type: FormulaType, text: unknown): unknown {
  if (text === null || text === undefined) return null;
  const s = String(text);
  switch (type) {
    case 'boolean':
      return s === 'true';
    case 'integer':
      return Number(s);
    case 'datetime':
      return new Date(s).toISOString();
    default:
      return s;
  }
}

export function checkForPreview(
  registry: Registry,
  object: ObjectDef,
  formula: unknown,
  hidden: ReadonlySet<string> | undefined,
): { ok: true; checked: CheckedFormula } | { ok: false; errors: FormulaError[] } {
  if (typeof formula !== 'string' || formula.length > 10_000) {
    throw new StoreError('validation_failed', 'formula must be text of at most 10000 characters', [{ path: '/formula', rule: 'type', message: 'must be text' }]);
  }
  // Hints may only name what the caller can read; the service knows the hidden fields of this object.
  const r = checkFormula(registry, object.name, formula, hidden && ((o, f) => o !== object.name || !hidden.has(f)), SQL_ONLY.preview);
  if (!r.ok) return r;
  const seen = fieldsRead(r.checked).filter((x) => x.object === object.name && hidden?.has(x.field));
  if (seen.length > 0) {
    const name = (seen[0] as { field: string }).field;
    throw new StoreError('field_hidden', `You may not use the field "${name}"`, [{ path: '/formula', rule: 'field_hidden', message: `"${name}" is not readable for you` }]);
  }
  return r;
}

export async function previewRows(
  qb: Knex.QueryBuilder,
  ctx: { knex: Knex; schema: string; registry: Registry; tenant: string; object: ObjectDef; titleVisible: boolean; rowScope?: ((object: string) => RowScope | undefined) | undefined },
  checked: CheckedFormula,
  opts: PreviewOptions,
): Promise<PreviewRow[]> {
  const { knex, object } = ctx;
  const limit = opts.limit ?? 10;
  // The outer source is aliased like the table (the plain table, or the derived one with formula columns).
  const s = compileSql(checked, { alias: object.table, schema: ctx.schema, liveColumn: 'deleted_at', ...(ctx.rowScope ? { rowScope: ctx.rowScope } : {}) });
  const cols: Array<string | Knex.Raw> = [knex.raw('??::text as "id"', ['id'])];
  if (ctx.titleVisible) cols.push(knex.raw('(to_json(??) #>> \'{}\') as "title"', [object.titleField]));
  cols.push(knex.raw(`(to_json(${s.sql}) #>> '{}') as "value"`, s.bindings as Knex.RawBinding[]));
  if (s.errorSql) cols.push(knex.raw(`(${s.errorSql.sql}) as "error"`, s.errorSql.bindings as Knex.RawBinding[]));
  const rows = (await qb.select(cols).orderBy('id', 'asc').limit(limit)) as Array<Record<string, unknown>>;
  const out: PreviewRow[] = rows.map((r) => ({
    id: String(r.id),
    title: r.title === undefined || r.title === null ? null : String(r.title),
    value: r.error ? null : decodeValue(checked.type, r.value),
    error: r.error ? String(r.error) : null,
  }));
  if (opts.engine !== 'sandbox') return out;
  if (!opts.pool) throw new StoreError('validation_failed', 'The sandbox engine is not available here', [{ path: '/engine', rule: 'engine', message: 'no sandbox pool' }]);
  const values = await evaluateInSandbox(opts.pool, {
    knex,
    schema: ctx.schema,
    registry: ctx.registry,
    tenant: ctx.tenant,
    revision: ctx.registry.revision,
    checked,
    rows: out.map((r) => r.id),
    ...(ctx.rowScope ? { rowScope: ctx.rowScope } : {}),
  });
  return out.map((r, i) => {
    const v = values[i] as { value: unknown; error: string | null };
    return { ...r, value: v.error ? null : decodeValue(checked.type, v.value), error: v.error };
  });
}
