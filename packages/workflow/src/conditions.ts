// Formulas of flows and rules, type-checked against the tenant's registry and compiled to SQL
// once per registry; they are evaluated in PostgreSQL against a stored row or a JSON image of one.
import { check, compileSql, type CompiledSql } from '@attain/formula';
import { formulaSchemaFor, quoteIdent, type ObjectDef, type Registry } from '@attain/meta';
import type { Knex } from 'knex';
import { WorkflowError } from './errors.ts';

type Q = Knex | Knex.Transaction;

const schemas = new WeakMap<Registry, ReturnType<typeof formulaSchemaFor>>();
const compiled = new WeakMap<Registry, Map<string, { checked: ReturnType<typeof check> }>>();

function schemaOf(registry: Registry): ReturnType<typeof formulaSchemaFor> {
  let s = schemas.get(registry);
  if (!s) {
    s = formulaSchemaFor(registry);
    schemas.set(registry, s);
  }
  return s;
}

/** Checks a formula on an object; throws a WorkflowError naming `path` when it does not type-check. */
export function checkCondition(registry: Registry, object: string, source: string, path: string) {
  let cache = compiled.get(registry);
  if (!cache) {
    cache = new Map();
    compiled.set(registry, cache);
  }
  const key = `${object}\u0000${source}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = { checked: check(source, { schema: schemaOf(registry), root: object }) };
    cache.set(key, hit);
  }
  const r = hit.checked;
  if (!r.ok) {
    const e = r.errors[0];
    throw new WorkflowError(
      'invalid_formula',
      `The formula at ${path} is not valid: ${e?.message.en ?? 'error'}`,
      r.errors.map((x) => ({ path, rule: x.code, message: `${x.message.en} (line ${x.line}, column ${x.column})` })),
    );
  }
  return r;
}

/** The SQL of a formula over the row aliased `alias`. */
export function conditionSql(registry: Registry, object: string, source: string, schema: string, alias: string, path: string, today?: string): CompiledSql {
  return compileSql(checkCondition(registry, object, source, path), { alias, schema, liveColumn: 'deleted_at', ...(today ? { today } : {}) });
}

/** Values of formulas for one stored record (null when the record is gone). */
export async function evaluateOnRecord(
  q: Q,
  registry: Registry,
  schema: string,
  object: ObjectDef,
  id: string,
  formulas: Array<{ source: string; path: string }>,
  today?: string,
): Promise<unknown[] | null> {
  if (formulas.length === 0) return [];
  const parts = formulas.map((f) => conditionSql(registry, object.name, f.source, schema, 't', f.path, today));
  const select = parts.map((p, i) => `(${p.sql}) as v${i}`).join(', ');
  const sql = `select ${select} from ${quoteIdent(schema)}.${quoteIdent(object.table)} as t where t.id = ?`;
  const res = (await q.raw(sql, [...parts.flatMap((p) => p.bindings), id] as Knex.RawBinding[])) as { rows: Array<Record<string, unknown>> };
  const row = res.rows[0];
  return row ? formulas.map((_, i) => row[`v${i}`]) : null;
}

/** True when a condition holds (NULL and errors count as false). */
export const truthy = (v: unknown): boolean => v === true || v === 't';
