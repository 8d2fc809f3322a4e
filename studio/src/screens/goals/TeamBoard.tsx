import { lazy, Suspense, useMemo } from 'react';
import { api } from '../../api/client.ts';
import type { ListResponse } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useRouter } from '../../lib/router.tsx';
import { useSession } from '../../session.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { goalsApi, periodsOf, today, type AttainmentRow, type KpiDoc } from './api.ts';
import { Alerts } from './Alerts.tsx';
import { PaceBadge, PeriodPicker, toneOf, useFormat } from './parts.tsx';
import './goals.css';

const Chart = lazy(() => import('../../components/Charts.tsx'));

/** A manager's board: the members and sub-units of one unit side by side, ranked. */
export default function TeamBoard() {
  const { t, label, formatDate } = useI18n();
  const session = useSession();
  const { search, path, navigate } = useRouter();
  const asOf = /^\d{4}-\d{2}-\d{2}$/.test(search.get('asOf') ?? '') ? search.get('asOf')! : today();
  const period = search.get('period') ?? periodsOf(asOf).month;
  const catalog = useAsync(() => goalsApi.kpis(), []);
  const units = useAsync(() => api.get<ListResponse>('/objects/org_unit', { limit: 500, sort: 'name' }), []);
  const planned = new Set((catalog.data?.plans ?? []).map((p) => p.kpi));
  const kpis = (catalog.data?.data ?? []).filter((k) => !planned.size || planned.has(k.name));
  const kpiName = search.get('kpi') ?? kpis[0]?.name ?? '';
  const kpi = kpis.find((k) => k.name === kpiName);
  const ownUnit = typeof session.me?.user.org_unit_id === 'string' ? session.me.user.org_unit_id : undefined;
  const unit = search.get('unit') ?? ownUnit ?? units.data?.data[0]?.id ?? '';
  const board = useAsync(
    async () => (kpiName && unit ? Promise.all([goalsApi.attainment({ kpi: kpiName, period, asOf, team: unit }), goalsApi.attainment({ kpi: kpiName, period, asOf, unit })]) : undefined),
    [kpiName, unit, period, asOf],
  );
  const set = (key: string, value: string) => {
    const q = new URLSearchParams(search);
    q.set(key, value);
    navigate(`${path}?${q.toString()}`, { replace: true });
  };
  const rows = useMemo(() => [...(board.data?.[0].data ?? [])].sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0)), [board.data]);
  const whole = board.data?.[1].data[0];
  const people = useMemo(() => new Set(rows.filter((r) => r.subject.kind === 'person').map((r) => r.subject.id)), [rows]);

  return (
    <section className="goal-board">
      <PageHeader title={t('goals.nav.team')} />
      <div className="card goal-toolbar">
        <div className="field goal-field">
          <label className="field-label" htmlFor="board-unit">
            {t('goals.board.unit')}
          </label>
          <select id="board-unit" value={unit} onChange={(e) => set('unit', e.target.value)}>
            {(units.data?.data ?? []).map((u) => (
              <option key={u.id} value={u.id}>
                {String(u.name ?? u.id)}
              </option>
            ))}
          </select>
        </div>
        <div className="field goal-field">
          <label className="field-label" htmlFor="board-kpi">
            {t('goals.board.kpi')}
          </label>
          <select id="board-kpi" value={kpiName} onChange={(e) => set('kpi', e.target.value)}>
            {kpis.map((k) => (
              <option key={k.name} value={k.name}>
                {label(k.label, k.name)}
              </option>
            ))}
          </select>
        </div>
        <PeriodPicker id="board-period" day={asOf} value={period} onChange={(p) => set('period', p)} />
        <p className="muted small goal-asof">{t('goals.asOf', { date: formatDate(asOf) })}</p>
      </div>
      <ErrorAlert error={catalog.error ?? units.error ?? board.error} />
      {whole && kpi && <TeamSummary row={whole} kpi={kpi} />}
      {people.size > 0 && <Alerts subjects={people} kpiLabel={(name) => label(kpis.find((k) => k.name === name)?.label, name)} />}
      {board.data && !rows.length && <div className="card empty-state">{t('goals.board.empty')}</div>}
      {rows.length > 0 && kpi && (
        <>
          <div className="card card-flush">
            <div className="table-wrap goal-board-table">
              <table className="data">
                <thead>
                  <tr>
                    <th scope="col" className="num">
                      #
                    </th>
                    <th scope="col">{t('goals.board.member')}</th>
                    <th scope="col" className="num">
                      {t('goals.actual')}
                    </th>
                    <th scope="col" className="num">
                      {t('goals.target')}
                    </th>
                    <th scope="col">{t('goals.attainment')}</th>
                    <th scope="col">{t('goals.pacing')}</th>
                    <th scope="col" className="num">
                      {t('goals.projection')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <BoardRow key={`${r.subject.kind}:${r.subject.id}`} r={r} kpi={kpi} />
                  ))}
                </tbody>
              </table>
            </div>
            <ul className="goal-board-cards">
              {rows.map((r) => (
                <BoardCard key={`${r.subject.kind}:${r.subject.id}`} r={r} kpi={kpi} />
              ))}
            </ul>
          </div>
          <div className="card">
            <h2>{t('goals.board.compare')}</h2>
            <Compare rows={rows} />
          </div>
        </>
      )}
    </section>
  );
}

function TeamSummary({ row, kpi }: { row: AttainmentRow; kpi: KpiDoc }) {
  const { t } = useI18n();
  const f = useFormat();
  return (
    <div className="goal-summary">
      <div className="card">
        <span className="muted small">{t('goals.board.teamActual')}</span>
        <strong>{f.value(row.actual, kpi)}</strong>
      </div>
      <div className="card">
        <span className="muted small">{t('goals.target')}</span>
        <strong>{f.value(row.target, kpi)}</strong>
      </div>
      <div className="card">
        <span className="muted small">{t('goals.attainment')}</span>
        <strong>{f.pct(row.attainment)}</strong>
      </div>
      <div className="card">
        <span className="muted small">{t('goals.pacing')}</span>
        <strong className={`tone-text-${toneOf(row.pacing)}`}>{f.pct(row.pacing)}</strong>
      </div>
    </div>
  );
}

function Bar({ ratio }: { ratio: number | null }) {
  const f = useFormat();
  return (
    <span className="goal-bar">
      <span className="goal-bar-track">
        <span className="goal-bar-fill" style={{ width: `${Math.min(1, Math.max(0, ratio ?? 0)) * 100}%` }} />
      </span>
      <span className="goal-bar-text">{f.pct(ratio)}</span>
    </span>
  );
}

function Member({ r }: { r: AttainmentRow }) {
  const { t } = useI18n();
  return (
    <span className="goal-member">
      {r.subject.name}
      {r.subject.kind === 'unit' && <span className="badge">{t('goals.board.subUnit')}</span>}
    </span>
  );
}

function BoardRow({ r, kpi }: { r: AttainmentRow; kpi: KpiDoc }) {
  const f = useFormat();
  return (
    <tr data-testid="board-row">
      <td className="num">{r.rank}</td>
      <td>
        <Member r={r} />
      </td>
      <td className="num">{f.value(r.actual, kpi)}</td>
      <td className="num">{f.value(r.target, kpi)}</td>
      <td>
        <Bar ratio={r.attainment} />
      </td>
      <td>
        <PaceBadge ratio={r.pacing} />
      </td>
      <td className="num">{f.value(r.projection, kpi)}</td>
    </tr>
  );
}

function BoardCard({ r, kpi }: { r: AttainmentRow; kpi: KpiDoc }) {
  const { t } = useI18n();
  const f = useFormat();
  return (
    <li className="goal-board-card">
      <div className="row">
        <span className="goal-rank">{r.rank}</span>
        <strong>
          <Member r={r} />
        </strong>
        <span className="spacer" />
        <PaceBadge ratio={r.pacing} />
      </div>
      <Bar ratio={r.attainment} />
      <div className="muted small">
        {f.value(r.actual, kpi)} / {f.value(r.target, kpi)} · {t('goals.projection')} {f.value(r.projection, kpi)}
      </div>
    </li>
  );
}

function Compare({ rows }: { rows: AttainmentRow[] }) {
  const { t } = useI18n();
  const option = useMemo(() => {
    const pct = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 10);
    return {
      grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      legend: { top: 0 },
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => `${v}%` },
      xAxis: { type: 'value', axisLabel: { formatter: '{value}%' } },
      yAxis: { type: 'category', inverse: true, data: rows.map((r) => r.subject.name), axisLabel: { width: 90, overflow: 'truncate' } },
      series: [
        { name: t('goals.attainment'), type: 'bar', data: rows.map((r) => pct(r.attainment)), itemStyle: { color: '#6366f1', borderRadius: [0, 4, 4, 0] }, barMaxWidth: 14 },
        {
          name: t('goals.expectedShare'),
          type: 'bar',
          data: rows.map((r) => (r.target ? pct((r.expected ?? 0) / r.target) : null)),
          itemStyle: { color: 'rgba(138,147,163,0.55)', borderRadius: [0, 4, 4, 0] },
          barMaxWidth: 14,
        },
      ],
    };
  }, [rows, t]);
  return (
    <Suspense fallback={<div className="chart" />}>
      <Chart option={option} height={Math.max(180, rows.length * 44 + 48)} title={t('goals.board.compare')} />
    </Suspense>
  );
}
