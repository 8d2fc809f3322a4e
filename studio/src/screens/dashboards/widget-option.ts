import type { ChartOption } from '../../components/Charts.tsx';
import type { ReportResult } from './api.ts';

/** The number a report value stands for (money and decimals arrive as exact text). */
export const numeric = (v: string | number | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));

/**
 * The ECharts option for a widget's answer: categories from the first grouping, one series per
 * measure (per second grouping's key when stacked), a gauge against the widget's target. Pure, so
 * it is the same for every screen that draws a report.
 */
export function widgetOption(chart: string, result: ReportResult, target: string | null): ChartOption {
  const categories = result.rows.map((r) => r.labels[0] ?? r.keys[0] ?? '—');
  const measures = result.measures;
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
