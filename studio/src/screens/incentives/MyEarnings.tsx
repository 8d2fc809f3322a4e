import { useI18n } from '../../i18n/i18n.tsx';
import { useRouter } from '../../lib/router.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { sumDecimals } from '../../lib/decimal.ts';
import { useSession } from '../../session.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { Icon } from '../../components/Icon.tsx';
import { incentivesApi, thisPeriod, type StatementLine } from './api.ts';
import { LineTrace } from './LineTrace.tsx';
import { StatusBadge, useComponentLabel, useMoney } from './parts.tsx';
import './incentives.css';

/**
 * A payee's statement for one period: the payout summary, every line, and under each line its
 * trace. Reps see their own; a manager or finance may open a team member's with `?payee=`.
 */
export default function MyEarnings() {
  const { t, label } = useI18n();
  const { me } = useSession();
  const { search, path, navigate } = useRouter();
  const f = useMoney();
  const payee = search.get('payee') ?? me?.user.id ?? '';
  const periods = useAsync(() => incentivesApi.periods(), []);
  const plans = useAsync(() => incentivesApi.plans(), []);
  const known = periods.data ?? [];
  const fallback = [...known].reverse().find((p) => p.period <= thisPeriod())?.period ?? known.at(-1)?.period ?? thisPeriod();
  const period = search.get('period') ?? fallback;
  const open = search.get('line');
  const statement = useAsync(() => (payee && periods.data ? incentivesApi.statement(payee, period) : Promise.resolve(undefined)), [payee, period, periods.data]);
  const disputes = useAsync(() => incentivesApi.disputes(), []);
  const componentLabel = useComponentLabel(plans.data);
  const setQuery = (key: string, value: string | null) => {
    const q = new URLSearchParams(search);
    if (value === null) q.delete(key);
    else q.set(key, value);
    navigate(`${path}?${q.toString()}`, { replace: true });
  };
  const s = statement.data;
  const currency = s?.payouts[0]?.currency ?? s?.lines[0]?.currency;
  const total = (k: 'payout' | 'earned' | 'adjustments' | 'points') => sumDecimals((s?.payouts ?? []).map((p) => p[k]));
  const lineName = (l: StatementLine) => componentLabel(l.planId, l.component) || t(`incentives.kind.${l.kind}`);
  const periodOptions = known.some((p) => p.period === period) ? known : [...known, { period, status: null }];

  return (
    <section className="inc-earnings">
      <PageHeader
        title={t('incentives.nav.earnings')}
        actions={
          <button
            type="button"
            className="btn"
            onClick={() => {
              statement.reload();
              disputes.reload();
            }}
          >
            <Icon name="undo" size={16} /> {t('incentives.refresh')}
          </button>
        }
      />
      <div className="inc-subhead">
        <div className="field inc-field">
          <label className="field-label" htmlFor="inc-period">
            {t('incentives.period')}
          </label>
          <select id="inc-period" value={period} onChange={(e) => setQuery('period', e.target.value)}>
            {periodOptions.map((p) => (
              <option key={p.period} value={p.period}>
                {p.period}
              </option>
            ))}
          </select>
        </div>
        <StatusBadge status={s?.status} />
      </div>
      <ErrorAlert error={periods.error ?? statement.error} />
      {!s && !statement.error && <div className="loading">{t('common.loading')}</div>}
      {s && (
        <>
          <div className="inc-kpis" data-testid="statement-summary">
            <div className="card inc-kpi inc-kpi-main">
              <span className="muted small">{t('incentives.payout')}</span>
              <strong data-testid="statement-payout">{f.money(total('payout'), currency)}</strong>
            </div>
            <div className="card inc-kpi">
              <span className="muted small">{t('incentives.earned')}</span>
              <strong>{f.money(total('earned'), currency)}</strong>
            </div>
            <div className="card inc-kpi">
              <span className="muted small">{t('incentives.adjustments')}</span>
              <strong>{f.money(total('adjustments'), currency)}</strong>
            </div>
            <div className="card inc-kpi">
              <span className="muted small">{t('incentives.points')}</span>
              <strong>{f.num(total('points'))}</strong>
            </div>
          </div>
          {s.lines.length === 0 ? (
            <div className="card empty-state">{t('incentives.noLines')}</div>
          ) : (
            <div className="card card-flush">
              <ul className="inc-lines" aria-label={t('incentives.lines')}>
                {s.lines.map((l) => {
                  const expanded = open === l.key;
                  const dispute = disputes.data?.find((d) => d.payee_id === l.payeeId && d.period === l.period && d.line_key === l.key);
                  return (
                    <li key={l.key} className={`inc-line${expanded ? ' is-open' : ''}`} data-testid="statement-line" data-component={l.component ?? ''}>
                      <button type="button" className="inc-line-head" aria-expanded={expanded} onClick={() => setQuery('line', expanded ? null : l.key)}>
                        <span className="inc-line-name">
                          <strong>{lineName(l)}</strong>
                          <span className="muted small">
                            {label(plans.data?.find((p) => p.id === l.trace.plan.id)?.label, l.trace.plan.name)} v{l.planVersion} · {t(`incentives.kind.${l.kind}`)}
                            {dispute ? ` · ${t(`incentives.dispute.${dispute.status}`)}` : ''}
                          </span>
                        </span>
                        <span className="inc-line-amount" data-testid="line-amount">
                          {Number(l.points) !== 0 && Number(l.amount) === 0 ? `${f.num(l.points)} ${t('incentives.pointsUnit')}` : f.money(l.amount, l.currency)}
                        </span>
                        <span className="inc-why">{expanded ? t('incentives.hide') : t('incentives.why')}</span>
                      </button>
                      {expanded && <LineTrace line={l} componentLabel={componentLabel(l.planId, l.component)} dispute={dispute} onDisputed={disputes.reload} />}
                    </li>
                  );
                })}
              </ul>
            </div>
          )}
        </>
      )}
    </section>
  );
}
