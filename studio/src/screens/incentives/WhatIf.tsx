import { useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { api } from '../../api/client.ts';
import { useAsync } from '../../lib/useAsync.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { incentivesApi, incentivesExtraApi, thisPeriod, type PlanDoc, type WhatIfResult } from './api.ts';
import { useMoney } from './parts.tsx';
import './incentives.css';

/**
 * What-if comparison (finance, admins): a draft version of a plan, or its JSON edited here, run
 * over a period's real data next to the live plan, per payee and component. Nothing is stored.
 */
export default function WhatIf() {
  const { t } = useI18n();
  const f = useMoney();
  const plans = useAsync(() => incentivesApi.plans(), []);
  const users = useAsync(() => api.get<{ data: Array<{ id: string; name: string }> }>('/objects/user', { limit: 200 }).then((r) => new Map(r.data.map((u) => [u.id, u.name]))), []);
  const [planId, setPlanId] = useState('');
  const [period, setPeriod] = useState(thisPeriod());
  const [version, setVersion] = useState('');
  const [edited, setEdited] = useState('');
  const [result, setResult] = useState<WhatIfResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const plan: PlanDoc | undefined = (plans.data ?? []).find((p) => p.id === planId) ?? plans.data?.[0];
  const name = (id: string) => users.data?.get(id) ?? id.slice(0, 8);
  const run = async () => {
    if (!plan) return;
    setBusy(true);
    setError(null);
    try {
      const body: { period: string; planId: string; version?: number; plan?: PlanDoc } = { period, planId: plan.id };
      if (version) body.version = Number(version);
      if (edited.trim()) body.plan = JSON.parse(edited) as PlanDoc;
      setResult(await incentivesExtraApi.whatIf(body));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const cur = result?.whatif.currency;
  const deltaClass = (d: string) => (d.startsWith('-') ? 'inc-delta-down' : d === '0' ? '' : 'inc-delta-up');

  return (
    <section className="inc-whatif">
      <PageHeader title={t('incentives.whatif.title')} />
      <ErrorAlert error={plans.error ?? error} />
      <div className="card">
        <div className="inc-subhead">
          <div className="field inc-field">
            <label className="field-label" htmlFor="wi-plan">
              {t('incentives.whatif.plan')}
            </label>
            <select
              id="wi-plan"
              value={plan?.id ?? ''}
              onChange={(e) => {
                setPlanId(e.target.value);
                setEdited('');
                setVersion('');
              }}
            >
              {(plans.data ?? []).map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field inc-field">
            <label className="field-label" htmlFor="wi-period">
              {t('incentives.period')}
            </label>
            <input id="wi-period" value={period} pattern="\d{4}-\d{2}" onChange={(e) => setPeriod(e.target.value)} />
          </div>
          <div className="field inc-field">
            <label className="field-label" htmlFor="wi-version">
              {t('incentives.whatif.version')}
            </label>
            <select id="wi-version" value={version} onChange={(e) => setVersion(e.target.value)}>
              <option value="">{t('incentives.whatif.effective')}</option>
              {(plan?.versions ?? []).map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version} · {v.effectiveFrom}
                </option>
              ))}
            </select>
          </div>
          <button type="button" className="btn btn-primary" disabled={busy || !plan} onClick={() => void run()} data-testid="whatif-run">
            {t('incentives.whatif.run')}
          </button>
        </div>
        <details>
          <summary>{t('incentives.whatif.edit')}</summary>
          <textarea
            className="inc-json"
            rows={12}
            value={edited || (plan ? JSON.stringify(plan, null, 2) : '')}
            onChange={(e) => setEdited(e.target.value)}
            aria-label={t('incentives.whatif.edit')}
            spellCheck={false}
          />
        </details>
      </div>

      {result && (
        <div className="card card-flush" data-testid="whatif-result">
          <div className="inc-section-h" style={{ padding: '14px 18px 0' }}>
            <h2>{t('incentives.whatif.compare', { live: result.live.version ?? '—', whatif: result.whatif.version })}</h2>
            <p className="muted">{t('incentives.whatif.summary', { payees: result.totals.payees, up: result.totals.up, down: result.totals.down })}</p>
          </div>
          {result.warnings.map((w) => (
            <div key={w.path + w.rule} className="alert alert-warning">
              {w.path}: {w.message}
            </div>
          ))}
          <div className="table-wrap">
            <table className="data">
              <thead>
                <tr>
                  <th>{t('incentives.whatif.payee')}</th>
                  <th>{t('incentives.whatif.component')}</th>
                  <th className="num">{t('incentives.whatif.live')}</th>
                  <th className="num">{t('incentives.whatif.candidate')}</th>
                  <th className="num">{t('incentives.whatif.delta')}</th>
                </tr>
              </thead>
              <tbody>
                {result.rows.map((r) => (
                  <tr key={`${r.payeeId}|${r.component}|${r.kind}`}>
                    <td>{name(r.payeeId)}</td>
                    <td>{r.component ?? t(`incentives.kind.${r.kind}`)}</td>
                    <td className="num">{f.money(r.live, cur)}</td>
                    <td className="num">{f.money(r.whatif, cur)}</td>
                    <td className={`num ${deltaClass(r.delta)}`}>{f.money(r.delta, cur)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th colSpan={2}>{t('incentives.whatif.total')}</th>
                  <th className="num">{f.money(result.totals.live, cur)}</th>
                  <th className="num">{f.money(result.totals.whatif, cur)}</th>
                  <th className={`num ${deltaClass(result.totals.delta)}`}>{f.money(result.totals.delta, cur)}</th>
                </tr>
              </tfoot>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}
