import { useState } from 'react';
import { useScreenText } from '../../i18n/screen-text.ts';
import { WHATIF_TEXT } from './whatif-text.ts';
import { api, ApiError } from '../../api/client.ts';
import { useAsync } from '../../lib/useAsync.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { incentivesApi, incentivesExtraApi, thisPeriod, type LintIssue, type PlanDoc, type WhatIfResult } from './api.ts';
import { LintContext } from './lint.tsx';
import { useMoney } from './parts.tsx';
import { WhatIfForm } from './WhatIfForm.tsx';
import { applyChanges, checkChanges, hasComponentChanges, NO_CHANGES, quotaFactors, shownVersion, type WhatIfChanges } from './whatif-model.ts';
import { WhatIfResultTable } from './WhatIfResult.tsx';
import './incentives.css';

/**
 * What-if comparison (finance, admins): the live plan's components beside a form of what-if
 * values (rates, tiers, bonus amounts, quotas) — or a draft version of the plan — run over a
 * period's real data next to the live plan, per payee and component. Nothing is stored.
 */
export default function WhatIf() {
  const t = useScreenText(WHATIF_TEXT);
  const f = useMoney();
  const plans = useAsync(() => incentivesApi.plans(), []);
  const users = useAsync(() => api.get<{ data: Array<{ id: string; name: string }> }>('/objects/user', { limit: 200 }).then((r) => new Map(r.data.map((u) => [u.id, u.name]))), []);
  const [planId, setPlanId] = useState('');
  const [period, setPeriod] = useState(thisPeriod());
  const [version, setVersion] = useState('');
  const [changes, setChanges] = useState<WhatIfChanges>(NO_CHANGES);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [result, setResult] = useState<WhatIfResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  // The server's plan checks of the copy (e.g. overlapping tiers), shown on the cells they name.
  const [issues, setIssues] = useState<LintIssue[]>([]);
  const [busy, setBusy] = useState(false);
  const plan: PlanDoc | undefined = (plans.data ?? []).find((p) => p.id === planId) ?? plans.data?.[0];
  const shown = plan && shownVersion(plan, period, version);
  const name = (id: string) => users.data?.get(id) ?? id.slice(0, 8);
  const reset = () => {
    setIssues([]);
    setChanges(NO_CHANGES);
    setFieldErrors({});
    setResult(null);
  };
  const run = async () => {
    if (!plan) return;
    const found = checkChanges(changes);
    setFieldErrors(
      Object.fromEntries(
        Object.entries(found).map(([k, v]) => {
          const [key, row] = v.split('|');
          return [k, t(key as string, { row: row ?? '' })];
        }),
      ),
    );
    setError(null);
    setIssues([]);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      const body: { period: string; planId: string; version?: number; plan?: PlanDoc; quotas?: Record<string, string> } = { period, planId: plan.id };
      if (version) body.version = Number(version);
      if (hasComponentChanges(changes)) body.plan = applyChanges(plan, changes);
      const quotas = quotaFactors(changes);
      if (Object.keys(quotas).length) body.quotas = quotas;
      setResult(await incentivesExtraApi.whatIf(body));
    } catch (e) {
      // A refused quota names its target: shown on that field, the rest above the form.
      if (e instanceof ApiError && e.details.some((d) => d.path.startsWith('/quotas/'))) {
        setFieldErrors(Object.fromEntries(e.details.filter((d) => d.path.startsWith('/quotas/')).map((d) => [`quota/${d.path.slice('/quotas/'.length)}`, t('incentives.whatif.errors.quota')])));
      } else {
        if (e instanceof ApiError && e.code === 'plan_invalid') setIssues(e.details.map((d) => ({ severity: 'error', path: d.path.replace(/^\/plan(?=\/)/, ''), rule: d.rule, message: d.message })));
        setError(e);
      }
    } finally {
      setBusy(false);
    }
  };

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
                setVersion('');
                reset();
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
            <select
              id="wi-version"
              value={version}
              onChange={(e) => {
                setVersion(e.target.value);
                reset();
              }}
            >
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
          <button type="button" className="btn btn-ghost" disabled={busy} onClick={reset}>
            {t('incentives.whatif.reset')}
          </button>
        </div>
        <p className="muted small">{t('incentives.whatif.formHint')}</p>
        {plan && shown && (
          <LintContext.Provider value={{ issues, base: '' }}>
            <WhatIfForm version={shown} at={`/versions/${plan.versions.indexOf(shown)}`} changes={changes} onChange={setChanges} errors={fieldErrors} />
          </LintContext.Provider>
        )}
      </div>
      {result && <WhatIfResultTable result={result} name={name} money={f.money} />}
    </section>
  );
}
