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
  if (!date || (date.storage !== 'date' && date.storage !== 'datetime')) issues.push({ path: `${at}/dateField`, rule: 'date_field', message: `"${source.dateField}" is not a date field of "${object.name}"` });
  const payee = findField(object, source.payeeField ?? 'owner_id');
  if (!payee || payee.ref?.object !== 'user') issues.push({ path: `${at}/payeeField`, rule: 'payee_field', message: `"${source.payeeField ?? 'owner_id'}" is not a reference to user on "${object.name}"` });
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
export function sourceAggregateSql(schemaName: string, src: CompiledSource, item: { measure?: MeasureDef; component?: ComponentDef }, range: DateRange, payees: readonly string[] | null, timeZone = 'UTC'): Sql {
  const b: unknown[] = [];
  const amount = src.value ? `coalesce((${src.value.text})::numeric, 0)` : '0::numeric';
  const amountB = src.value?.bindings ?? [];
  let agg: string;
  if (item.measure) {
    agg = item.measure.type === 'count' ? 'count(*)::numeric' : `coalesce(sum(${amount}), 0)`;
    if (item.measure.type !== 'count') b.push(...amountB);
  } else {
    const c = item.component as ComponentDef;
    const parts: string[] = [];
    if (c.perCredit) { parts.push('?::numeric'); b.push(c.perCredit); }
    if (c.rate) { parts.push(`round(${amount} * ?::numeric, 10)`); b.push(...amountB, c.rate); }
    if (c.perAmount) { parts.push(`floor(round(${amount} / ?::numeric, 10)) * ?::numeric`); b.push(...amountB, c.perAmount.every, c.perAmount.value); }
    agg = `coalesce(sum(${parts.length ? parts.join(' + ') : '0'}), 0)`;
  }
  const payee = `t.${quoteIdent(src.payeeColumn)}`;
  const date = `t.${quoteIdent(src.dateColumn)}`;
  // A visit checked in at 07:30 in Shanghai on the 1st counts on the 1st: its day is the tenant's.
  const day = localDateSql(date, src.dateStorage, timeZone);
  const where = [`t.deleted_at is null`, `${payee} is not null`, `${date} is not null`, `${day.text} between ?::date and ?::date`];
  const wb: unknown[] = [...day.bindings, range.from, range.to];
  if (src.filter) { where.push(`coalesce((${src.filter.text}), false)`); wb.push(...src.filter.bindings); }
  if (payees) { where.push(`${payee}::text = any(?::text[])`); wb.push(payees); }
  return {
    text: `select ${payee}::text as payee_id, (${agg})::text as v, count(*) as n, (array_agg(t."id"::text order by t."id"))[1:100] as ids
      from ${quoteIdent(schemaName)}.${quoteIdent(src.table)} t where ${where.join(' and ')} group by 1`,
    bindings: [...b, ...wb],
  };
}
