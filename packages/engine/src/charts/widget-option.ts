// A dashboard widget's ECharts option, built from its report answer. Pure (no DOM, no ECharts
// import), so the studio draws it in the browser and the server renders the same option to SVG for
// a dashboard's PNG/PDF snapshot (`@attain/engine/charts`).

import { mapOption } from './map-option.ts';

export { CHINA_MAP, mapOption } from './map-option.ts';
export { provinceShape } from './provinces.ts';

/** An ECharts option object, kept loose. */
export type ChartOption = Record<string, unknown>;

type Values = Record<string, string | number | null>;

/** The parts of a report answer a chart reads (the server's and the studio's answers both fit). */
export interface ChartResult {
  groups: ReadonlyArray<{ field: string; bucket: string | null; label: string }>;
  measures: ReadonlyArray<{ name: string; label: string }>;
  rows: ReadonlyArray<{ keys: ReadonlyArray<string | null>; labels: ReadonlyArray<string | null>; values: Values; other?: boolean }>;
  totals: { values: Values };
}
type ReportResult = ChartResult;

/** The number a report value stands for (money and decimals arrive as exact text). */
export const numeric = (v: string | number | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));

/**
 * A value axis whose labels are short numbers in the reader's language (1.2M, 120万), so a
 * large figure fits the grid's fixed margin instead of being cut off at its left edge.
 */
export function valueAxis(locale: string): ChartOption {
  const compact = new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 });
  return { type: 'value', axisLabel: { formatter: (v: number) => compact.format(v) } };
}

/**
 * The ECharts option for a widget's answer: categories from the first grouping, one series per
 * measure (per second grouping's key when stacked), a gauge against the widget's target. Pure, so
 * it is the same for every screen that draws a report.
 */
export function widgetOption(chart: string, result: ReportResult, target: string | null, imageName = 'chart', extra: ExtraSeries[] = [], locale = 'en'): ChartOption {
  const option = chartOption(chart, result, target, extra, locale);
  // Every chart can be saved as a PNG from its corner.
  return { ...option, toolbox: { right: 4, top: 0, feature: { saveAsImage: { name: imageName, title: 'PNG' } } } };
}

/** A further series of a combo widget: its name and its own answer (blank when the caller may not read it). */
export interface ExtraSeries {
  name: string;
  result: ReportResult | null;
}

/**
 * A combo: the widget's measures as bars and each further series' first measure as a line, on one
 * axis of the first grouping's keys (the union of every answer's, in key order: months line up).
 */
function combo(result: ReportResult, extra: ExtraSeries[], locale: string): ChartOption {
  const answers = [result, ...extra.map((e) => e.result)].filter((r): r is ReportResult => r !== null);
  const labels = new Map<string, string>();
  for (const r of answers) for (const row of r.rows) if (!row.other) labels.set(row.keys[0] ?? '', row.labels[0] ?? row.keys[0] ?? '—');
  const keys = [...labels.keys()].sort();
  const valuesOf = (r: ReportResult, measure: string) => {
    const at = new Map(r.rows.map((row) => [row.keys[0] ?? '', numeric(row.values[measure])]));
    return keys.map((k) => at.get(k) ?? 0);
  };
  const bars = result.measures.map((m) => ({ name: m.label, type: 'bar', data: valuesOf(result, m.name) }));
  const lines = extra.flatMap((e) => {
    const m = e.result?.measures[0];
    return e.result && m ? [{ name: e.name, type: 'line', smooth: false, data: valuesOf(e.result, m.name) }] : [];
  });
  return {
    tooltip: { trigger: 'axis' },
    legend: { bottom: 0 },
    grid: { left: 56, right: 16, top: 16, bottom: 48 },
    xAxis: { type: 'category', data: keys.map((k) => labels.get(k) ?? k) },
    yAxis: valueAxis(locale),
    series: [...bars, ...lines],
  };
}

/** Two groupings as a grid: the first's labels down, the second's across. */
function crossed(result: ReportResult): { rows: string[]; columns: string[]; at: (r: number, c: number) => number | null } {
  const rows: string[] = [];
  const columns: string[] = [];
  const cells = new Map<string, number>();
  const m = result.measures[0]?.name ?? '';
  for (const r of result.rows) {
    const a = r.labels[0] ?? r.keys[0] ?? '—';
    const b = r.labels[1] ?? r.keys[1] ?? '—';
    if (!rows.includes(a)) rows.push(a);
    if (!columns.includes(b)) columns.push(b);
    cells.set(`${rows.indexOf(a)}|${columns.indexOf(b)}`, numeric(r.values[m]));
  }
  return { rows, columns, at: (r, c) => cells.get(`${r}|${c}`) ?? null };
}

/** The option without the studio's toolbox (what a server-side snapshot draws). */
export function chartOption(chart: string, result: ReportResult, target: string | null, extra: ExtraSeries[] = [], locale = 'en'): ChartOption {
  if (chart === 'combo') return combo(result, extra, locale);
  if (chart === 'map') return mapOption(result).option;
  const categories = result.rows.map((r) => r.labels[0] ?? r.keys[0] ?? '—');
  const measures = result.measures;
  if (result.groups.length === 2 && (chart === 'heatmap' || chart === 'stacked')) {
    const grid = crossed(result);
    if (chart === 'heatmap') {
      const data = grid.rows.flatMap((_, r) => grid.columns.map((__, c) => [c, r, grid.at(r, c)]));
      const values = data.map((d) => d[2]).filter((v): v is number => typeof v === 'number');
      return {
        tooltip: { position: 'top' },
        grid: { left: 80, right: 16, top: 16, bottom: 64 },
        xAxis: { type: 'category', data: grid.columns, splitArea: { show: true } },
        yAxis: { type: 'category', data: grid.rows, splitArea: { show: true } },
        visualMap: { min: Math.min(0, ...values), max: Math.max(1, ...values), calculable: true, orient: 'horizontal', left: 'center', bottom: 0 },
        series: [{ type: 'heatmap', data, label: { show: true } }],
      };
    }
    // Stacked: one series per key of the second grouping, stacked over the first's.
    const series = grid.columns.map((name, c) => ({ name, type: 'bar', stack: 'all', data: grid.rows.map((_, r) => grid.at(r, c) ?? 0) }));
    return {
      tooltip: { trigger: 'axis' },
      legend: { bottom: 0, type: 'scroll' },
      grid: { left: 48, right: 16, top: 24, bottom: 48 },
      xAxis: { type: 'category', data: grid.rows },
      yAxis: valueAxis(locale),
      series,
    };
  }
  if (chart === 'pie' || chart === 'funnel') {
    const m = measures[0]?.name ?? '';
    const data = result.rows.map((r, i) => ({ name: categories[i], value: numeric(r.values[m]) }));
    return { tooltip: { trigger: 'item' }, legend: { bottom: 0, type: 'scroll' }, series: [{ type: chart, radius: chart === 'pie' ? ['35%', '65%'] : undefined, data }] };
  }
  if (chart === 'gauge') {
    const m = measures[0]?.name ?? '';
    const value = numeric(result.totals.values[m]);
    const max = target ? Math.max(numeric(target), value) : Math.max(value * 1.25, 1);
    return { series: [{ type: 'gauge', max, progress: { show: true }, detail: { valueAnimation: false, formatter: '{value}' }, data: [{ value, name: measures[0]?.label ?? m }] }] };
  }
  const kind = chart === 'line' || chart === 'area' ? 'line' : 'bar';
  const series = measures.map((m) => ({
    name: m.label,
    type: kind,
    ...(chart === 'stacked' ? { stack: 'all' } : {}),
    ...(chart === 'area' ? { areaStyle: {} } : {}),
    data: result.rows.map((r) => numeric(r.values[m.name])),
  }));
  return {
    tooltip: { trigger: 'axis' },
    legend: measures.length > 1 ? { bottom: 0 } : undefined,
    grid: { left: 48, right: 16, top: 16, bottom: measures.length > 1 ? 48 : 32 },
    xAxis: { type: 'category', data: categories },
    yAxis: valueAxis(locale),
    series,
  };
}
