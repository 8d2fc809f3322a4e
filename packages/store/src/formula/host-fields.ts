// Computed formula fields that call a plugin function. SQL cannot run them (the read's derived
// table has a typed NULL in their place); after a page of records is read, each such field is
// evaluated for the whole page on the host (formula/external.ts): the plugin calls' arguments in
// one SQL query over the page, one batched call per plugin function, whatever encloses the calls
// in one sandbox batch, and the value shaped like its column.
import { compileSql, evaluateWithExternal, type CheckedFormula, type ExternalEvaluator, type RowScope, type RowValue } from '@attain/formula';
import { formatDecimal, parseDecimal, type ObjectDef, type Registry } from '@attain/meta';
import type { Knex } from 'knex';
import { StoreError } from '../errors.ts';
import { qualified } from '../sql.ts';
import type { Filter, ListQuery, Rec as StoredRecord, RecordAccess, RecordService } from '../types.ts';
import { formulasOf, type CompiledFormulaField } from './compiled.ts';
import { functionsOf, type FormulaFunctions } from './plugin-functions.ts';
import { decodeValue, formulaRowScope } from './preview.ts';
import { evaluateInSandbox } from './sandbox.ts';

type Rec = Record<string, unknown>;

export interface HostFieldContext {
  knex: Knex;
  schema: string;
  tenant: string;
  registry: Registry;
  functions: FormulaFunctions;
  access: RecordAccess;
}

/** A value as the field's column would hold it: decimals at the field's scale, integers whole. */
function shaped(f: CompiledFormulaField, value: unknown): unknown {
  const v = decodeValue(f.checked.type, value);
  if (v === null) return null;
  switch (f.field.storage) {
    case 'decimal':
    case 'money':
    case 'percent': {
      const d = parseDecimal(String(v));
      return d ? formatDecimal(d, Math.min(Math.max(f.field.scale ?? 6, 0), 30)) : null;
    }
    case 'integer': {
      const d = parseDecimal(String(v));
      return d ? Number(formatDecimal(d, 0)) : null;
    }
    default:
      return v;
  }
}

/**
 * Arguments of plugin calls that call no plugin themselves, read in one SQL query over the page
 * (the SQL and JS back ends agree on every value; only the plugin function cannot run in SQL).
 */
async function plainInSql(c: HostFieldContext, o: ObjectDef, ids: string[], formulas: CheckedFormula[], rowScope: ((object: string) => RowScope | undefined) | undefined): Promise<RowValue[][]> {
  const cols: string[] = [];
  const bindings: unknown[] = [];
  formulas.forEach((f, j) => {
    const s = compileSql(f, { alias: 't', schema: c.schema, liveColumn: 'deleted_at', ...(rowScope ? { rowScope } : {}) });
    cols.push(`(to_json(${s.sql}) #>> '{}') as "v${j}"`);
    bindings.push(...s.bindings);
    if (s.errorSql) {
      cols.push(`(${s.errorSql.sql}) as "e${j}"`);
      bindings.push(...s.errorSql.bindings);
    }
  });
  const sql = `select "t"."id"::text as "id", ${cols.join(', ')} from ${qualified(c.schema, o.table)} as "t" where "t"."id" in (${ids.map(() => '?').join(', ')})`;
  const res = (await c.knex.raw(sql, [...bindings, ...ids] as Knex.RawBinding[])) as { rows: Array<Record<string, unknown>> };
  const byId = new Map(res.rows.map((r) => [String(r.id), r]));
  return formulas.map((f, j) =>
    ids.map((id) => {
      const row = byId.get(id);
      const error = row?.[`e${j}`];
      if (error !== null && error !== undefined) return { value: null, error: String(error) };
      const v = row?.[`v${j}`];
      return { value: v === null || v === undefined ? null : f.type === 'boolean' ? v === 'true' : v, error: null };
    }),
  );
}

/** Fills the plugin formula fields the caller can see into `records` (read rows of `o`), in place. */
export async function fillHostFields<R extends Rec>(c: HostFieldContext, o: ObjectDef, records: R[]): Promise<R[]> {
  if (records.length === 0) return records;
  const fields = formulasOf(c.registry, o, c.schema).computed.filter((f) => f.host && f.field.name in (records[0] as Rec));
  if (fields.length === 0) return records;
  const provider = c.functions.provider;
  // No plugin runtime in this process (a bare store): the value is unknown, as an error reads.
  if (!provider) return records;
  const ids = records.map((r) => String(r.id));
  const rowScope = formulaRowScope(c.registry, c.access);
  for (const f of fields) {
    const ev: ExternalEvaluator = {
      batch: (formula, holes) =>
        evaluateInSandbox(provider.pool(), {
          knex: c.knex,
          schema: c.schema,
          registry: c.registry,
          tenant: c.tenant,
          revision: c.registry.revision,
          checked: formula,
          rows: ids,
          holes,
          ...(rowScope ? { rowScope } : {}),
        }),
      batchPlain: (formulas) => plainInSql(c, o, ids, formulas, rowScope),
      call: (name, rows) => provider.call(c.tenant, name, rows),
    };
    const values = await evaluateWithExternal(f.checked, ids.length, ev);
    records.forEach((r: Rec, i) => {
      const v = values[i];
      // An error value (#DIV/0!, …) reads as null, as it does for a formula computed in SQL.
      r[f.field.name] = v && v.error === null ? shaped(f, v.value) : null;
    });
  }
  return records;
}

/**
 * Whether reads of `object` compute a formula field with a plugin function. Their answers depend
 * on the plugin (its version, settings, enabled or not) as well as on the data, so response caches
 * keyed by data and metadata must not keep them.
 */
export function readsCallPlugins(registry: Registry, object: ObjectDef, schema: string): boolean {
  return functionsOf(registry) !== undefined && formulasOf(registry, object, schema).computed.some((f) => f.host);
}

/**
 * The records service with plugin formula fields filled in on what it returns (list, get,
 * getMany, create, update, restore). Writes are filled after their transaction: the plugin and
 * the sandbox read outside it. A tenant without plugin functions gets the service unchanged.
 */
export function withHostFields(service: RecordService, c: HostFieldContext): RecordService {
  if (!functionsOf(c.registry)) return service;
  const objectOf = (name: string) => c.registry.object(name);
  const fill = async <R extends StoredRecord>(name: string, records: R[]): Promise<R[]> => {
    const o = objectOf(name);
    return o ? fillHostFields(c, o, records) : records;
  };
  const one = async (name: string, r: StoredRecord): Promise<StoredRecord> => (await fill(name, [r]))[0] ?? r;
  const hostNames = (name: string): Set<string> => {
    const o = objectOf(name);
    return new Set(o ? formulasOf(c.registry, o, c.schema).computed.flatMap((f) => (f.host ? [f.field.name] : [])) : []);
  };
  return {
    ...service,
    list: async (name, q) => {
      refuseHostQuery(hostNames(name), q);
      const page = await service.list(name, q);
      return { ...page, data: await fill(name, page.data) };
    },
    get: async (name, id, opts) => {
      const r = await service.get(name, id, opts);
      return r && one(name, r);
    },
    getMany: async (name, ids) => fill(name, await service.getMany(name, ids)),
    count: async (name, filter, opts) => {
      refuseHostQuery(hostNames(name), { ...(filter ? { filter } : {}) });
      return service.count(name, filter, opts);
    },
    create: async (name, data, actor) => one(name, await service.create(name, data, actor)),
    update: async (name, id, patch, actor, opts) => one(name, await service.update(name, id, patch, actor, opts)),
    restore: async (name, id, actor) => one(name, await service.restore(name, id, actor)),
  };
}

/** Filters and sorts run in SQL, where a plugin field is only a placeholder: they may not name one. */
function refuseHostQuery(names: ReadonlySet<string>, q: ListQuery | undefined): void {
  if (names.size === 0 || !q || typeof q !== 'object') return;
  const refuse = (name: string, path: string): never => {
    throw new StoreError('invalid_filter', `"${name}" is computed by a plugin function after the records are read; it cannot be filtered or sorted on`, [
      { path, rule: 'plugin_field', message: `"${name}" is computed by a plugin function` },
    ]);
  };
  const walk = (f: unknown, path: string): void => {
    if (f === null || typeof f !== 'object') return;
    if (Array.isArray(f)) return f.forEach((x, i) => walk(x, `${path}/${i}`));
    for (const [k, v] of Object.entries(f as Filter)) {
      if (k === 'and' || k === 'or' || k === 'not') walk(v, `${path}/${k}`);
      else if (names.has(k)) refuse(k, `${path}/${k}`);
    }
  };
  walk(q.filter, '/filter');
  if (Array.isArray(q.sort)) q.sort.forEach((s, i) => (s && typeof s === 'object' && names.has(s.field) ? refuse(s.field, `/sort/${i}/field`) : undefined));
}
