// Runs a dashboard for one caller: each widget's question with the dashboard's filters applied
// where they fit, through the same report run as a saved report (the caller's scope and hidden
// fields). A widget over an object the caller may not read answers `forbidden` on its own; the
// others still run.
import { findField, isAttainError, type Registry } from '@attain/meta';
import { badRequest } from '../../http/errors.ts';
import type { AccessContext } from '../../rbac/context.ts';
import type { Store } from '../../store-port.ts';
import type { DashboardDoc, DashboardFilter, DashboardWidget, FilterValue } from './dashboard-schema.ts';
import { contextFor, questionOf } from './routes.ts';
import { runReport, type ReportResult } from './run.ts';
import { RELATIVE_RANGES, type Range, type ReportQuestion } from './schema.ts';
import type { ReportDoc } from './kind.ts';
import { sourceObject } from './source.ts';

/** What one question of a widget answers: the widget's own, or one of its series. */
export interface SeriesAnswer {
  object: string;
  /** The dashboard filters that reached this widget (a field filter only reaches objects with that field). */
  applied: string[];
  /** The question as it ran, filters included: what a drill-down from one of its cells sends. */
  question: ReportQuestion;
  result: ReportResult | null;
  error: { code: string; message: string } | null;
}

export interface WidgetAnswer extends SeriesAnswer {
  id: string;
  title: DashboardWidget['title'] | null;
  chart: string;
  target: string | null;
  layout: DashboardWidget['layout'];
  /** A widget's further series (a `combo` chart), each run like the widget with the same filters. */
  series?: Array<SeriesAnswer & { id: string; title: DashboardWidget['title'] | null }>;
}

function questionOfWidget(registry: Registry, w: DashboardWidget): ReportQuestion {
  if (w.question) return structuredClone(w.question);
  const doc = (registry.documentsOfKind('analytics.report') as ReportDoc[]).find((r) => r.name === w.report) as ReportDoc;
  return structuredClone(questionOf(doc));
}

const isRange = (v: unknown): v is Range =>
  (typeof v === 'string' && (RELATIVE_RANGES as readonly string[]).includes(v)) ||
  (typeof v === 'object' && v !== null && !Array.isArray(v) && (('from' in v && 'to' in v) || ('last' in v && 'unit' in v)));

/** The value each filter has in this run: the one sent, else the dashboard's default. Refuses unknown names and ill-typed values. */
export function filterValues(doc: DashboardDoc, sent: Record<string, FilterValue> = {}): Map<string, { filter: DashboardFilter; value: FilterValue }> {
  const defs = new Map((doc.filters ?? []).map((f) => [f.name, f]));
  const unknown = Object.keys(sent).filter((k) => !defs.has(k));
  if (unknown.length) {
    throw badRequest(
      'unknown_filter',
      `dashboard "${doc.name}" has no filter named ${unknown.map((u) => `"${u.slice(0, 40)}"`).join(', ')}`,
      unknown.map((u) => ({ path: `/filters/${u.slice(0, 40)}`, rule: 'unknown_filter', message: 'not a filter of this dashboard' })),
    );
  }
  const out = new Map<string, { filter: DashboardFilter; value: FilterValue }>();
  for (const f of defs.values()) {
    const value = (Object.hasOwn(sent, f.name) ? sent[f.name] : f.default) as FilterValue | undefined;
    if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) continue;
    if (f.type === 'period' && !isRange(value)) {
      throw badRequest('invalid_filter', `filter "${f.name}" takes a period: ${RELATIVE_RANGES.join(', ')}, {from, to} or {last, unit}`, [
        { path: `/filters/${f.name}`, rule: 'period', message: 'must be a relative range, {from, to} or {last, unit}' },
      ]);
    }
    if (f.type === 'field' && typeof value === 'object' && !Array.isArray(value)) {
      throw badRequest('invalid_filter', `filter "${f.name}" takes one value or a list of values`, [{ path: `/filters/${f.name}`, rule: 'type', message: 'must be a value or a list of values' }]);
    }
    out.set(f.name, { filter: f, value });
  }
  return out;
}

/** The widget's question with every filter that fits it: a period replaces its range, a field value is ANDed to its filter. */
export function filteredQuestion(registry: Registry, q: ReportQuestion, values: ReturnType<typeof filterValues>): { question: ReportQuestion; applied: string[] } {
  const applied: string[] = [];
  const object = sourceObject(registry, q.object);
  const extra: Record<string, unknown>[] = [];
  for (const [name, { filter, value }] of values) {
    if (filter.type === 'period') {
      if (!q.period) continue;
      q.period = { field: q.period.field, range: value as Range };
      applied.push(name);
    } else if (filter.field && object && findField(object, filter.field)) {
      extra.push({ [filter.field]: Array.isArray(value) ? { in: value } : { eq: value } });
      applied.push(name);
    }
  }
  if (extra.length) q.filter = { and: [...(q.filter ? [q.filter] : []), ...extra] };
  return { question: q, applied };
}

/** One question of a widget, filtered and run for the caller; `forbidden` answers on its own. */
async function answer(store: Store, access: AccessContext, q: ReportQuestion, values: ReturnType<typeof filterValues>, asOf: string | undefined): Promise<SeriesAnswer> {
  const { question, applied } = filteredQuestion(access.registry, q, values);
  const base = { object: question.object, applied, question };
  try {
    const result = await runReport(question, await contextFor(store, access, question, asOf, false));
    return { ...base, result, error: null };
  } catch (error) {
    // A widget the caller may not read is blank for them; anything else is the request's error.
    if (isAttainError(error) && error.code === 'forbidden') return { ...base, result: null, error: { code: error.code, message: error.message } };
    throw error;
  }
}

/** The objects a dashboard's widgets measure (what its answer's cache key checks for plugin fields). */
export function widgetObjects(registry: Registry, doc: DashboardDoc): string[] {
  // Read, not cloned: this runs on every open, cache hits included.
  const reports = registry.documentsOfKind('analytics.report') as ReportDoc[];
  const of = (w: DashboardWidget) => (w.question ? w.question.object : (reports.find((r) => r.name === w.report)?.object ?? ''));
  // A combo's series count too: a series over a dataset keeps the answer out of the cache.
  return [...new Set(doc.widgets.flatMap((w) => [of(w), ...(w.series ?? []).map((x) => x.question.object)]))];
}

export async function runDashboard(store: Store, access: AccessContext, doc: DashboardDoc, sent: Record<string, FilterValue> | undefined, asOf: string | undefined): Promise<WidgetAnswer[]> {
  const values = filterValues(doc, sent);
  return Promise.all(
    doc.widgets.map(async (w): Promise<WidgetAnswer> => {
      const q = questionOfWidget(access.registry, w);
      const [main, ...series] = await Promise.all([answer(store, access, q, values, asOf), ...(w.series ?? []).map((s) => answer(store, access, structuredClone(s.question), values, asOf))]);
      const head = main as SeriesAnswer;
      const out: WidgetAnswer = { id: w.id, title: w.title ?? null, chart: w.chart ?? q.chart ?? 'table', target: w.target ?? null, layout: w.layout, ...head };
      if (w.series) out.series = w.series.map((s, i) => ({ id: s.id, title: s.title ?? null, ...(series[i] as SeriesAnswer) }));
      return out;
    }),
  );
}
