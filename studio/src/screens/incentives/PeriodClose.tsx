import { useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { api } from '../../api/client.ts';
import { Link, useRouter } from '../../lib/router.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { sumDecimals } from '../../lib/decimal.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { ConfirmDialog, PromptDialog } from '../../components/Dialog.tsx';
import { Icon } from '../../components/Icon.tsx';
import { incentivesApi, incentivesExtraApi, PERIOD_FLOW, thisPeriod, type Dispute, type PeriodStatus } from './api.ts';
import { StatusBadge, useMoney } from './parts.tsx';
import { ResolveDispute } from './ResolveDispute.tsx';
import './incentives.css';

const NEXT_ACTION: Partial<Record<PeriodStatus, PeriodStatus>> = { calculated: 'approved', approved: 'paid', paid: 'closed' };

/** Finance's period close: calculate → approve → pay → close, the payouts (CSV for payroll) and open disputes. */
export default function PeriodClose() {
  const { t } = useI18n();
  const { search, path, navigate } = useRouter();
  const f = useMoney();
  const periods = useAsync(() => incentivesApi.periods(), []);
  const list = periods.data ?? [];
  const period = search.get('period') ?? [...list].reverse().find((p) => p.status !== 'closed')?.period ?? list.at(-1)?.period ?? thisPeriod();
  const status = list.find((p) => p.period === period)?.status;
  const payouts = useAsync(() => incentivesApi.payouts(period), [period, status]);
  const users = useAsync(() => api.get<{ data: Array<{ id: string; name: string }> }>('/objects/user', { limit: 200 }).then((r) => new Map(r.data.map((u) => [u.id, u.name]))), []);
  const disputes = useAsync(() => incentivesApi.disputes(), []);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<PeriodStatus | null>(null);
  const [opening, setOpening] = useState(false);
  const [resolving, setResolving] = useState<{ d: Dispute; status: 'accepted' | 'rejected' } | null>(null);
  const act = async (fn: () => Promise<unknown>, done?: string) => {
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      await fn();
      if (done) setNote(done);
      periods.reload();
      payouts.reload();
      disputes.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const select = (p: string) => navigate(`${path}?period=${encodeURIComponent(p)}`, { replace: true });
  const totals = new Map<string, string>();
  for (const p of payouts.data ?? []) totals.set(p.currency, sumDecimals([totals.get(p.currency) ?? '0', p.payout]));
  const next = status ? NEXT_ACTION[status] : undefined;
  const name = (id: string) => users.data?.get(id) ?? id.slice(0, 8);
  const openDisputes = (disputes.data ?? []).filter((d) => d.status === 'open');

  return (
    <section className="inc-close">
      <PageHeader
        title={t('incentives.nav.periods')}
        actions={
          <button type="button" className="btn" onClick={() => setOpening(true)}>
            + {t('incentives.close.openPeriod')}
          </button>
        }
      />
      <ErrorAlert error={periods.error ?? error} />
      {note && (
        <div className="alert alert-success" role="status">
          {note}
        </div>
      )}

      <div className="card">
        <div className="inc-subhead" style={{ margin: '0 0 8px' }}>
          <div className="field inc-field">
            <label className="field-label" htmlFor="inc-close-period">
              {t('incentives.period')}
            </label>
            <select id="inc-close-period" value={period} onChange={(e) => select(e.target.value)}>
              {(list.some((p) => p.period === period) ? list : [...list, { period, status: 'open' as const }]).map((p) => (
                <option key={p.period} value={p.period}>
                  {p.period} · {t(`incentives.status.${p.status}`)}
                </option>
              ))}
            </select>
          </div>
          <StatusBadge status={status} />
        </div>
        <ol className="inc-flow" aria-label={t('incentives.close.flow')}>
          {PERIOD_FLOW.map((s) => {
            const here = status ? PERIOD_FLOW.indexOf(status) : -1;
            const i = PERIOD_FLOW.indexOf(s);
            return (
              <li key={s} className={i < here ? 'done' : i === here ? 'current' : ''}>
                {i < here && <Icon name="check" size={14} />}
                {t(`incentives.status.${s}`)}
              </li>
            );
          })}
        </ol>
        <div className="inc-period-actions">
          <button
            type="button"
            className="btn btn-primary"
            disabled={busy || !status || !['open', 'calculated'].includes(status)}
            onClick={() =>
              void act(async () => {
                const r = await incentivesApi.recalculate();
                setNote(t('incentives.close.calculated', { payees: r.payees, lines: r.lines, ms: Math.round(r.ms.total) }));
              })
            }
          >
            {t('incentives.close.calculate')}
          </button>
          {next && (
            <button type="button" className="btn btn-primary" disabled={busy} onClick={() => setConfirm(next)}>
              {t(`incentives.close.to.${next}`)}
            </button>
          )}
          <button type="button" className="btn" disabled={!payouts.data?.length} onClick={() => void act(() => incentivesApi.payoutsCsv(period))}>
            <Icon name="download" size={16} /> {t('incentives.close.exportCsv')}
          </button>
          <button type="button" className="btn" disabled={!payouts.data?.length} onClick={() => void act(() => incentivesExtraApi.payoutsXlsx(period))}>
            <Icon name="download" size={16} /> {t('incentives.export.xlsx')}
          </button>
        </div>
      </div>

      <div className="card card-flush">
        <div className="inc-section-h" style={{ padding: '14px 18px 0' }}>
          <h2>{t('incentives.close.payouts')}</h2>
        </div>
        <ErrorAlert error={payouts.error} />
        {payouts.data && payouts.data.length === 0 && (
          <p className="muted" style={{ padding: '0 18px 14px' }}>
            {t('incentives.close.noPayouts')}
          </p>
        )}
        {payouts.data && payouts.data.length > 0 && (
          <div className="table-wrap">
            <table className="data" data-testid="payouts-table">
              <thead>
                <tr>
                  <th>{t('incentives.close.payee')}</th>
                  <th>{t('incentives.close.plan')}</th>
                  <th className="num">{t('incentives.earned')}</th>
                  <th className="num">{t('incentives.adjustments')}</th>
                  <th className="num">{t('incentives.payout')}</th>
                </tr>
              </thead>
              <tbody>
                {payouts.data.map((p) => (
                  <tr key={`${p.payeeId}:${p.planId}`}>
                    <td>
                      <Link to={`/incentives/me?payee=${encodeURIComponent(p.payeeId)}&period=${encodeURIComponent(p.period)}`}>{name(p.payeeId)}</Link>
                    </td>
                    <td>{p.planId}</td>
                    <td className="num">{f.money(p.earned, p.currency)}</td>
                    <td className="num">{f.money(p.adjustments, p.currency)}</td>
                    <td className="num">
                      <strong>{f.money(p.payout, p.currency)}</strong>
                    </td>
                  </tr>
                ))}
                {[...totals].map(([currency, total]) => (
                  <tr key={currency} className="inc-total-row">
                    <td colSpan={4}>
                      <strong>{t('incentives.close.total')}</strong>
                    </td>
                    <td className="num" data-testid="payouts-total">
                      <strong>{f.money(total, currency)}</strong>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>

      <div className="card">
        <div className="inc-section-h">
          <h2>{t('incentives.close.disputes')}</h2>
          <span className="badge">{openDisputes.length}</span>
        </div>
        {openDisputes.length === 0 ? (
          <p className="muted small">{t('incentives.close.noDisputes')}</p>
        ) : (
          <ul className="inc-assign-list">
            {openDisputes.map((d) => (
              <li key={d.id}>
                <span style={{ flex: 1, minWidth: 180 }}>
                  <strong>{name(d.payee_id)}</strong> · {d.period} · <code className="small">{d.line_key}</code>
                  <br />
                  <span className="muted">{d.reason}</span>
                </span>
                <button type="button" className="btn btn-sm" onClick={() => setResolving({ d, status: 'accepted' })}>
                  {t('incentives.close.accept')}
                </button>
                <button type="button" className="btn btn-sm btn-danger" onClick={() => setResolving({ d, status: 'rejected' })}>
                  {t('incentives.close.reject')}
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>

      <ConfirmDialog
        open={confirm !== null}
        title={confirm ? t(`incentives.close.to.${confirm}`) : ''}
        message={confirm ? t(`incentives.close.confirm.${confirm}`, { period }) : ''}
        confirmLabel={confirm ? t(`incentives.close.to.${confirm}`) : ''}
        onClose={() => setConfirm(null)}
        onConfirm={async () => {
          const to = confirm;
          setConfirm(null);
          if (to) await act(() => incentivesApi.setStatus(period, to), t('incentives.close.moved', { period, status: t(`incentives.status.${to}`) }));
        }}
      />
      <PromptDialog
        open={opening}
        title={t('incentives.close.openPeriod')}
        label={t('incentives.close.periodLabel')}
        initial={thisPeriod()}
        submitLabel={t('incentives.close.open')}
        validate={(v) => (/^\d{4}-(0[1-9]|1[0-2])$/.test(v.trim()) ? undefined : t('incentives.close.periodFormat'))}
        onClose={() => setOpening(false)}
        onSubmit={async (v) => {
          setOpening(false);
          await act(() => incentivesApi.openPeriod(v.trim()));
          select(v.trim());
        }}
      />
      <ResolveDispute
        dispute={resolving?.d ?? null}
        status={resolving?.status ?? 'accepted'}
        onClose={() => setResolving(null)}
        onSubmit={async (decision) => {
          const r = resolving;
          setResolving(null);
          if (r) await act(() => incentivesApi.resolveDispute(r.d.id, decision), t(decision.status === 'accepted' ? 'incentives.close.accepted' : 'incentives.close.rejected'));
        }}
      />
    </section>
  );
}
