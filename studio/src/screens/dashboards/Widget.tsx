import { lazy, Suspense, useCallback, useMemo, useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { Link } from '../../lib/router.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useSession } from '../../session.tsx';
import { titleField } from '../../lib/meta.ts';
import { dashboardsApi, type ReportResult, type WidgetAnswer } from './api.ts';
import { mapOption, numeric, widgetOption } from '@attain/engine/charts';

const Chart = lazy(() => import('../../components/Charts.tsx'));
const ROW_HEIGHT = 80;
const GAP = 12;
/** A card's title and padding, in pixels. */
const CARD_CHROME = 96;
/** A line of note under a chart (a map's unplaced rows). */
const NOTE_HEIGHT = 28;

/** A KPI card: the first measure's total, against the widget's target when it has one. */
function KpiCard({ result, target }: { result: ReportResult; target: string | null }) {
  const { t, locale } = useI18n();
  const m = result.measures[0];
  const value = numeric(m ? result.totals.values[m.name] : 0);
  const fmt = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  return (
    <div className="kpi-card">
      <strong className="kpi-value">{fmt.format(value)}</strong>
      {target && <span className="muted">{t('dashboards.ofTarget', { target: fmt.format(numeric(target)), pct: fmt.format(numeric(target) === 0 ? 0 : (value / numeric(target)) * 100) })}</span>}
    </div>
  );
}

/** Rows × measures as a table; a leaderboard is the same ranked by its first measure. Each row drills down. */
function ReportTable({ result, ranked, onDrill }: { result: ReportResult; ranked: boolean; onDrill: (index: number) => void }) {
  const { locale, t } = useI18n();
  const fmt = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  const first = result.measures[0]?.name ?? '';
  const order = result.rows.map((_, i) => i);
  // The top-N's "other" row is everyone else together: ranked last, never first, and named so.
  const isOther = (i: number) => result.rows[i]?.other === true;
  if (ranked) order.sort((a, b) => Number(isOther(a)) - Number(isOther(b)) || numeric(result.rows[b]?.values[first]) - numeric(result.rows[a]?.values[first]));
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            {ranked && <th scope="col">#</th>}
            {result.groups.map((g) => (
              <th key={g.field} scope="col">
                {g.label}
              </th>
            ))}
            {result.measures.map((m) => (
              <th key={m.name} scope="col" className="num">
                {m.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {order.map((i, rank) => {
            const r = result.rows[i];
            if (!r) return null;
            return (
              <tr key={i}>
                {ranked && <td>{r.other ? '' : rank + 1}</td>}
                {r.labels.map((l, j) => (
                  <td key={j}>
                    {j === 0 && !r.other ? (
                      <button type="button" className="link-button" onClick={() => onDrill(i)}>
                        {l ?? '—'}
                      </button>
                    ) : r.other && j === 0 ? (
                      t('dashboards.others')
                    ) : (
                      (l ?? '—')
                    )}
                  </td>
                ))}
                {result.measures.map((m) => (
                  <td key={m.name} className="num">
                    {r.values[m.name] === null ? '—' : fmt.format(numeric(r.values[m.name]))}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/**
 * One widget of a dashboard: its chart (or KPI card, table, leaderboard), blank with a note when
 * the caller may not read its object, and the records behind a bar, slice or row on a click.
 */
export function Widget({ widget }: { widget: WidgetAnswer }) {
  const { t, label, locale } = useI18n();
  const session = useSession();
  const [drilled, setDrilled] = useState<{ key: string; rows: Array<Record<string, unknown>>; object: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const result = widget.result;
  const title = widget.title ? label(widget.title) : (result?.measures[0]?.label ?? widget.id);
  const option = useMemo(() => {
    if (!result) return null;
    const extra = (widget.series ?? []).map((s) => ({ name: s.title ? label(s.title) : (s.result?.measures[0]?.label ?? s.id), result: s.result }));
    return widgetOption(widget.chart, result, widget.target, widget.id, extra, locale);
  }, [widget.chart, widget.target, widget.series, result, label, widget.id, locale]);
  // Rows a map cannot place are said, not silently left off.
  const unplaced = useMemo(() => (result && widget.chart === 'map' ? mapOption(result).unplaced : 0), [widget.chart, result]);
  const drill = useCallback(
    (index: number) => {
      const row = result?.rows[index];
      if (!row || row.other) return;
      setError(null);
      dashboardsApi.drill(widget.question, row.keys[0] ?? null).then(
        (d) => setDrilled({ key: row.labels[0] ?? row.keys[0] ?? '—', rows: d.data, object: d.object }),
        (e: unknown) => setError(e),
      );
    },
    [result, widget.question],
  );
  // The card spans h rows of ROW_HEIGHT and the gaps between them; the chart gets what its title and padding leave.
  const chartHeight = Math.max(120, widget.layout.h * (ROW_HEIGHT + GAP) - GAP - CARD_CHROME - (unplaced > 0 ? NOTE_HEIGHT : 0));
  const drilledDoc = drilled ? session.object(drilled.object) : undefined;
  const drilledTitle = drilledDoc ? titleField(drilledDoc) : 'id';
  return (
    <section
      className="card dashboard-widget"
      aria-label={title}
      data-testid={`widget-${widget.id}`}
      style={{ gridColumn: `${widget.layout.x + 1} / span ${widget.layout.w}`, gridRow: `${widget.layout.y + 1} / span ${widget.layout.h}` }}
    >
      <h2>{title}</h2>
      {widget.error || !result ? (
        <p className="muted">{t('dashboards.notVisible')}</p>
      ) : widget.chart === 'kpi' ? (
        <KpiCard result={result} target={widget.target} />
      ) : widget.chart === 'table' || widget.chart === 'pivot' || widget.chart === 'leaderboard' || (widget.chart === 'heatmap' && result.groups.length !== 2) ? (
        <ReportTable result={result} ranked={widget.chart === 'leaderboard'} onDrill={drill} />
      ) : (
        option && (
          <Suspense fallback={<div className="chart" style={{ height: chartHeight }} />}>
            <Chart option={option} height={chartHeight} title={title} onSelect={result.groups.length === 1 && widget.chart !== 'combo' ? drill : undefined} />
          </Suspense>
        )
      )}
      {unplaced > 0 && <p className="muted">{t('dashboards.unplaced', { count: String(unplaced) })}</p>}
      <ErrorAlert error={error} />
      {drilled && (
        <div className="drill" data-testid={`drill-${widget.id}`}>
          <h3>{t('dashboards.recordsFor', { key: drilled.key })}</h3>
          <ul>
            {drilled.rows.map((r) => (
              <li key={String(r.id)}>
                <Link to={`/o/${drilled.object}/${String(r.id)}`}>{String(r[drilledTitle] ?? r.id)}</Link>
              </li>
            ))}
          </ul>
          <button type="button" className="btn btn-sm" onClick={() => setDrilled(null)}>
            {t('dashboards.closeDrill')}
          </button>
        </div>
      )}
    </section>
  );
}
