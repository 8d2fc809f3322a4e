import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../i18n/i18n.tsx';

/** An ECharts option object; kept loose so this file does not pull echarts' types into the first chunk. */
export type ChartOption = Record<string, unknown>;

// ECharts with only the charts and components dashboards use, registered once (echarts-setup.ts).
const loadEcharts = () => import('./echarts-setup.ts');

export interface ChartProps {
  option: ChartOption;
  height?: number;
  /** Accessible description of what the chart shows. */
  title: string;
  /** A click on a bar, point or slice: its category index (dashboards drill down from it). */
  onSelect?: (dataIndex: number) => void;
}

/** The registered map a map series draws on, if the option has one. */
function mapName(option: ChartOption): string | undefined {
  const series = Array.isArray(option.series) ? (option.series as Array<{ type?: unknown; map?: unknown }>) : [];
  const map = series.find((s) => s.type === 'map')?.map;
  return typeof map === 'string' ? map : undefined;
}

/**
 * A chart backed by ECharts, loaded on first use as its own chunk so screens without charts never
 * download it. Follows the light/dark theme and resizes with its container.
 */
export default function Chart({ option, height = 300, title, onSelect }: ChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState(false);
  const { t } = useI18n();
  useEffect(() => {
    let disposed = false;
    let chart: { setOption: (o: ChartOption) => void; resize: () => void; dispose: () => void; on: (event: 'click', handler: (params: unknown) => void) => void } | undefined;
    let observer: ResizeObserver | undefined;
    void loadEcharts().then(
      async (echarts) => {
        // A province map needs its shapes registered first (their own chunk, loaded only here).
        const map = mapName(option);
        if (map) await echarts.ensureChinaMap(map);
        if (disposed || !ref.current) return;
        const dark = document.documentElement.dataset.theme === 'dark';
        chart = echarts.init(ref.current, dark ? 'dark' : undefined, { renderer: 'canvas' });
        chart.setOption({ backgroundColor: 'transparent', ...option });
        if (onSelect) {
          chart.on('click', (params) => {
            // A map shape stands for the report row it names (`data.row`); other charts' points are rows in order.
            const { dataIndex, data } = params as { dataIndex?: unknown; data?: { row?: unknown } };
            const index = typeof data?.row === 'number' ? data.row : dataIndex;
            if (typeof index === 'number') onSelect(index);
          });
        }
        observer = new ResizeObserver(() => chart?.resize());
        observer.observe(ref.current);
      },
      () => setFailed(true),
    );
    return () => {
      disposed = true;
      observer?.disconnect();
      chart?.dispose();
    };
  }, [option, onSelect]);
  if (failed) return <div className="alert alert-error">{t('errors.chart')}</div>;
  return <div ref={ref} className="chart" style={{ height }} role="img" aria-label={title} />;
}
