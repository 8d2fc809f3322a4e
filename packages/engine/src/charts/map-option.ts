import type { ChartResult as ReportResult } from './widget-option.ts';
import { provinceShape } from './provinces.ts';

type ChartOption = Record<string, unknown>;

/** The name the China map is registered under (components/china-map.ts). */
export const CHINA_MAP = 'china';

/**
 * A province map: the first grouping's keys (or labels) matched to provinces, coloured by the
 * first measure. Rows that name no province are not drawn; `unplaced` counts them so the widget
 * can say so instead of hiding figures silently.
 */
export function mapOption(result: ReportResult): { option: ChartOption; unplaced: number } {
  const m = result.measures[0]?.name ?? '';
  const sums = new Map<string, { value: number; row: number }>();
  let unplaced = 0;
  for (const [index, row] of result.rows.entries()) {
    const shape = provinceShape(row.keys[0]) ?? provinceShape(row.labels[0]);
    if (!shape) {
      unplaced += 1;
      continue;
    }
    const value = Number(row.values[m] ?? 0);
    const seen = sums.get(shape);
    // Two spellings of one province add up; a click drills into the first row that named it.
    sums.set(shape, { value: (seen?.value ?? 0) + value, row: seen?.row ?? index });
  }
  // `row`: the report row a click on the shape drills into (Charts.tsx prefers it to dataIndex).
  const data = [...sums].map(([name, { value, row }]) => ({ name, value, row }));
  const values = data.map((d) => d.value);
  return {
    unplaced,
    option: {
      tooltip: { trigger: 'item' },
      visualMap: { min: Math.min(0, ...values), max: Math.max(1, ...values), calculable: true, orient: 'horizontal', left: 'center', bottom: 0 },
      series: [{ type: 'map', map: CHINA_MAP, roam: true, name: result.measures[0]?.label ?? m, data, emphasis: { label: { show: true } } }],
    },
  };
}
