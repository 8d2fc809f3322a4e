// The JS back end over real tenant rows: load the formula's input columns (and child rows of its
// collections) with SQL, run the compiled function in the sandbox pool in one batch.
import { check, compileJs, compileSql, formulaRuntimeSource, isHoleKey, type CheckedFormula, type CollectionInfo, type FormulaType, type RowScope, type TNode } from '@attain/formula';
import type { Registry } from '@attain/meta';
import type { Knex } from 'knex';
import { qualified, quoteIdent, sha256 } from '../sql.ts';
import { schemaOf } from './compiled.ts';

/** The part of @attain/sandbox's SandboxPool used here (the store does not depend on the sandbox). */
export interface BatchPool {
  runBatch(request: {
    tenant: string;
    revision: string | number;
    key: string;
    prelude: string;
    source: string;
    columns: Record<string, unknown[]>;
    rowCount: number;
    parallel?: boolean;
  }): Promise<unknown[]>;
}

export interface SandboxInput {
  knex: Knex | Knex.Transaction;
  /** PostgreSQL schema of the tenant. */
  schema: string;
  registry: Registry;
  tenant: string;
  revision: number;
  checked: CheckedFormula;
  /** Root record ids, in output order. */
  rows: string[];
  today?: string;
  /** The caller's record scope over related rows (see formulaRowScope); omitted: every row. */
  rowScope?: (object: string) => RowScope | undefined;
  /** Input columns computed on the host (plugin function results, keyed `$x<n>`), one value per row. */
  holes?: Record<string, unknown[]>;
}

export interface FormulaValue {
  value: unknown;
  error: string | null;
}

function collectionsOf(n: TNode, out: Map<string, CollectionInfo>): void {
  switch (n.kind) {
    case 'aggregate':
      out.set(n.collection.key, n.collection);
      if (n.value) collectionsOf(n.value, out);
      if (n.condition) collectionsOf(n.condition, out);
      break;
    case 'unary':
      collectionsOf(n.arg, out);
      break;
    case 'binary':
      collectionsOf(n.left, out);
      collectionsOf(n.right, out);
      break;
    case 'call':
      n.args.forEach((a) => collectionsOf(a, out));
      break;
    default:
      break;
  }
}

/** A JSON cell as the runtime reads it: booleans as booleans, everything else as text or null. */
function cell(type: FormulaType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  return type === 'boolean' ? v === 'true' || v === true : v;
}

/** Text of each path expression over rows of `object` aliased `alias`. */
function pathColumns(
  registry: Registry,
  object: string,
  paths: string[],
  alias: string,
  schema: string,
  rowScope?: (object: string) => RowScope | undefined,
): { sql: string[]; bindings: unknown[]; types: FormulaType[] } {
  const sql: string[] = [];
  const bindings: unknown[] = [];
  const types: FormulaType[] = [];
  paths.forEach((p, j) => {
    const c = check(p, { schema: schemaOf(registry), root: object });
    if (!c.ok) throw new Error(`formula input "${p}" does not resolve on ${object}`);
    const s = compileSql(c, { alias, schema, liveColumn: 'deleted_at', ...(rowScope ? { rowScope } : {}) });
    sql.push(`(to_json(${s.sql}) #>> '{}') as "c${j}"`);
    bindings.push(...s.bindings);
    types.push(c.type);
  });
  return { sql, bindings, types };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** ` and <row aliased alias is inside the scope>` with its one binding (a uuid array literal). */
function scopeSql(scope: RowScope | undefined, alias: string): { sql: string; bindings: unknown[] } {
  if (!scope) return { sql: '', bindings: [] };
  const owners = scope.owners.map((o) => o.toLowerCase()).filter((o) => UUID.test(o));
  if (owners.length === 0) return { sql: ' and false', bindings: [] };
  return { sql: ` and ${quoteIdent(alias)}.${quoteIdent(scope.column)} = ANY(?::uuid[])`, bindings: [`{${owners.join(',')}}`] };
}

/** The ids among `ids` of rows of `object` inside the caller's scope (all of them when unscoped). */
async function inScope(knex: Knex | Knex.Transaction, schema: string, registry: Registry, object: string, ids: string[], rowScope: SandboxInput['rowScope']): Promise<string[]> {
  const scope = rowScope?.(object);
  const o = registry.object(object);
  if (!scope || !o) return ids;
  const s = scopeSql(scope, 'p');
  const res = (await knex.raw(`select "p"."id"::text as "id" from ${qualified(schema, o.table)} as "p" where "p"."id" in (${ids.map(() => '?').join(', ')})${s.sql}`, [
    ...ids,
    ...s.bindings,
  ] as Knex.RawBinding[])) as { rows: Array<{ id: string }> };
  const found = new Set(res.rows.map((r) => r.id));
  return ids.filter((id) => found.has(id));
}

export async function evaluateInSandbox(pool: BatchPool, input: SandboxInput): Promise<FormulaValue[]> {
  const { knex, schema, registry, checked, rows } = input;
  const root = registry.object(checked.root);
  if (!root) throw new Error(`unknown object ${checked.root}`);
  const js = compileJs(checked, input.today ? { today: input.today } : {});
  const columns: Record<string, unknown[]> = {};
  if (rows.length === 0) return [];
  const marks = rows.map(() => '?').join(', ');
  const from = `${qualified(schema, root.table)} as "t"`;
  const infos = new Map<string, CollectionInfo>();
  collectionsOf(checked.ast, infos);
  const holes = input.holes ?? {};
  for (const k of js.inputs) if (isHoleKey(k)) columns[k] = holes[k] ?? rows.map(() => null);
  const scalars = js.inputs.filter((k) => !infos.has(k) && !isHoleKey(k));
  // Parent ids of collections reached through refs (`customer.orders`): the ref value per row.
  const parents = [...infos.values()].filter((c) => c.parentSteps.length > 0);
  const parentPaths = parents.map((c) => c.parentSteps.map((s) => s.field.name).join('.'));
  const all = [...scalars, ...parentPaths];
  const cols = pathColumns(registry, root.name, all, 't', schema, input.rowScope);
  const result = (await knex.raw(`select "t"."id"::text as "id"${cols.sql.map((s) => `, ${s}`).join('')} from ${from} where "t"."id" in (${marks})`, [
    ...cols.bindings,
    ...rows,
  ] as Knex.RawBinding[])) as { rows: Array<Record<string, unknown>> };
  const byId = new Map(result.rows.map((r) => [String(r.id), r]));
  scalars.forEach((k, j) => {
    columns[k] = rows.map((id) => cell(cols.types[j] as FormulaType, byId.get(id)?.[`c${j}`]));
  });
  for (const [key, info] of infos) {
    const pj = parents.indexOf(info);
    const parentOf = (id: string): string | null => (pj < 0 ? id : ((byId.get(id)?.[`c${scalars.length + pj}`] as string | null | undefined) ?? null));
    let parentIds = [...new Set(rows.map(parentOf).filter((x): x is string => typeof x === 'string'))];
    // A parent reached through a reference and outside the caller's scope has no children.
    if (pj >= 0 && parentIds.length > 0) parentIds = await inScope(knex, schema, registry, info.parentObject, parentIds, input.rowScope);
    const fields = js.collections[key] ?? [];
    const child = registry.object(info.childObject);
    const byParent = new Map<string, Array<Record<string, unknown>>>();
    if (child && parentIds.length > 0) {
      const cc = pathColumns(registry, child.name, fields, 'c', schema, input.rowScope);
      // Children outside the caller's record scope are not aggregated (as in the SQL back end).
      const scope = scopeSql(input.rowScope?.(child.name), 'c');
      const res = (await knex.raw(
        `select "c".${quoteIdent(info.foreignKey)}::text as "link"${cc.sql.map((s) => `, ${s}`).join('')} from ${qualified(schema, child.table)} as "c" where "c"."deleted_at" is null and "c".${quoteIdent(info.foreignKey)} in (${parentIds.map(() => '?').join(', ')})${scope.sql} order by "c"."id"`,
        [...cc.bindings, ...parentIds, ...scope.bindings] as Knex.RawBinding[],
      )) as { rows: Array<Record<string, unknown>> };
      for (const r of res.rows) {
        const list = byParent.get(String(r.link)) ?? [];
        list.push(Object.fromEntries(fields.map((f, j) => [f, cell(cc.types[j] as FormulaType, r[`c${j}`])])));
        byParent.set(String(r.link), list);
      }
    }
    columns[key] = rows.map((id) => {
      const p = parentOf(id);
      return p === null ? [] : (byParent.get(p) ?? []);
    });
  }
  return runCompiled(pool, input.tenant, input.revision, js.source, columns, rows.length);
}

async function runCompiled(pool: BatchPool, tenant: string, revision: number, source: string, columns: Record<string, unknown[]>, rowCount: number): Promise<FormulaValue[]> {
  const out = await pool.runBatch({
    tenant,
    revision,
    key: `formula:${sha256(source)}`,
    prelude: formulaRuntimeSource,
    source,
    columns,
    rowCount,
    // Row i depends only on row i (collections travel per row): big batches split across workers.
    parallel: true,
  });
  return out.map((v) => {
    if (v && typeof v === 'object' && 'error' in v) return { value: null, error: String((v as { error: unknown }).error) };
    return { value: v ?? null, error: null };
  });
}

/**
 * Runs a checked formula without collections in the sandbox over values the caller already holds:
 * one column per input path (and per hole), one batch. Plan formula measures use it.
 */
export async function evaluateColumns(
  pool: BatchPool,
  input: { tenant: string; revision: number; checked: CheckedFormula; columns: Record<string, unknown[]>; rowCount: number; today?: string },
): Promise<FormulaValue[]> {
  if (input.rowCount === 0) return [];
  const js = compileJs(input.checked, input.today ? { today: input.today } : {});
  const columns: Record<string, unknown[]> = {};
  for (const k of js.inputs) columns[k] = input.columns[k] ?? new Array<unknown>(input.rowCount).fill(null);
  return runCompiled(pool, input.tenant, input.revision, js.source, columns, input.rowCount);
}
