// biome-ignore-all lint/suspicious/noExplicitAny: ECharts options are JSON of any shape, read field by field in assertions
// The dashboard widget's chart options: what each chart type draws from a report answer.
import { describe, expect, it } from 'vitest';
import { widgetOption } from '@attain/engine/charts';
import type { ReportResult } from '../../studio/src/screens/dashboards/api.ts';

const row = (a: string, b: string | null, v: string) => ({ keys: b === null ? [a] : [a, b], labels: b === null ? [a] : [a, b], other: false, values: { amount: v } });
const result = (groups: number, rows: ReportResult['rows']): ReportResult => ({
  object: 'order',
  period: null,
  groups: Array.from({ length: groups }, (_, i) => ({ field: `g${i}`, bucket: null, label: `G${i}` })),
  measures: [{ name: 'amount', op: 'sum', label: 'Amount' }],
  rows,
  totals: { values: { amount: '0' } },
});

describe('widget chart options', () => {
  it('draws two groupings as a heat map: the first down, the second across, empty cells null', () => {
    const o = widgetOption('heatmap', result(2, [row('east', '2026-01', '10.50'), row('east', '2026-02', '5'), row('west', '2026-02', '7')]), null) as Record<string, any>;
    expect(o.yAxis.data).toEqual(['east', 'west']);
    expect(o.xAxis.data).toEqual(['2026-01', '2026-02']);
    expect(o.series[0].data).toEqual([
      [0, 0, 10.5],
      [1, 0, 5],
      [0, 1, null],
      [1, 1, 7],
    ]);
    expect(o.visualMap).toMatchObject({ min: 0, max: 10.5 });
  });

  it('stacks by the second grouping, a series per key', () => {
    const o = widgetOption('stacked', result(2, [row('east', 'booked', '3'), row('east', 'paid', '4'), row('west', 'paid', '1')]), null) as Record<string, any>;
    expect(o.series.map((s: any) => [s.name, s.stack, s.data])).toEqual([
      ['booked', 'all', [3, 0]],
      ['paid', 'all', [4, 1]],
    ]);
  });

  it('measures a gauge against its target and offers every chart as a PNG', () => {
    const o = widgetOption('gauge', { ...result(0, []), totals: { values: { amount: '250' } } }, '1000', 'total') as Record<string, any>;
    expect(o.series[0]).toMatchObject({ type: 'gauge', max: 1000, data: [{ value: 250 }] });
    expect(o.toolbox.feature.saveAsImage).toMatchObject({ name: 'total' });
  });
  it('draws a combo: the widget as bars, each further series as a line, on the union of their months', () => {
    const revenue = result(1, [row('2026-02', null, '1333.33'), row('2026-03', null, '2350.50')]);
    const cost = { ...result(1, [row('2026-01', null, '10'), row('2026-03', null, '117.53')]), measures: [{ name: 'amount', op: 'sum', label: 'Payout' }] };
    const o = widgetOption('combo', revenue, null, 'combo', [
      { name: 'Payout cost', result: cost },
      { name: 'Hidden', result: null },
    ]) as Record<string, any>;
    expect(o.xAxis.data).toEqual(['2026-01', '2026-02', '2026-03']);
    expect(o.series.map((x: any) => [x.name, x.type, x.data])).toEqual([
      ['Amount', 'bar', [0, 1333.33, 2350.5]],
      ['Payout cost', 'line', [10, 0, 117.53]],
    ]);
  });
  it("labels a value axis with short numbers in the reader's language, so millions fit the margin", () => {
    const bars = result(1, [row('east', null, '12500000'), row('west', null, '980000')]);
    const en = widgetOption('bar', bars, null) as Record<string, any>;
    const zh = widgetOption('bar', bars, null, 'chart', [], 'zh-CN') as Record<string, any>;
    expect([12_500_000, 980_000, 0].map(en.yAxis.axisLabel.formatter)).toEqual(['12.5M', '980K', '0']);
    expect([12_500_000, 980_000].map(zh.yAxis.axisLabel.formatter)).toEqual(['1250万', '98万']);
  });
});
