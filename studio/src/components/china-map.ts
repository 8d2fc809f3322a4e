import { registerMap } from 'echarts/core';

let registered: Promise<void> | undefined;

/**
 * Registers China's province shapes with ECharts once, loading the GeoJSON (china-geojson, AntV,
 * MIT; ~340 kB) as its own chunk only when a map widget is drawn.
 */
export function ensureChinaMap(name: string): Promise<void> {
  registered ??= import('china-geojson/src/geojson/china.json').then((geo) => {
    // biome-ignore lint/suspicious/noExplicitAny: registerMap's GeoJSON type is stricter than a JSON import's inferred shape
    registerMap(name, (geo as { default: unknown }).default as any);
  });
  return registered;
}
