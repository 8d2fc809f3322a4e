// The only module that imports ECharts. Named, static imports let the bundler drop every chart
// and component not listed here; a dynamic `import('echarts/charts')` keeps them all, because a
// namespace object must hold every export. Charts.tsx loads this file lazily, as its own chunk.
import { init, use } from 'echarts/core';
import { BarChart, FunnelChart, GaugeChart, HeatmapChart, LineChart, MapChart, PieChart } from 'echarts/charts';
import { DatasetComponent, GeoComponent, GridComponent, LegendComponent, TitleComponent, ToolboxComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

// What dashboards draw: bars, lines, pies, gauges, funnels and heat maps (HeatmapChart with
// VisualMapComponent), province maps (MapChart; shapes registered by china-map.ts), and the toolbox's "save as image" (a widget as PNG).
use([
  BarChart,
  LineChart,
  PieChart,
  GaugeChart,
  FunnelChart,
  HeatmapChart,
  MapChart,
  GeoComponent,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  TitleComponent,
  DatasetComponent,
  VisualMapComponent,
  ToolboxComponent,
  CanvasRenderer,
]);

export { init };
export { ensureChinaMap } from './china-map.ts';
