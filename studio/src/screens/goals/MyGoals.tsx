import { useI18n } from '../../i18n/i18n.tsx';
import { useRouter } from '../../lib/router.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { goalsApi, periodsOf, today, type AttainmentResponse, type KpiDoc } from './api.ts';
import { Gauge, PaceBadge, PeriodPicker, toneOf, useFormat } from './parts.tsx';
import { Alerts } from './Alerts.tsx';
import './goals.css';

/** A rep's own goals: per KPI the pacing gauge, actual against expected-to-date, run-rate and rank. */
export default function MyGoals() {
  const { t, label, formatDate } = useI18n();
  const { search, path, navigate } = useRouter();
  const asOf = /^\d{4}-\d{2}-\d{2}$/.test(search.get('asOf') ?? '') ? search.get('asOf')! : today();
  const period = search.get('period') ?? periodsOf(asOf).month;
  const catalog = useAsync(() => goalsApi.kpis(), []);
  const planned = new Set((catalog.data?.plans ?? []).map((p) => p.kpi));
  const all = catalog.data?.data ?? [];
  const kpis = planned.size ? all.filter((k) => planned.has(k.name)) : all;
  const names = kpis.map((k) => k.name).join(',');
  const results = useAsync(
    () =>
      Promise.all(
        kpis.map((k) =>
          goalsApi.attainment({ kpi: k.name, period, asOf }).then(
            (r) => ({ ok: r }),
            (error: unknown) => ({ error }),
          ),
        ),
      ),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed by the KPI names
    [names, period, asOf],
  );
  const setPeriod = (p: string) => {
    const q = new URLSearchParams(search);
    q.set('period', p);
    navigate(`${path}?${q.toString()}`, { replace: true });
  };

  return (
    <section className="goal-mine">
      <PageHeader title={t('goals.nav.mine')} />
      <div className="goal-subhead">
        <p className="muted">{t('goals.asOf', { date: formatDate(asOf) })}</p>
        <PeriodPicker id="goal-period" day={asOf} value={period} onChange={setPeriod} />
      </div>
      <ErrorAlert error={catalog.error} />
      <Alerts kpiLabel={(name) => label(all.find((k) => k.name === name)?.label, name)} />
      {catalog.data && kpis.length === 0 && <div className="card empty-state">{t('goals.noKpis')}</div>}
      {!results.data && !catalog.error && <div className="loading">{t('common.loading')}</div>}
      <div className="goal-cards">
        {results.data?.map((r, i) => {
          const kpi = kpis[i];
          if (!kpi) return null;
          return 'ok' in r ? (
            <GoalCard key={kpi.name} kpi={kpi} res={r.ok} />
          ) : (
            <div key={kpi.name} className="card goal-card">
              <KpiTitle kpi={kpi} />
              <ErrorAlert error={r.error} />
            </div>
          );
        })}
      </div>
    </section>
  );
}

function KpiTitle({ kpi }: { kpi: KpiDoc }) {
  const { label } = useI18n();
  return <h2 className="goal-card-title">{label(kpi.label, kpi.name)}</h2>;
}

function GoalCard({ kpi, res }: { kpi: KpiDoc; res: AttainmentResponse }) {
  const { t } = useI18n();
  const f = useFormat();
  const row = res.data[0];
  if (!row) return null;
  const hasTarget = row.target !== null && row.target !== 0;
  const share = (v: number | null) => (hasTarget && v !== null ? Math.max(0, Math.min(1, v / row.target!)) : 0);
  const gap = row.actual !== null && row.expected !== null ? row.actual - row.expected : null;
  return (
    <article className="card goal-card" data-testid="goal-card" data-kpi={kpi.name} aria-label={t('goals.cardLabel', { kpi: row.kpi })}>
      <div className="goal-card-head">
        <KpiTitle kpi={kpi} />
        <PaceBadge ratio={row.pacing} />
      </div>
      <div className="goal-card-body">
        <div className="goal-gauge-box">
          <Gauge ratio={hasTarget ? row.pacing : null} label={t('goals.pacingGauge', { value: f.pct(row.pacing) })} />
          <div className="goal-gauge-caption muted small">{t('goals.pacing')}</div>
        </div>
        <dl className="goal-stats">
          <div>
            <dt>{t('goals.actual')}</dt>
            <dd data-testid="goal-actual">{f.value(row.actual, kpi)}</dd>
          </div>
          <div>
            <dt>{t('goals.target')}</dt>
            <dd>{f.value(row.target, kpi)}</dd>
          </div>
          <div>
            <dt>{t('goals.expected')}</dt>
            <dd>{f.value(row.expected, kpi)}</dd>
          </div>
          <div>
            <dt>{t('goals.attainment')}</dt>
            <dd>{f.pct(row.attainment)}</dd>
          </div>
          <div>
            <dt>{t('goals.projection')}</dt>
            <dd>{f.value(row.projection, kpi)}</dd>
          </div>
          <div>
            <dt>{t('goals.rank')}</dt>
            <dd>{res.peers ? t('goals.rankOf', { rank: res.peers.rank, of: res.peers.of }) : '—'}</dd>
          </div>
        </dl>
      </div>
      {hasTarget && (
        <div className="goal-progress" role="img" aria-label={t('goals.progressLabel', { actual: f.value(row.actual, kpi), expected: f.value(row.expected, kpi), target: f.value(row.target, kpi) })}>
          <div className={`goal-progress-bar tone-${toneOf(row.pacing)}`} style={{ width: `${share(row.actual) * 100}%` }} />
          <div className="goal-progress-mark" style={{ left: `${share(row.expected) * 100}%` }} title={t('goals.expected')} />
        </div>
      )}
      {hasTarget && gap !== null && (
        <p className="small goal-gap">
          {gap >= 0 ? t('goals.ahead', { value: f.value(gap, kpi) }) : t('goals.behind', { value: f.value(-gap, kpi) })}
          {row.projection !== null && <> · {t('goals.willReach', { value: f.pct(row.projection / row.target!) })}</>}
        </p>
      )}
    </article>
  );
}
