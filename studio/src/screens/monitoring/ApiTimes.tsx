import { lazy, Suspense, useMemo, useState } from 'react';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useI18n } from '../../i18n/i18n.tsx';
import { useScreenText } from '../../i18n/screen-text.ts';
import { useAsync } from '../../lib/useAsync.ts';
import { monitoringApi, ms, RANGES, type RangeKey, type RouteRow } from './api.ts';
import { MONITORING_TEXT } from './text.ts';
import ThresholdForm from './ThresholdForm.tsx';
import './monitoring.css';

const Chart = lazy(() => import('../../components/Charts.tsx'));
const keyOf = (r: Pick<RouteRow, 'method' | 'route'>) => `${r.method} ${r.route}`;

/**
 * API response times (administrators): p50/p95/p99, requests and errors per route for a period,
 * the chosen route (or all) over time as lines, and the alert thresholds as a form.
 */
export default function ApiTimes() {
  const { locale } = useI18n();
  const t = useScreenText(MONITORING_TEXT);
  const [range, setRange] = useState<RangeKey>('hour');
  const [selected, setSelected] = useState<Pick<RouteRow, 'method' | 'route'> | null>(null);
  const [tick, setTick] = useState(0);
  const spec = RANGES[range];
  const summary = useAsync(() => monitoringApi.latency({ bucket: spec.bucket, from: new Date(Date.now() - spec.spanMs).toISOString() }), [range, tick]);
  const chosen = useAsync(
    () =>
      selected
        ? monitoringApi.latency({ bucket: spec.bucket, from: new Date(Date.now() - spec.spanMs).toISOString(), route: selected.route, method: selected.method as 'GET' })
        : Promise.resolve(null),
    [range, tick, selected?.route, selected?.method],
  );
  const routes = summary.data?.data.routes ?? [];
  const shown = selected ? chosen.data?.data : summary.data?.data;
  const points = shown?.series ?? [];
  const label = selected ? keyOf(selected) : t('monitoring.allRoutes');
  const option = useMemo(
    () => ({
      animation: false,
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 32, bottom: 32 },
      // The axis spans the whole period asked for, so a quiet hour looks quiet rather than zoomed in.
      xAxis: { type: 'time', min: shown?.from, max: shown?.to },
      yAxis: { type: 'value', name: 'ms' },
      series: (['p50', 'p95', 'p99'] as const).map((p) => ({ type: 'line', name: p, showSymbol: points.length < 30, data: points.map((x) => [x.at, x[p]]) })),
    }),
    [points, shown?.from, shown?.to],
  );

  return (
    <section className="monitoring" data-testid="api-times">
      <PageHeader title={t('monitoring.title')} />
      <p className="muted">{t('monitoring.intro')}</p>
      <p className="monitoring-bar">
        <label>
          {t('monitoring.range')}{' '}
          <select value={range} onChange={(e) => setRange(e.target.value as RangeKey)} data-testid="api-times-range">
            {(Object.keys(RANGES) as RangeKey[]).map((k) => (
              <option key={k} value={k}>
                {t(`monitoring.ranges.${k}`)}
              </option>
            ))}
          </select>
        </label>{' '}
        <button type="button" className="btn btn-sm" onClick={() => setTick((n) => n + 1)}>
          {t('monitoring.refresh')}
        </button>
      </p>
      <ErrorAlert error={summary.error ?? chosen.error} />
      {points.length > 0 && (
        <Suspense fallback={<div className="chart" style={{ height: 260 }} />}>
          <Chart option={option} height={260} title={t('monitoring.chart', { route: label })} />
        </Suspense>
      )}
      {summary.data && !routes.length && <p className="muted">{t('monitoring.none')}</p>}
      {routes.length > 0 && (
        <div className="table-wrap">
          <table className="data" data-testid="api-times-routes">
            <thead>
              <tr>
                <th>{t('monitoring.route')}</th>
                <th className="num">{t('monitoring.requests')}</th>
                <th className="num">{t('monitoring.errors')}</th>
                <th className="num">p50</th>
                <th className="num">p95</th>
                <th className="num">p99</th>
              </tr>
            </thead>
            <tbody>
              <tr className={selected ? undefined : 'selected'}>
                <td colSpan={6}>
                  <button type="button" className="btn-link" onClick={() => setSelected(null)}>
                    {t('monitoring.allRoutes')}
                  </button>
                </td>
              </tr>
              {routes.map((r) => (
                <tr key={keyOf(r)} className={selected && keyOf(selected) === keyOf(r) ? 'selected' : undefined}>
                  <td className="monitoring-route">
                    <button type="button" className="btn-link" translate="no" aria-label={t('monitoring.show', { route: keyOf(r) })} onClick={() => setSelected({ method: r.method, route: r.route })}>
                      {keyOf(r)}
                    </button>
                  </td>
                  <td className="num">{r.count.toLocaleString(locale)}</td>
                  <td className="num">
                    {r.errors4xx} / {r.errors5xx}
                  </td>
                  <td className="num">{ms(r.p50)}</td>
                  <td className="num">{ms(r.p95)}</td>
                  <td className="num">{ms(r.p99)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ThresholdForm routes={routes.map((r) => r.route)} t={t} />
    </section>
  );
}
