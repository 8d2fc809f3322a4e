// Grouped measures over the rows a caller may list: the report engine's one SQL query. It starts
// from the list routes' own scoped source (record scope, live rows, computed formula columns) and
// filter compiler, and resolves every grouped or measured field like a filter field, so a hidden
// field is refused here exactly as there (DESIGN §9.3). Identifiers come from the registry; every
// value, the time zone and the fiscal shift included, is bound.
import { quoteIdent, type FieldDef, type ObjectDef, type Registry } from '@attain/meta';
import type { Knex } from 'knex';
import { localDateSql } from '../calendar.ts';
import { StoreError } from '../errors.ts';
import type { AggregateQuery, AggregateResult, AggregateRow, RecordAccess } from '../types.ts';
import { resolveField } from './fields.ts';
import { compileFilter } from './filter.ts';
import { compileSql, type FormulaType } from '@attain/formula';
import { checkFormula, fieldsRead, SQL_ONLY } from '../formula/compiled.ts';
import { describeFormulaError } from '../formula/describe.ts';
import { formulaRowScope } from '../formula/preview.ts';

const MAX_GROUPS = 3;
const MAX_MEASURES = 20;
/** More groups than this is a question no chart or table answers; the caller narrows it. */
export const MAX_AGGREGATE_ROWS = 10_000;
const NUMERIC = new Set(['integer', 'decimal', 'money', 'percent']);
const ORDERED = new Set([...NUMERIC, 'date', 'datetime', 'text', 'email', 'phone', 'url', 'enum']);
const GROUPABLE = new Set(['text', 'email', 'phone', 'url', 'enum', 'boolean', 'integer', 'decimal', 'money', 'percent', 'ref', 'date', 'datetime']);
const BUCKETS = new Set(['day', 'week', 'month', 'quarter', 'year']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FORMULA_NUMERIC = new Set<FormulaType>(['number', 'money', 'percent', 'integer']);
const FORMULA_GROUPABLE = new Set<FormulaType>(['number', 'money', 'percent', 'integer', 'text', 'boolean', 'date']);

/**
 * A formula of a report (a grouping such as `customer.region`, a measure such as `amount * margin`)
 * compiled by the formula SQL compiler over the same source, with the caller's record scope on
 * every related row it reads; a field hidden from the caller, here or on a related object, is
 * refused as in a filter. An error value (#DIV/0!) reads as empty.
 */
function formulaSql(
  deps: AggregateDeps,
  object: ObjectDef,
  source: unknown,
  path: string,
  today: string | undefined,
  joinPrefix: string,
): { sql: string; bindings: Knex.RawBinding[]; type: FormulaType; joins: Compiled[] } {
  if (typeof source !== 'string' || source.length === 0 || source.length > 2000) throw bad(path, 'type', 'a formula is text of 1 to 2000 characters');
  const r = checkFormula(deps.registry, object.name, source, undefined, SQL_ONLY.reports);
  if (!r.ok) {
    const first = r.errors[0];
    throw bad(path, 'formula', first ? describeFormulaError(first, deps.access.locale === 'zh-CN' ? 'zh-CN' : 'en') : 'the formula does not check');
  }
  for (const read of fieldsRead(r.checked)) {
    const hidden = read.object === object.name ? deps.access.hiddenFields : deps.access.hiddenOf?.(read.object);
    if (hidden?.has(read.field))
      throw new StoreError('field_hidden', `You may not use the field "${read.field}"`, [{ path, rule: 'field_hidden', message: `"${read.field}" is not readable for you` }]);
  }
  const rowScope = formulaRowScope(deps.registry, deps.access);
  if (today !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(today)) throw bad('/today', 'date', 'today must be YYYY-MM-DD');
  const c = compileSql(r.checked, { alias: object.table, schema: deps.schema, liveColumn: 'deleted_at', joinPrefix, ...(rowScope ? { rowScope } : {}), ...(today ? { today } : {}) });
  return { sql: c.sql, bindings: c.bindings as Knex.RawBinding[], type: r.checked.type, joins: c.joins.map((j) => ({ sql: j.sql, bindings: j.bindings as Knex.RawBinding[] })) };
}

export interface AggregateDeps {
  knex: Knex;
  schema: string;
  registry: Registry;
  access: RecordAccess;
  /** The list routes' source: live rows of the object inside the caller's record scope. */
  scoped: (q: Knex, o: ObjectDef) => Knex.QueryBuilder;
}

function bad(path: string, rule: string, message: string): StoreError {
  return new StoreError('invalid_report', message, [{ path, rule, message }]);
}

interface Compiled {
  sql: string;
  bindings: Knex.RawBinding[];
}

/** The SQL of one grouping: its key as text (and, for a reference, the referenced record's title). */
function groupSql(
  deps: AggregateDeps,
  object: ObjectDef,
  field: FieldDef,
  bucket: string | undefined,
  index: number,
  cal: AggregateQuery['calendar'],
  formula?: Compiled,
): { key: Compiled; label?: Compiled } {
  const path = `/groups/${index}`;
  const col = formula ? `(${formula.sql})` : `${quoteIdent(object.table)}.${quoteIdent(field.column)}`;
  if (!GROUPABLE.has(field.storage)) throw bad(`${path}/field`, 'not_groupable', `"${field.name}" (${field.storage}) cannot be grouped`);
  if (field.storage === 'date' || field.storage === 'datetime') {
    const b = bucket ?? 'day';
    if (!BUCKETS.has(b)) throw bad(`${path}/bucket`, 'enum', 'must be day, week, month, quarter or year');
    const sqlDay = localDateSql(col, field.storage, cal?.timeZone ?? 'UTC');
    // A formula's own bindings come first in the text: `col` is spelled inside the day expression.
    const day = formula ? { text: sqlDay.text, bindings: [...(formula.bindings as string[]), ...sqlDay.bindings] } : sqlDay;
    const shift = (cal?.firstMonth ?? 1) - 1;
    switch (b) {
      case 'day':
        return { key: { sql: `(${day.text})::text`, bindings: day.bindings } };
      case 'week':
        return { key: { sql: `date_trunc('week', ${day.text})::date::text`, bindings: day.bindings } };
      case 'month':
        // Through a plain timestamp: a date cast to timestamptz would depend on the session's zone (and costs more).
        return { key: { sql: `to_char((${day.text})::timestamp, 'YYYY-MM')`, bindings: day.bindings } };
      default: {
        // The first month of the fiscal quarter or year the day falls in: shift the day back by the
        // fiscal year's offset, truncate, shift forward again. The caller names it (fiscal.ts).
        const unit = b === 'quarter' ? 'quarter' : 'year';
        return {
          key: { sql: `to_char(date_trunc('${unit}', ${day.text} - make_interval(months => ?::int)) + make_interval(months => ?::int), 'YYYY-MM')`, bindings: [...day.bindings, shift, shift] },
        };
      }
    }
  }
  if (bucket !== undefined) throw bad(`${path}/bucket`, 'not_date', `"${field.name}" is not a date; only dates are bucketed`);
  const key = { sql: `(${col})::text`, bindings: [] };
  if (field.storage !== 'ref' || !field.ref) return { key };
  const target = deps.registry.object(field.ref.object);
  if (!target) return { key };
  // The referenced record's title, only from a record the caller may read (its scope on that
  // object) and only when its title field is not hidden from the caller there.
  const scope = deps.access.scopeOf?.(target.name);
  if (scope === 'none' || deps.access.hiddenOf?.(target.name)?.has(target.titleField)) return { key };
  const ownerCol = target.owned ? 'owner_id' : 'created_by';
  // Read once per group in the outer query (`"g<i>"` is the grouped key), not once per record.
  let where = `"attain_ref"."id" = "g${index}"::uuid and "attain_ref"."deleted_at" is null`;
  const bindings: Knex.RawBinding[] = [];
  if (scope) {
    where += ` and "attain_ref".${quoteIdent(ownerCol)} = any(?::uuid[])`;
    bindings.push(scope.ownerIn.filter((id) => UUID.test(id)));
  }
  const title = target.fields.find((f) => f.name === target.titleField) ?? target.systemFields.find((f) => f.name === target.titleField);
  const titleCol = title ? title.column : 'id';
  return { key, label: { sql: `(select ("attain_ref".${quoteIdent(titleCol)})::text from ${quoteIdent(deps.schema)}.${quoteIdent(target.table)} as "attain_ref" where ${where})`, bindings } };
}

function measureSql(field: FieldDef | undefined, op: string, path: string): void {
  if (op === 'count') return;
  if (!field) throw bad(`${path}/field`, 'required', `"${op}" needs a field`);
  if ((op === 'sum' || op === 'avg') && !NUMERIC.has(field.storage)) throw bad(`${path}/field`, 'not_numeric', `"${field.name}" is not a number; ${op} needs one`);
  if ((op === 'min' || op === 'max') && !ORDERED.has(field.storage)) throw bad(`${path}/field`, 'not_ordered', `"${field.name}" has no order; ${op} needs one`);
  if (op === 'count_distinct' && field.storage === 'multi_enum') throw bad(`${path}/field`, 'not_groupable', `"${field.name}" has several values per record`);
}

const AGG: Record<string, (v: string) => string> = {
  count: () => 'count(*)',
  sum: (v) => `sum(${v})`,
  avg: (v) => `avg(${v})`,
  min: (v) => `min(${v})::text`,
  max: (v) => `max(${v})::text`,
  count_distinct: (v) => `count(distinct ${v})`,
};

/**
 * Runs grouped measures for the caller. `sets` lists grouping sets (indexes into `groups`; default
 * one set of every group) so a pivot's totals come from the same query, not from adding rows up
 * (an average or a distinct count does not add). `keep` folds every key of one group outside a
 * list into one "other" row per set (top-N).
 */
export async function aggregate(deps: AggregateDeps, object: ObjectDef, q: AggregateQuery): Promise<AggregateResult> {
  const groups = q.groups ?? [];
  if (groups.length > MAX_GROUPS) throw bad('/groups', 'maxItems', `at most ${MAX_GROUPS} groupings`);
  if (!Array.isArray(q.measures) || q.measures.length === 0 || q.measures.length > MAX_MEASURES) throw bad('/measures', 'count', `one to ${MAX_MEASURES} measures`);
  const where = q.filter === undefined ? undefined : compileFilter(object, q.filter, deps.access);
  const { knex } = deps;
  const inner = deps.scoped(knex, object);
  if (where) inner.where((b) => where(b));
  const innerSelects: Knex.Raw[] = [];
  const outerKeys: string[] = [];
  const labels: Array<Compiled | undefined> = [];
  // The parent rows the formulas read (`customer.region`), joined once per query, not probed per row.
  const joins: Compiled[] = [];
  let formulas = 0;
  const formula = (source: unknown, path: string) => {
    const f = formulaSql(deps, object, source, path, q.today, `j${formulas++}_`);
    joins.push(...f.joins);
    return f;
  };
  groups.forEach((g, i) => {
    let key: Compiled;
    let label: Compiled | undefined;
    if ((g.field === undefined) === (g.formula === undefined)) throw bad(`/groups/${i}`, 'field_or_formula', 'a grouping has a field or a formula');
    if (g.formula !== undefined) {
      const f = formula(g.formula, `/groups/${i}/formula`);
      if (!FORMULA_GROUPABLE.has(f.type)) throw bad(`/groups/${i}/formula`, 'not_groupable', `a ${f.type} formula cannot be grouped`);
      if (g.bucket !== undefined && f.type !== 'date') throw bad(`/groups/${i}/bucket`, 'not_date', 'only a date formula is bucketed');
      key =
        f.type === 'date'
          ? groupSql(deps, object, { name: 'formula', column: '', storage: 'date' } as FieldDef, g.bucket, i, q.calendar, f).key
          : { sql: `(to_json(${f.sql}) #>> '{}')`, bindings: f.bindings };
    } else {
      const field = resolveField(object, g.field, deps.access, `/groups/${i}/field`);
      ({ key, label } = groupSql(deps, object, field, g.bucket, i, q.calendar));
    }
    if (q.keep && q.keep.group === i) {
      // Keys outside the kept list become null, with a flag telling "other" from a real empty key.
      const keys = q.keep.keys.map((k) => (k === null ? '' : String(k)));
      innerSelects.push(knex.raw(`case when ${key.sql} = any(?::text[]) or ${key.sql} is null then ${key.sql} end as "g${i}"`, [...key.bindings, keys, ...key.bindings, ...key.bindings]));
      innerSelects.push(knex.raw(`coalesce(not (${key.sql} = any(?::text[])), false) and ${key.sql} is not null as "o${i}"`, [...key.bindings, keys, ...key.bindings]));
    } else innerSelects.push(knex.raw(`${key.sql} as "g${i}"`, key.bindings));
    outerKeys.push(`"g${i}"`);
    labels.push(label);
  });
  // Each measure's aggregate expression by position; a ratio is filled in from two others below.
  const outer: Array<string | undefined> = [];
  q.measures.forEach((m, i) => {
    const path = `/measures/${i}`;
    if (m.op === 'ratio') return;
    if (!(m.op in AGG)) throw bad(`${path}/op`, 'enum', 'must be count, sum, avg, min, max, count_distinct or ratio');
    if (m.formula !== undefined) {
      if (m.field !== undefined || m.op === 'count') throw bad(`${path}/formula`, 'not_allowed', 'a measure has a field or a formula; count counts records');
      const f = formula(m.formula, `${path}/formula`);
      if ((m.op === 'sum' || m.op === 'avg') && !FORMULA_NUMERIC.has(f.type)) throw bad(`${path}/formula`, 'not_numeric', `a ${f.type} formula cannot be ${m.op === 'sum' ? 'summed' : 'averaged'}`);
      innerSelects.push(knex.raw(`${f.sql} as "v${i}"`, f.bindings));
    } else {
      const field = m.field === undefined ? undefined : resolveField(object, m.field, deps.access, `${path}/field`);
      measureSql(field, m.op, path);
      if (field) innerSelects.push(knex.raw(`${quoteIdent(object.table)}.${quoteIdent(field.column)} as "v${i}"`));
    }
    outer[i] = (AGG[m.op] as (v: string) => string)(`"v${i}"`);
  });
  // A ratio divides two other measures of the same row, in exact numeric arithmetic.
  q.measures.forEach((m, i) => {
    if (m.op !== 'ratio') return;
    const [a, b] = m.of ?? [];
    const ok = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0 && (x as number) < q.measures.length && q.measures[x as number]?.op !== 'ratio';
    if (!ok(a) || !ok(b)) throw bad(`/measures/${i}/of`, 'reference', 'a ratio divides two other (non-ratio) measures');
    outer[i] = `((${outer[a]})::numeric / nullif((${outer[b]})::numeric, 0))`;
  });
  const sets = q.sets ?? [groups.map((_, i) => i)];
  const kept = q.keep?.group;
  const setSql = sets.map((s) => `(${s.flatMap((i) => (i === kept ? [`"g${i}"`, `"o${i}"`] : [`"g${i}"`])).join(', ')})`).join(', ');
  // A reference's title, read per group; null where the key is rolled up.
  const labelBindings: Knex.RawBinding[] = [];
  const labelCols = groups.map((_, i) => {
    const label = labels[i];
    if (!label) return `null as "l${i}"`;
    labelBindings.push(...label.bindings);
    return `case when grouping("g${i}") = 0 then ${label.sql} end as "l${i}"`;
  });
  const flags = groups.map((_, i) => (i === kept ? `coalesce(bool_or("o${i}"), false) and grouping("o${i}") = 0 as "o${i}"` : `false as "o${i}"`));
  const bits = groups.length ? [`grouping(${outerKeys.join(', ')}) as "set_bits"`] : ['0 as "set_bits"'];
  const cols = [...outerKeys, ...labelCols, ...flags, ...bits, ...outer.map((e, i) => `${e as string} as "m${i}"`)];
  // With joins, the scoped rows become a subquery under the object's own name (PostgreSQL pulls it
  // up into one plan), so its unqualified filter columns never meet a joined table's.
  const from: Knex.QueryBuilder = joins.length ? knex.queryBuilder().from(inner.as(object.table)) : inner;
  for (const j of joins) from.joinRaw(j.sql, j.bindings as Knex.Value[]);
  const innerQb = from.select(innerSelects.length ? innerSelects : [knex.raw('1 as "one"')]);
  const query = knex.select(knex.raw(cols.join(', '), labelBindings)).from(innerQb.as('src'));
  if (groups.length) query.groupByRaw(`grouping sets (${setSql})`);
  query.limit(MAX_AGGREGATE_ROWS + 1);
  const raw = (await query) as Array<Record<string, unknown>>;
  if (raw.length > MAX_AGGREGATE_ROWS) throw bad('/groups', 'too_many_groups', `more than ${MAX_AGGREGATE_ROWS} groups; filter or bucket more coarsely`);
  const rows: AggregateRow[] = raw.map((r) => {
    const bitsValue = Number(r.set_bits ?? 0);
    // grouping() sets bit (n-1-i) when group i is rolled up in this row.
    const present = groups.map((_, i) => ((bitsValue >> (groups.length - 1 - i)) & 1) === 0);
    return {
      present,
      keys: groups.map((_, i) => (present[i] ? ((r[`g${i}`] as string | null) ?? null) : null)),
      labels: groups.map((_, i) => (r[`l${i}`] as string | null) ?? null),
      other: groups.map((_, i) => r[`o${i}`] === true),
      values: q.measures.map((_, i) => {
        const v = r[`m${i}`];
        return v === null || v === undefined ? null : String(v);
      }),
    };
  });
  return { rows };
}

/**
 * Grouped measures over rows a module supplies (an analytics dataset such as the incentives'
 * payouts): `object` describes their columns, `source` selects them, already limited by the module
 * to what the caller may see. The same grouping, bucketing, filter and measure code as a record
 * object's report; `deps.access` gives reference titles the caller's own scope.
 */
export function aggregateSource(deps: Omit<AggregateDeps, 'scoped'>, object: ObjectDef, source: Knex.QueryBuilder, q: AggregateQuery): Promise<AggregateResult> {
  return aggregate({ ...deps, scoped: (k) => k.queryBuilder().from(source.clone().as(object.table)) }, object, q);
}
