import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { ApiError } from '../../api/client.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PromptDialog } from '../../components/Dialog.tsx';
import { incentivesApi, type LintIssue, type PlanDoc, type PlanVersion } from './api.ts';
import { fxApi } from '../fx/api.ts';
import { LintContext } from './lint.tsx';
import { newPlan } from './templates.ts';
import { checkPlanFormats } from './plan-checks.ts';
import { frozenPeriodOf, frozenUntil, latestIndex, nextMonthStart, withNewVersion } from './plan-versions.ts';
import { PlanPreview } from './PlanPreview.tsx';
import { Assignments } from './Assignments.tsx';
import { PlanVersions } from './PlanVersions.tsx';
import { PlanPayoutRules } from './PlanPayoutRules.tsx';
import { PlanMeasures } from './PlanMeasures.tsx';
import { PlanComponents } from './PlanComponents.tsx';
import { PlanDraw } from './PlanDraw.tsx';
import { PlanBadges } from './PlanBadges.tsx';
import { PlanCreditingRules } from './PlanCreditingRules.tsx';
import { PlanRoleAssignments } from './PlanRoleAssignments.tsx';
import './incentives.css';

const today = () => new Date().toISOString().slice(0, 10);

/**
 * The plan designer: versions with their effective dates, payout rules, draws, measures,
 * components (rate tables as grids, caps, floors, gates, multipliers, SPIFs), badges, the
 * linter's findings on the offending cells, a live payout curve and sample payees, who is on
 * the plan (by name or by role), and the tenant's crediting rules. A version a frozen period depends on is read-only.
 */
export default function PlanDesigner() {
  const { t, label } = useI18n();
  const plans = useAsync(() => incentivesApi.plans(), []);
  const periods = useAsync(() => incentivesApi.periods(), []);
  // The fiscal year start names the quarters a draw window is written in.
  const settings = useAsync(() => fxApi.settings().then((r) => r.data), []);
  const [plan, setPlan] = useState<PlanDoc | null>(null);
  const [vi, setVi] = useState(0);
  const [ci, setCi] = useState(0);
  const [lintIssues, setLintIssues] = useState<LintIssue[]>([]);
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [creating, setCreating] = useState(false);

  const open = (p: PlanDoc) => {
    setPlan(p);
    setVi(latestIndex(p));
    setCi(0);
    setSaved(null);
  };
  useEffect(() => {
    if (!plan && plans.data?.[0]) open(plans.data[0]);
  }, [plans.data, plan]);

  // Lint as the admin types (debounced); the same linter refuses errors on save.
  useEffect(() => {
    if (!plan) return;
    const timer = setTimeout(() => void incentivesApi.lint(plan).then(setLintIssues, () => undefined), 300);
    return () => clearTimeout(timer);
  }, [plan]);

  const formatIssues = useMemo(() => (plan ? checkPlanFormats(plan, (rule) => t(`incentives.check.${rule}`)) : []), [plan, t]);
  const issues = useMemo(() => [...formatIssues, ...lintIssues], [formatIssues, lintIssues]);
  const stored = plans.data?.find((p) => p.id === plan?.id);
  const version = plan?.versions[vi];
  const frozen = version
    ? frozenPeriodOf(
        version,
        stored?.versions.find((v) => v.version === version.version),
        periods.data ?? [],
      )
    : undefined;

  const setVersion = (patch: Partial<PlanVersion>) => {
    if (!plan || !version || frozen) return;
    setSaved(null);
    setPlan({ ...plan, versions: plan.versions.map((v, i) => (i === vi ? { ...v, ...patch } : v)) });
  };
  const errors = issues.filter((i) => i.severity === 'error');
  const base = `/versions/${vi}`;

  const save = async () => {
    if (!plan) return;
    setError(null);
    if (formatIssues.length) {
      setError(new Error(t('incentives.check.fixCells')));
      return;
    }
    setBusy(true);
    try {
      const warnings = await incentivesApi.savePlan(plan);
      setLintIssues(warnings);
      setSaved(t('incentives.designer.saved'));
      plans.reload();
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) setLintIssues(e.details.map((d) => ({ severity: 'error', path: d.path, rule: d.rule, message: d.message })));
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  // A frozen version is shown in disabled fieldsets; only the component tabs still switch.
  const locked = (children: ReactNode) =>
    frozen ? (
      <fieldset className="inc-locked" disabled>
        {children}
      </fieldset>
    ) : (
      children
    );
  const editors = (v: PlanVersion): ReactNode => (
    <>
      {locked(
        <>
          <PlanPayoutRules version={v} onChange={setVersion} />
          <PlanMeasures measures={v.measures} onChange={(measures) => setVersion({ measures })} />
        </>,
      )}
      <PlanComponents components={v.components} measures={v.measures} current={ci} readOnly={Boolean(frozen)} onSelect={setCi} onChange={(components) => setVersion({ components })} />
      {locked(
        <>
          <PlanDraw version={v} firstMonth={settings.data?.fiscalYearStartMonth ?? 1} onChange={(draw) => setVersion({ draw })} />
          <PlanBadges badges={v.badges ?? []} onChange={(badges) => setVersion({ badges })} />
        </>,
      )}
    </>
  );

  return (
    <section className="inc-plan-designer">
      <PageHeader
        title={t('incentives.nav.plans')}
        actions={
          <>
            <button type="button" className="btn" onClick={() => setCreating(true)} data-opens-form>
              + {t('incentives.designer.newPlan')}
            </button>
            <button type="button" className="btn btn-primary" disabled={!plan || busy} onClick={() => void save()}>
              {busy ? t('common.saving') : t('incentives.designer.save')}
            </button>
          </>
        }
      />
      <ErrorAlert error={plans.error} />
      {saved && (
        <div className="alert alert-success" role="status">
          {saved}
        </div>
      )}
      <ErrorAlert error={error} />
      {plans.data && !plan && <div className="card empty-state">{t('incentives.designer.noPlans')}</div>}

      {plan && version && (
        <LintContext.Provider value={{ issues, base }}>
          <div className="card inc-toolbar">
            <div className="field">
              <label className="field-label" htmlFor="inc-plan">
                {t('incentives.designer.plan')}
              </label>
              <select
                id="inc-plan"
                value={plan.id}
                onChange={(e) => {
                  const p = plans.data?.find((x) => x.id === e.target.value);
                  if (p) open(p);
                }}
              >
                {[...(plans.data ?? []).filter((p) => p.id !== plan.id), plan]
                  .sort((a, b) => a.id.localeCompare(b.id))
                  .map((p) => (
                    <option key={p.id} value={p.id}>
                      {label(p.label, p.name)}
                    </option>
                  ))}
              </select>
            </div>
            <div className="field">
              <label className="field-label" htmlFor="inc-plan-label">
                {t('incentives.designer.planLabel')}
              </label>
              <input id="inc-plan-label" value={plan.label.en} onChange={(e) => setPlan({ ...plan, label: { ...plan.label, en: e.target.value } })} />
            </div>
            <div className="field inc-grow">
              <label className="field-label" htmlFor="inc-plan-desc">
                {t('incentives.designer.description')}
              </label>
              <input
                id="inc-plan-desc"
                value={plan.description ?? ''}
                onChange={(e) => {
                  const { description: _, ...rest } = plan;
                  setPlan(e.target.value ? { ...rest, description: e.target.value } : rest);
                }}
              />
            </div>
          </div>

          <PlanVersions
            plan={plan}
            stored={stored}
            periods={periods.data ?? []}
            current={vi}
            onSelect={(i) => {
              setVi(i);
              setCi(0);
            }}
            onCreate={(date) => {
              const r = withNewVersion(plan, date);
              setPlan(r.plan);
              setVi(r.index);
              setCi(0);
              setSaved(null);
            }}
          />

          {frozen && (
            <div className="alert alert-warn" role="status" data-testid="version-readonly">
              {t('incentives.versions.readOnly', { version: version.version, period: frozen.period, status: t(`incentives.status.${frozen.status}`) })}
            </div>
          )}

          <div className="inc-designer">
            <div aria-label={frozen ? t('incentives.versions.readOnlyShort', { version: version.version }) : undefined} role={frozen ? 'group' : undefined}>
              {editors(version)}
            </div>

            <div>
              <div className="card" data-testid="lint-results">
                <div className="inc-section-h">
                  <h2>{t('incentives.designer.lint')}</h2>
                  <span className={`badge ${errors.length ? 'badge-danger' : 'badge-success'}`}>
                    {errors.length ? t('incentives.designer.errors', { count: errors.length }) : t('incentives.designer.clean')}
                  </span>
                </div>
                {issues.length > 0 ? (
                  <ul className="inc-lint">
                    {issues.map((i, k) => (
                      <li key={k}>
                        <span className={`badge ${i.severity === 'error' ? 'badge-danger' : ''}`}>{t(`incentives.severity.${i.severity}`)}</span>
                        <span>
                          {i.message} <code>{i.path}</code>
                        </span>
                      </li>
                    ))}
                  </ul>
                ) : (
                  <p className="muted small">{t('incentives.designer.noIssues')}</p>
                )}
              </div>
              <PlanPreview version={version} />
              <Assignments planId={plan.id} stored={Boolean(stored)} />
              <PlanRoleAssignments planId={plan.id} stored={Boolean(stored)} />
            </div>
          </div>
        </LintContext.Provider>
      )}

      <PlanCreditingRules />

      <PromptDialog
        open={creating}
        title={t('incentives.designer.newPlan')}
        label={t('incentives.designer.planLabel')}
        submitLabel={t('incentives.designer.create')}
        validate={(v) => (v.trim() ? undefined : t('incentives.designer.labelRequired'))}
        onClose={() => setCreating(false)}
        onSubmit={(v) => {
          const id =
            v
              .trim()
              .toLowerCase()
              .replace(/[^a-z0-9]+/g, '_')
              .replace(/^_+|_+$/g, '') || 'plan';
          // A new plan starts this month, or after the last approved period (which it cannot change).
          const until = frozenUntil(periods.data ?? []);
          open(newPlan(/^[a-z]/.test(id) ? id : `plan_${id}`, v.trim(), until && until >= today() ? nextMonthStart(until) : today(), settings.data?.baseCurrency ?? 'USD'));
          setCreating(false);
        }}
      />
    </section>
  );
}
