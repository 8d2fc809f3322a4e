/** An ECharts option object (as components/Charts.tsx takes it), kept loose. */
type ChartOption = Record<string, unknown>;
import type { ReportResult } from './api.ts';
import { mapOption } from './map-option.ts';

/** The number a report value stands for (money and decimals arrive as exact text). */
export const numeric = (v: string | number | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));

/**
 * The ECharts option for a widget's answer: categories from the first grouping, one series per
 * measure (per second grouping's key when stacked), a gauge against the widget's target. Pure, so
 * it is the same for every screen that draws a report.
 */
export function widgetOption(chart: string, result: ReportResult, target: string | null, imageName = 'chart'): ChartOption {
  const option = drawn(chart, result, target);
  // Every chart can be saved as a PNG from its corner.
  return { ...option, toolbox: { right: 4, top: 0, feature: { saveAsImage: { name: imageName, title: 'PNG' } } } };
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

function drawn(chart: string, result: ReportResult, target: string | null): ChartOption {
  const categories = result.rows.map((r) => r.labels[0] ?? r.keys[0] ?? '—');
  const measures = result.measures;
  if (chart === 'map') return mapOption(result).option;
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
      yAxis: { type: 'value' },
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
    yAxis: { type: 'value' },
    series,
  };
}
