// biome-ignore-all lint/suspicious/noExplicitAny: ECharts options are JSON of any shape, read field by field in assertions
// The province map widget: provinces written every usual way land on one shape; rows naming none are counted, not hidden.
import { describe, expect, it } from 'vitest';
import { mapOption, provinceShape, widgetOption } from '@attain/engine/charts';
import type { ReportResult } from '../../studio/src/screens/dashboards/api.ts';

const result = (rows: Array<[string | null, string]>): ReportResult => ({
  object: 'order',
  period: null,
  groups: [{ field: 'province', bucket: null, label: 'Province' }],
  measures: [{ name: 'amount', op: 'sum', label: 'Amount' }],
  rows: rows.map(([k, v]) => ({ keys: [k], labels: [k], other: false, values: { amount: v } })),
  totals: { values: { amount: '0' } },
});

describe('province map', () => {
  it('knows a province by its short and full Chinese name, pinyin, code and common aliases', () => {
    for (const name of ['广东', '广东省', 'Guangdong', 'guangdong province', '44', '440000']) expect(provinceShape(name)).toBe('广东');
    expect(provinceShape('Inner Mongolia')).toBe('内蒙古');
    expect(provinceShape('Neimenggu')).toBe('内蒙古');
    expect(provinceShape('新疆维吾尔自治区')).toBe('新疆');
    expect(provinceShape('Shaanxi')).toBe('陕西');
    expect(provinceShape('Shanxi')).toBe('山西');
    expect(provinceShape('Hong Kong')).toBe('香港');
    expect(provinceShape('Atlantis')).toBeUndefined();
    expect(provinceShape(null)).toBeUndefined();
  });

  it('adds up two spellings of one province, drills into the first row that named it, and counts rows it cannot place', () => {
    const { option, unplaced } = mapOption(
      result([
        ['Guangdong', '100.50'],
        ['浙江省', '20'],
        ['广东省', '9.50'],
        [null, '5'],
        ['Atlantis', '1'],
      ]),
    );
    const series = (option as any).series[0];
    expect(series).toMatchObject({ type: 'map', map: 'china' });
    expect(series.data).toEqual([
      { name: '广东', value: 110, row: 0 },
      { name: '浙江', value: 20, row: 1 },
    ]);
    expect(unplaced).toBe(2);
    expect((option as any).visualMap).toMatchObject({ min: 0, max: 110 });
    // The widget's option is the map's, with the PNG button every chart has.
    const widget = widgetOption('map', result([['Jiangsu', '3']]), null) as any;
    expect(widget.series[0].data).toEqual([{ name: '江苏', value: 3, row: 0 }]);
    expect(widget.toolbox.feature.saveAsImage).toBeTruthy();
  });
});
