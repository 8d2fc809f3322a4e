// Runs a report question for one caller: period and comparison in the tenant calendar, top-N,
// pivot totals from grouping sets, all through the caller's own record service (`records.aggregate`,
// the list routes' scope, filter and hidden fields).
import { findField, pickLabel, type FieldDef, type ObjectDef, type Registry } from '@attain/meta';
import { today, type TenantCalendar } from '@attain/engine';
import type { AggregateGroup, AggregateMeasure, AggregateResult, AggregateRow, Filter } from '@attain/store';
import { ApiError } from '../../http/errors.ts';
import { questionIssues } from './kind.ts';
import { expandRelative } from './relative-filter.ts';
import { bucketLabel, COMPARE_MONTHS, rangeFilter, resolveRange, shiftKey, shiftRange, type DayRange } from './period.ts';
import type { ReportQuestion } from './schema.ts';
import { deltas, typed, type Values } from './shape.ts';
import { sourceObject, type ReportService } from './source.ts';

export interface RunContext {
  registry: Registry;
  /** The caller's record service on the object, or their view of a dataset. */
  service: ReportService;
  calendar: TenantCalendar;
  /** The day relative ranges count from; the tenant's today when absent. */
  asOf?: string;
  locale: string;
}

export interface ReportRow {
  keys: Array<string | null>;
  labels: Array<string | null>;
  /** The "other" row of a top-N (every key of the first grouping outside the top). */
  other: boolean;
  values: Values;
  previous?: Values;
  delta?: Values;
  deltaPct?: Values;
}

export interface PivotAxis {
  key: string | null;
  label: string | null;
  other: boolean;
}

export interface ReportResult {
  object: string;
  asOf: string | null;
  period: DayRange | null;
  previous: DayRange | null;
  groups: Array<{ field: string; bucket: string | null; label: string }>;
  measures: Array<{ name: string; op: string; label: string }>;
  rows: ReportRow[];
  totals: Omit<ReportRow, 'keys' | 'labels' | 'other'>;
  pivot?: { rows: PivotAxis[]; columns: PivotAxis[]; cells: Array<Array<Values | null>>; rowTotals: Values[]; columnTotals: Values[]; total: Values };
}

export function invalidReport(issues: Array<{ path: string; rule: string; message: string }>): ApiError {
  return new ApiError(400, 'invalid_report', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
}

const DATES = new Set(['date', 'datetime']);

/** What the question resolves to once: object, fields, period, the filter as the list routes take it. */
export interface Plan {
  object: ObjectDef;
  q: ReportQuestion;
  /** The question's filter with relative dates resolved to days. */
  filter: Record<string, unknown> | undefined;
  /** Per grouping its field; undefined for a formula grouping. */
  groupFields: Array<FieldDef | undefined>;
  buckets: Array<string | null>;
  period: DayRange | null;
  previous: DayRange | null;
  shift: number;
  measures: AggregateMeasure[];
}

export function plan(q: ReportQuestion, ctx: RunContext): Plan {
  const issues = questionIssues(ctx.registry, q);
  if (issues.length) throw invalidReport(issues);
  const object = sourceObject(ctx.registry, q.object) as ObjectDef;
  const expandIssues: Array<{ path: string; rule: string; message: string }> = [];
  const filter = q.filter === undefined ? undefined : (expandRelative(q.filter, object, ctx.calendar, ctx.asOf, expandIssues) as Record<string, unknown>);
  if (expandIssues.length) throw invalidReport(expandIssues);
  const groupFields = (q.groups ?? []).map((g) => (g.field === undefined ? undefined : findField(object, g.field)));
  const buckets = (q.groups ?? []).map((g, i) => {
    const f = groupFields[i];
    return f ? (DATES.has(f.storage) ? (g.bucket ?? 'day') : null) : (g.bucket ?? null);
  });
  const period = q.period ? resolveRange(q.period.range, ctx.calendar, ctx.asOf) : null;
  const shift = q.compare ? COMPARE_MONTHS[q.compare] : 0;
  const previous = period && shift ? shiftRange(period, -shift) : null;
  const index = new Map(q.measures.map((m, i) => [m.name, i]));
  const measures = q.measures.map((m): AggregateMeasure => {
    if (m.op === 'ratio') return { op: 'ratio', of: [index.get(m.of![0]) as number, index.get(m.of![1]) as number] };
    if (m.formula !== undefined) return { op: m.op, formula: m.formula };
    return m.field === undefined ? { op: m.op } : { op: m.op, field: m.field };
  });
  return { object, q, filter, groupFields, buckets, period, previous, shift, measures };
}

/** The question's filter and a period's days as one filter in the list filter language. */
export function filterOf(p: Plan, range: DayRange | null, timeZone: string, extra: Filter[] = []): Filter | undefined {
  const parts: Filter[] = [];
  if (p.filter) parts.push(p.filter as Filter);
  if (range && p.q.period) {
    const f = findField(p.object, p.q.period.field) as FieldDef;
    parts.push(rangeFilter(f.name, f.storage, range, timeZone) as Filter);
  }
  parts.push(...extra);
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : { and: parts };
}

const groupsOf = (p: Plan): AggregateGroup[] =>
  (p.q.groups ?? []).map((g, i) => ({
    ...(g.formula !== undefined ? { formula: g.formula } : { field: g.field as string }),
    ...(p.buckets[i] ? { bucket: p.buckets[i] as NonNullable<AggregateGroup['bucket']> } : {}),
  }));

/**
 * The top-N keys of the first grouping by a measure (largest first; ties by key). With `total`, the
 * same pass also answers the grand total (grouping set `[]`), and `result` holds both sets: a
 * one-grouping report whose top needs no "other" row is then answered from this pass alone.
 */
export async function topKeys(p: Plan, ctx: RunContext, opts: { total?: boolean } = {}): Promise<{ keys: Array<string | null>; more: boolean; result: AggregateResult } | undefined> {
  const top = p.q.top;
  if (!top) return undefined;
  const by = top.by === undefined ? 0 : p.q.measures.findIndex((m) => m.name === top.by);
  const first = groupsOf(p).slice(0, 1);
  const res = await ctx.service.aggregate(p.object.name, {
    filter: filterOf(p, p.period, ctx.calendar.timeZone),
    groups: first,
    measures: p.measures,
    calendar: ctx.calendar,
    sets: opts.total ? [[0], []] : [[0]],
    today: ctx.asOf ?? today(ctx.calendar.timeZone),
  });
  const num = (v: string | null) => (v === null ? Number.NEGATIVE_INFINITY : Number(v));
  const grouped = res.rows.filter((r) => r.present[0]);
  const ranked = [...grouped].sort((a, b) => num(b.values[by] ?? null) - num(a.values[by] ?? null) || String(a.keys[0]).localeCompare(String(b.keys[0])));
  return { keys: ranked.slice(0, top.n).map((r) => r.keys[0] ?? null), more: ranked.length > top.n, result: res };
}

const keyOf = (keys: ReadonlyArray<string | null>, other: readonly boolean[]) => JSON.stringify([keys, other]);

export async function runReport(q: ReportQuestion, ctx: RunContext): Promise<ReportResult> {
  const p = plan(q, ctx);
  const n = p.groupFields.length;
  const all = Array.from({ length: n }, (_, i) => i);
  const sets = q.pivot ? [all, [0], [1], []] : n ? [all, []] : [[]];
  // One grouping, no pivot: the top-N pass can answer the grand total too, and then, unless an
  // "other" row is wanted beside a longer list, it is the whole answer (one scan, not two).
  const single = n === 1 && !q.pivot;
  const top = await topKeys(p, ctx, { total: single });
  const keep = top?.more ? { group: 0, keys: top.keys } : undefined;
  const fromTop = single && top && (!top.more || q.top?.other === false) ? top : undefined;
  const groups = groupsOf(p);
  const run = (range: DayRange | null) =>
    ctx.service.aggregate(p.object.name, {
      filter: filterOf(p, range, ctx.calendar.timeZone),
      groups,
      measures: p.measures,
      calendar: ctx.calendar,
      sets,
      today: ctx.asOf ?? today(ctx.calendar.timeZone),
      ...(keep ? { keep } : {}),
    });
  const kept = fromTop ? new Set(fromTop.keys) : undefined;
  const current = (): Promise<AggregateResult> =>
    fromTop ? Promise.resolve({ ...fromTop.result, rows: fromTop.result.rows.filter((r) => !r.present[0] || kept?.has(r.keys[0] ?? null)) }) : run(p.period);
  const [cur, prev] = await Promise.all([current(), p.previous ? run(p.previous) : Promise.resolve(undefined)]);
  const ops = q.measures.map((m) => m.op);
  const names = q.measures.map((m) => m.name);
  const val = (r: AggregateRow | undefined) => typed(ops, names, r ? r.values : names.map(() => null));
  const setOf = (r: AggregateRow) =>
    r.present
      .map((x, i) => (x ? i : -1))
      .filter((i) => i >= 0)
      .join(',');
  // Previous rows under the key they answer for: date buckets moved forward by the comparison's months.
  const prevBy = new Map<string, AggregateRow>();
  for (const r of prev?.rows ?? []) {
    const keys = r.keys.map((k, i) => (k !== null && p.buckets[i] && r.present[i] ? shiftKey(k, p.buckets[i] as string, p.shift) : k));
    prevBy.set(`${setOf(r)}|${keyOf(keys, r.other)}`, { ...r, keys });
  }
  const bySet = new Map<string, AggregateRow[]>();
  const seen = new Set<string>();
  for (const r of cur.rows) {
    const set = setOf(r);
    bySet.set(set, [...(bySet.get(set) ?? []), r]);
    seen.add(`${set}|${keyOf(r.keys, r.other)}`);
  }
  // A key that had figures in the previous period and none now still shows, with empty values.
  for (const [k, r] of prevBy) if (!seen.has(k)) bySet.set(k.split('|')[0] as string, [...(bySet.get(k.split('|')[0] as string) ?? []), { ...r, values: r.values.map(() => null) }]);
  const label = (r: AggregateRow, i: number): string | null => {
    const k = r.keys[i] ?? null;
    if (r.other[i] || !r.present[i]) return null;
    if (p.buckets[i] && k !== null) return bucketLabel(k, p.buckets[i] as string, ctx.calendar);
    // A pick-list value reads as its option's label in the caller's language, as on the list screens.
    const option = k === null ? undefined : p.groupFields[i]?.options?.find((o) => o.value === k);
    if (option?.label) return pickLabel(option.label, ctx.locale, k as string);
    return r.labels[i] ?? k;
  };
  const answer = (r: AggregateRow): ReportRow => {
    const values = val(r);
    const row: ReportRow = { keys: r.keys, labels: r.keys.map((_, i) => label(r, i)), other: r.other.some(Boolean), values };
    if (prev) {
      const previous = val(prevBy.get(`${setOf(r)}|${keyOf(r.keys, r.other)}`));
      Object.assign(row, { previous }, deltas(values, previous));
    }
    return row;
  };
  const detail = (bySet.get(all.join(',')) ?? []).map(answer);
  const byIdx = top ? ((q.top?.by === undefined ? names[0] : q.top.by) as string) : undefined;
  detail.sort((a, b) => {
    if (a.other !== b.other) return a.other ? 1 : -1;
    if (byIdx && n === 1) {
      const d = Number(b.values[byIdx] ?? Number.NEGATIVE_INFINITY) - Number(a.values[byIdx] ?? Number.NEGATIVE_INFINITY);
      if (d) return d;
    }
    return cmpKeys(a.keys, b.keys);
  });
  const rows = top && q.top?.other === false ? detail.filter((r) => !r.other) : detail;
  const totalRow = answer((bySet.get('') ?? [])[0] ?? { present: [], keys: [], labels: [], other: [], values: names.map(() => null) });
  const result: ReportResult = {
    object: p.object.name,
    asOf: ctx.asOf ?? null,
    period: p.period,
    previous: p.previous,
    groups: (q.groups ?? []).map((g, i) => {
      const name = g.field ?? (g.formula as string);
      const field = p.groupFields[i];
      return { field: name, bucket: p.buckets[i] ?? null, label: g.label ? pickLabel(g.label, ctx.locale, name) : field ? pickLabel(field.label, ctx.locale, name) : name };
    }),
    measures: q.measures.map((m) => ({ name: m.name, op: m.op, label: m.label ? pickLabel(m.label, ctx.locale, m.name) : m.name })),
    rows,
    totals: { values: totalRow.values, ...(prev ? { previous: totalRow.previous, delta: totalRow.delta, deltaPct: totalRow.deltaPct } : {}) },
  };
  if (q.pivot) result.pivot = pivotOf(rows, bySet, answer);
  return result;
}

function cmpKeys(a: ReadonlyArray<string | null>, b: ReadonlyArray<string | null>): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    const nx = Number(x);
    const ny = Number(y);
    const c = Number.isFinite(nx) && Number.isFinite(ny) && x.trim() !== '' && y.trim() !== '' ? nx - ny : x.localeCompare(y);
    if (c) return c;
  }
  return 0;
}

function pivotOf(rows: ReportRow[], bySet: Map<string, AggregateRow[]>, answer: (r: AggregateRow) => ReportRow): NonNullable<ReportResult['pivot']> {
  const axis = (set: string, i: number): Array<{ axis: PivotAxis; total: Values }> =>
    (bySet.get(set) ?? [])
      .map(answer)
      .sort((a, b) => (a.other !== b.other ? (a.other ? 1 : -1) : cmpKeys([a.keys[i] ?? null], [b.keys[i] ?? null])))
      .map((r) => ({ axis: { key: r.keys[i] ?? null, label: r.labels[i] ?? null, other: r.other }, total: r.values }));
  const rowAxis = axis('0', 0);
  const colAxis = axis('1', 1);
  const at = new Map(rows.map((r) => [JSON.stringify([r.keys[0], r.keys[1], r.other]), r.values]));
  const cells = rowAxis.map((ra) => colAxis.map((ca) => at.get(JSON.stringify([ra.axis.key, ca.axis.key, ra.axis.other])) ?? null));
  const total = (bySet.get('') ?? [])[0];
  return {
    rows: rowAxis.map((r) => r.axis),
    columns: colAxis.map((c) => c.axis),
    cells,
    rowTotals: rowAxis.map((r) => r.total),
    columnTotals: colAxis.map((c) => c.total),
    total: total ? answer(total).values : {},
  };
}
