// The only module that imports ECharts. Named, static imports let the bundler drop every chart
// and component not listed here; a dynamic `import('echarts/charts')` keeps them all, because a
// namespace object must hold every export. Charts.tsx loads this file lazily, as its own chunk.
import { init, use } from 'echarts/core';
import { BarChart, FunnelChart, GaugeChart, LineChart, PieChart } from 'echarts/charts';
import { DatasetComponent, GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

// What dashboards draw: bars, lines, pies, gauges and funnels. A heat map needs HeatmapChart and
// VisualMapComponent added here (about +14 kB gzipped).
use([BarChart, LineChart, PieChart, GaugeChart, FunnelChart, GridComponent, TooltipComponent, LegendComponent, TitleComponent, DatasetComponent, CanvasRenderer]);

export { init };
