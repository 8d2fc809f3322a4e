import { findField, type MetaDocBase, type MetaKindDefinition, type Registry } from '@attain/meta';
import { checkFormula, describeFormulaError } from '@attain/store';
import { reportSchema, type ReportQuestion } from './schema.ts';
import { isDataset, sourceObject } from './source.ts';

export interface ReportDoc extends MetaDocBase, ReportQuestion {
  kind: 'analytics.report';
  description?: string;
}

export interface QuestionIssue {
  path: string;
  rule: string;
  message: string;
}

const DATES = new Set(['date', 'datetime']);

/** A real calendar day `YYYY-MM-DD` (the pattern alone lets 2026-02-31 through). */
export function isDay(value: string): boolean {
  const ms = Date.parse(`${value}T00:00:00Z`);
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value;
}

/**
 * What a question refers to that the registry cannot satisfy, and what its parts ask of each
 * other. A saved report is checked at plan time (cross-check), an ad-hoc one when it is posted;
 * fields hidden from the caller are refused later, by the store, when it runs.
 */
export function questionIssues(registry: Registry, q: ReportQuestion): QuestionIssue[] {
  const issues: QuestionIssue[] = [];
  const object = sourceObject(registry, q.object);
  if (!object) return [{ path: '/object', rule: 'unknown_reference', message: `refers to ${isDataset(q.object) ? 'dataset' : 'object'} "${q.object}", which does not exist` }];
  const field = (name: string, path: string) => {
    const f = findField(object, name);
    if (!f) issues.push({ path, rule: 'unknown_field', message: `"${name}" is not a field of "${object.name}"` });
    return f;
  };
  if (q.period) {
    const f = field(q.period.field, '/period/field');
    if (f && !DATES.has(f.storage)) issues.push({ path: '/period/field', rule: 'date_field', message: `"${f.name}" is not a date or datetime` });
  }
  const range = q.period?.range;
  if (range && typeof range === 'object' && 'from' in range) {
    if (!isDay(range.from)) issues.push({ path: '/period/range/from', rule: 'date', message: `"${range.from}" is not a calendar day` });
    if (!isDay(range.to)) issues.push({ path: '/period/range/to', rule: 'date', message: `"${range.to}" is not a calendar day` });
    if (isDay(range.from) && isDay(range.to) && range.from > range.to) issues.push({ path: '/period/range', rule: 'order', message: 'from must not be after to' });
  }
  if (q.compare && !q.period) issues.push({ path: '/compare', rule: 'requires_period', message: 'a comparison needs a period' });
  const formula = (source: string, path: string) => {
    // A dataset's rows are not records: no formula reaches its relations.
    if (isDataset(q.object)) return void issues.push({ path, rule: 'not_supported', message: `"${q.object}" is a dataset; group and measure its fields` });
    const r = checkFormula(registry, object.name, source);
    if (!r.ok && r.errors[0]) issues.push({ path, rule: 'formula', message: describeFormulaError(r.errors[0]) });
  };
  (q.groups ?? []).forEach((g, i) => {
    if (g.formula !== undefined) return formula(g.formula, `/groups/${i}/formula`);
    const f = field(g.field as string, `/groups/${i}/field`);
    if (f && g.bucket && !DATES.has(f.storage)) issues.push({ path: `/groups/${i}/bucket`, rule: 'not_date', message: `"${f.name}" is not a date; only dates are bucketed` });
    if (f && q.compare && DATES.has(f.storage) && (g.bucket ?? 'day') === 'week')
      issues.push({ path: `/groups/${i}/bucket`, rule: 'compare_bucket', message: 'a comparison shifts by months: bucket by day, month, quarter or year' });
  });
  const names = new Map<string, string>();
  q.measures.forEach((m, i) => {
    if (names.has(m.name)) issues.push({ path: `/measures/${i}/name`, rule: 'unique', message: `a measure named "${m.name}" comes earlier` });
    names.set(m.name, m.op);
    if (m.op === 'count' && m.field !== undefined) issues.push({ path: `/measures/${i}/field`, rule: 'not_allowed', message: 'count counts records; use count_distinct to count values of a field' });
    else if (m.op === 'ratio') {
      if (!m.of) issues.push({ path: `/measures/${i}/of`, rule: 'required', message: 'a ratio names two measures: [numerator, denominator]' });
      if (m.field !== undefined) issues.push({ path: `/measures/${i}/field`, rule: 'not_allowed', message: 'a ratio divides two measures; it has no field' });
    } else if (m.formula !== undefined) {
      if (m.op === 'count' || m.field !== undefined) issues.push({ path: `/measures/${i}/formula`, rule: 'not_allowed', message: 'a measure has a field or a formula; count counts records' });
      else formula(m.formula, `/measures/${i}/formula`);
    } else if (m.op !== 'count') {
      if (m.field === undefined) issues.push({ path: `/measures/${i}/field`, rule: 'required', message: `"${m.op}" needs a field` });
      else field(m.field, `/measures/${i}/field`);
    }
  });
  q.measures.forEach((m, i) => {
    (m.of ?? []).forEach((name, j) => {
      const op = names.get(name);
      if (op === undefined || op === 'ratio' || name === m.name)
        issues.push({ path: `/measures/${i}/of/${j}`, rule: 'unknown_reference', message: `"${name}" is not another (non-ratio) measure of this report` });
    });
  });
  if (q.pivot && (q.groups ?? []).length !== 2) issues.push({ path: '/pivot', rule: 'two_groups', message: 'a pivot has two groupings: rows, then columns' });
  if (q.top) {
    if ((q.groups ?? []).length === 0) issues.push({ path: '/top', rule: 'requires_group', message: 'top-N ranks the keys of the first grouping' });
    if (q.top.by !== undefined && !names.has(q.top.by)) issues.push({ path: '/top/by', rule: 'unknown_reference', message: `"${q.top.by}" is not a measure of this report` });
  }
  return issues;
}

/** `analytics.report`: a saved question, runnable by name (`GET /api/v1/analytics/reports/:name/run`). */
export const reportKind: MetaKindDefinition = {
  kind: 'analytics.report',
  schema: reportSchema,
  crossCheck(registry, issues) {
    for (const doc of registry.documentsOfKind('analytics.report') as ReportDoc[]) {
      for (const issue of questionIssues(registry, doc)) issues.push({ document: `analytics.report "${doc.name}"`, ...issue });
    }
  },
};
