// Measures and points read straight from an object's records (a checked-in visit, a call), set-based
// in SQL: one GROUP BY payee over the object's table per sourced measure or component and date
// range. Every identifier comes from the tenant's metadata registry (quoted by quoteIdent); the
// condition and value are formulas compiled by @attain/formula with bound literals.
import { check, compileSql } from '@attain/formula';
import { findField, formulaSchemaFor, quoteIdent, type Registry } from '@attain/meta';
import type { DateRange } from '../periods.ts';
import type { ComponentDef, MeasureDef, PlanVersionDef, RecordSource } from '../types.ts';
import type { Sql } from './sql.ts';
import { localDateSql } from '../../calendar/calendar.ts';

export interface SourceIssue {
  path: string;
  rule: string;
  message: string;
}

export interface CompiledSource {
  table: string;
  payeeColumn: string;
  dateColumn: string;
  /** `date` or `datetime`: a datetime's day is the tenant's (calendar/). */
  dateStorage: string;
  filter: Sql | null;
  value: Sql | null;
}

/** Measures and components of a version that read records, with their document paths. */
export function sourcedItems(version: PlanVersionDef): Array<{ path: string; measure?: MeasureDef; component?: ComponentDef; source: RecordSource }> {
  return [
    ...version.measures.flatMap((m, i) => (m.source ? [{ path: `/measures/${i}/source`, measure: m, source: m.source }] : [])),
    ...version.components.flatMap((c, i) => (c.source ? [{ path: `/components/${i}/source`, component: c, source: c.source }] : [])),
  ];
}

/** Resolves a record source against the registry; problems name the source's field. */
export function compileSource(registry: Registry, source: RecordSource, schemaName: string, at: string): { compiled?: CompiledSource; issues: SourceIssue[] } {
  const issues: SourceIssue[] = [];
  const object = registry.object(source.object);
  if (!object) return { issues: [{ path: `${at}/object`, rule: 'unknown_reference', message: `there is no object "${source.object}"` }] };
  const date = findField(object, source.dateField);
  if (!date || (date.storage !== 'date' && date.storage !== 'datetime'))
    issues.push({ path: `${at}/dateField`, rule: 'date_field', message: `"${source.dateField}" is not a date field of "${object.name}"` });
  const payee = findField(object, source.payeeField ?? 'owner_id');
  if (!payee || payee.ref?.object !== 'user')
    issues.push({ path: `${at}/payeeField`, rule: 'payee_field', message: `"${source.payeeField ?? 'owner_id'}" is not a reference to user on "${object.name}"` });
  const schema = formulaSchemaFor(registry);
  const compile = (text: string | undefined, path: string, want: 'boolean' | 'numeric'): Sql | null => {
    if (text === undefined) return null;
    const checked = check(text, { schema, root: object.name });
    if (!checked.ok) {
      for (const e of checked.errors) issues.push({ path, rule: 'formula', message: `line ${e.line}, column ${e.column}: ${e.message.en}` });
      return null;
    }
    const numeric = ['number', 'money', 'percent', 'integer'].includes(checked.type);
    if (want === 'numeric' ? !numeric : checked.type !== 'boolean') {
      issues.push({ path, rule: 'type', message: `must be ${want === 'numeric' ? 'a number' : 'a condition (TRUE/FALSE)'}, not ${checked.type}` });
      return null;
    }
    const out = compileSql(checked, { alias: 't', liveColumn: 'deleted_at', schema: schemaName });
    return { text: out.sql, bindings: out.bindings };
  };
  const filter = compile(source.filter, `${at}/filter`, 'boolean');
  const value = compile(source.value, `${at}/value`, 'numeric');
  if (issues.length || !date || !payee) return { issues };
  return { compiled: { table: object.table, payeeColumn: payee.column, dateColumn: date.column, dateStorage: date.storage, filter, value }, issues };
}

/**
 * Per payee over the records dated in the range: `v` — the count or sum of a measure, or the
 * points/SPIF total (per record: perCredit + value × rate + floor(value ÷ every) × per-amount value,
 * the arithmetic of a per-credit component at 100%) — `n` records and up to 100 record ids.
 */
/** What one record adds (before summing): a count's 1, a sum's value, a component's per-record pay. */
function perRecordValue(src: CompiledSource, item: { measure?: MeasureDef; component?: ComponentDef }): Sql {
  const amount = src.value ? `coalesce((${src.value.text})::numeric, 0)` : '0::numeric';
  const amountB = src.value?.bindings ?? [];
  if (item.measure) return item.measure.type === 'count' ? { text: '1::numeric', bindings: [] } : { text: amount, bindings: [...amountB] };
  const c = item.component as ComponentDef;
  const parts: string[] = [];
  const b: unknown[] = [];
  if (c.perCredit) {
    parts.push('?::numeric');
    b.push(c.perCredit);
  }
  if (c.rate) {
    parts.push(`round(${amount} * ?::numeric, 10)`);
    b.push(...amountB, c.rate);
  }
  if (c.perAmount) {
    parts.push(`floor(round(${amount} / ?::numeric, 10)) * ?::numeric`);
    b.push(...amountB, c.perAmount.every, c.perAmount.value);
  }
  return { text: parts.length ? parts.join(' + ') : '0::numeric', bindings: b };
}

/** The records a source counts in a date range (optionally of some payees), as one where clause over alias t. */
function sourceWhere(src: CompiledSource, range: DateRange, payees: readonly string[] | null, timeZone: string): Sql {
  const payee = `t.${quoteIdent(src.payeeColumn)}`;
  const date = `t.${quoteIdent(src.dateColumn)}`;
  // A visit checked in at 07:30 in Shanghai on the 1st counts on the 1st: its day is the tenant's.
  const day = localDateSql(date, src.dateStorage, timeZone);
  const where = [`t.deleted_at is null`, `${payee} is not null`, `${date} is not null`, `${day.text} between ?::date and ?::date`];
  const wb: unknown[] = [...day.bindings, range.from, range.to];
  if (src.filter) {
    where.push(`coalesce((${src.filter.text}), false)`);
    wb.push(...src.filter.bindings);
  }
  if (payees) {
    where.push(`${payee}::text = any(?::text[])`);
    wb.push(payees);
  }
  return { text: where.join(' and '), bindings: wb };
}

export function sourceAggregateSql(
  schemaName: string,
  src: CompiledSource,
  item: { measure?: MeasureDef; component?: ComponentDef },
  range: DateRange,
  payees: readonly string[] | null,
  timeZone = 'UTC',
): Sql {
  const value = perRecordValue(src, item);
  const agg = item.measure?.type === 'count' ? 'count(*)::numeric' : `coalesce(sum(${value.text}), 0)`;
  const where = sourceWhere(src, range, payees, timeZone);
  const payee = `t.${quoteIdent(src.payeeColumn)}`;
  return {
    text: `select ${payee}::text as payee_id, (${agg})::text as v, count(*) as n, (array_agg(t."id"::text order by t."id"))[1:100] as ids
      from ${quoteIdent(schemaName)}.${quoteIdent(src.table)} t where ${where.text} group by 1`,
    bindings: [...(item.measure?.type === 'count' ? [] : value.bindings), ...where.bindings],
  };
}

/** The records behind one payee's sourced measure or component, each with what it adds (a line's drill-down). */
export function sourceRowsSql(
  schemaName: string,
  src: CompiledSource,
  item: { measure?: MeasureDef; component?: ComponentDef },
  range: DateRange,
  payeeId: string,
  limit: number,
  timeZone = 'UTC',
): Sql {
  const value = perRecordValue(src, item);
  const where = sourceWhere(src, range, [payeeId], timeZone);
  // The record's day as it was counted: in the tenant's time zone.
  const day = localDateSql(`t.${quoteIdent(src.dateColumn)}`, src.dateStorage, timeZone);
  return {
    text: `select t."id"::text as id, (${value.text})::text as value, ${day.text}::text as date
      from ${quoteIdent(schemaName)}.${quoteIdent(src.table)} t where ${where.text} order by 3, 1 limit ?`,
    bindings: [...value.bindings, ...day.bindings, ...where.bindings, limit],
  };
}
