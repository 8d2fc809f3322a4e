import { useEffect, useMemo, useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { ApiError } from '../../api/client.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PromptDialog } from '../../components/Dialog.tsx';
import { FormulaEditor } from '../../components/FormulaEditor.tsx';
import { incentivesApi, type LintIssue, type MeasureDef, type PlanDoc, type PlanVersion } from './api.ts';
import { ComponentEditor } from './ComponentEditor.tsx';
import { LintContext, CellInput } from './lint.tsx';
import { measuresObject, newComponent, newPlan } from './templates.ts';
import { PlanPreview } from './PlanPreview.tsx';
import { Assignments } from './Assignments.tsx';
import './incentives.css';

const today = () => new Date().toISOString().slice(0, 10);

/**
 * The plan designer: measures, components (rate tables as grids, caps, floors, gates, SPIFs),
 * the linter's findings on the offending cells, a live payout curve and sample payees, and who
 * is on the plan.
 */
export default function PlanDesigner() {
  const { t, label } = useI18n();
  const plans = useAsync(() => incentivesApi.plans(), []);
  const rules = useAsync(() => incentivesApi.rules(), []);
  const [plan, setPlan] = useState<PlanDoc | null>(null);
  const [vi, setVi] = useState(0);
  const [ci, setCi] = useState(0);
  const [issues, setIssues] = useState<LintIssue[]>([]);
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [creating, setCreating] = useState(false);

  useEffect(() => {
    if (!plan && plans.data?.[0]) setPlan(plans.data[0]);
  }, [plans.data, plan]);

  // Lint as the admin types (debounced); the same linter refuses errors on save.
  useEffect(() => {
    if (!plan) return;
    const timer = setTimeout(() => void incentivesApi.lint(plan).then(setIssues, () => undefined), 300);
    return () => clearTimeout(timer);
  }, [plan]);

  const version = plan?.versions[vi];
  const setVersion = (patch: Partial<PlanVersion>) => {
    if (!plan || !version) return;
    setSaved(null);
    setPlan({ ...plan, versions: plan.versions.map((v, i) => (i === vi ? { ...v, ...patch } : v)) });
  };
  const setMeasure = (i: number, m: MeasureDef) => version && setVersion({ measures: version.measures.map((x, k) => (k === i ? m : x)) });
  const errors = issues.filter((i) => i.severity === 'error');
  const base = `/versions/${vi}`;
  const compHasIssue = (i: number) => issues.some((x) => x.path.startsWith(`${base}/components/${i}/`) || x.path === `${base}/components/${i}`);
  const formulaObjects = useMemo(() => [measuresObject(version?.measures ?? [])], [version?.measures]);

  const save = async () => {
    if (!plan) return;
    setBusy(true);
    setError(null);
    try {
      const warnings = await incentivesApi.savePlan(plan);
      setIssues(warnings);
      setSaved(t('incentives.designer.saved'));
      plans.reload();
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) setIssues(e.details.map((d) => ({ severity: 'error', path: d.path, rule: d.rule, message: d.message })));
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const ownerRule = async () => {
    setError(null);
    try {
      await incentivesApi.saveRules([{ kind: 'crediting_rule', id: 'owner', name: 'owner', label: { en: 'Record owner', 'zh-CN': '记录负责人' }, effectiveFrom: '2000-01-01', type: 'owner', pct: '100' }]);
      rules.reload();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section className="inc-plan-designer">
      <PageHeader
        title={t('incentives.nav.plans')}
        actions={
          <>
            <button type="button" className="btn" onClick={() => setCreating(true)}>+ {t('incentives.designer.newPlan')}</button>
            <button type="button" className="btn btn-primary" disabled={!plan || busy} onClick={() => void save()}>{busy ? t('common.saving') : t('incentives.designer.save')}</button>
          </>
        }
      />
      <ErrorAlert error={plans.error} />
      {rules.data && rules.data.length === 0 && (
        <div className="alert alert-warn" role="status">
          <p>{t('incentives.designer.noRules')}</p>
          <button type="button" className="btn btn-sm" onClick={() => void ownerRule()}>{t('incentives.designer.addOwnerRule')}</button>
        </div>
      )}
      {saved && <div className="alert alert-success" role="status">{saved}</div>}
      <ErrorAlert error={error} />
      {plans.data && !plan && <div className="card empty-state">{t('incentives.designer.noPlans')}</div>}

      {plan && version && (
        <LintContext.Provider value={{ issues, base }}>
          <div className="card inc-toolbar">
            <div className="field">
              <label className="field-label" htmlFor="inc-plan">{t('incentives.designer.plan')}</label>
              <select id="inc-plan" value={plan.id} onChange={(e) => { const p = plans.data?.find((x) => x.id === e.target.value); if (p) { setPlan(p); setVi(0); setCi(0); setSaved(null); } }}>
                {[...(plans.data ?? []).filter((p) => p.id !== plan.id), plan].sort((a, b) => a.id.localeCompare(b.id)).map((p) => <option key={p.id} value={p.id}>{label(p.label, p.name)}</option>)}
              </select>
            </div>
            <div className="field">
              <label className="field-label" htmlFor="inc-plan-label">{t('incentives.designer.planLabel')}</label>
              <input id="inc-plan-label" value={plan.label.en} onChange={(e) => setPlan({ ...plan, label: { ...plan.label, en: e.target.value } })} />
            </div>
            <div className="field">
              <label className="field-label" htmlFor="inc-version">{t('incentives.designer.version')}</label>
              <select id="inc-version" value={vi} onChange={(e) => { setVi(Number(e.target.value)); setCi(0); }}>
                {plan.versions.map((v, i) => <option key={i} value={i}>v{v.version} · {v.effectiveFrom}</option>)}
              </select>
            </div>
            <div className="field">
              <label className="field-label" htmlFor="inc-from">{t('incentives.designer.effectiveFrom')}</label>
              <CellInput id="inc-from" path="/effectiveFrom" type="date" value={version.effectiveFrom} onChange={(e) => setVersion({ effectiveFrom: e.target.value })} />
            </div>
            <div className="field">
              <label className="field-label" htmlFor="inc-currency">{t('incentives.designer.currency')}</label>
              <input id="inc-currency" maxLength={3} size={4} value={version.currency} onChange={(e) => setVersion({ currency: e.target.value.toUpperCase() })} />
            </div>
            <div className="field">
              <label className="field-label" htmlFor="inc-timing">{t('incentives.designer.timing')}</label>
              <select id="inc-timing" value={version.payoutTiming ?? 'booking'} onChange={(e) => setVersion({ payoutTiming: e.target.value as PlanVersion['payoutTiming'] })}>
                {(['booking', 'invoice', 'payment'] as const).map((x) => <option key={x} value={x}>{t(`incentives.timing.${x}`)}</option>)}
              </select>
            </div>
          </div>

          <div className="inc-designer">
            <div>
              <div className="card">
                <div className="inc-section-h">
                  <h2>{t('incentives.designer.measures')}</h2>
                  <button type="button" className="btn btn-sm" onClick={() => setVersion({ measures: [...version.measures, { name: `measure_${version.measures.length + 1}`, type: 'sum', field: 'amount' }] })}>+ {t('incentives.designer.addMeasure')}</button>
                </div>
                {version.measures.map((m, i) => (
                  <div key={i} className="inc-grid-2" style={{ marginBottom: 10 }}>
                    <div className="field">
                      <label className="field-label" htmlFor={`m${i}-name`}>{t('incentives.designer.apiName')}</label>
                      <CellInput id={`m${i}-name`} path={`/measures/${i}/name`} value={m.name} onChange={(e) => setMeasure(i, { ...m, name: e.target.value.replace(/[^a-z0-9_]/gi, '_').toLowerCase() })} />
                    </div>
                    <div className="field">
                      <label className="field-label" htmlFor={`m${i}-type`}>{t('incentives.designer.type')}</label>
                      <select id={`m${i}-type`} value={m.type} onChange={(e) => setMeasure(i, { ...m, type: e.target.value as MeasureDef['type'] })}>
                        {(['sum', 'count', 'input', 'ratio', 'formula'] as const).map((x) => <option key={x} value={x}>{t(`incentives.measureType.${x}`)}</option>)}
                      </select>
                    </div>
                    {m.type === 'sum' && (
                      <div className="field">
                        <label className="field-label" htmlFor={`m${i}-field`}>{t('incentives.designer.field')}</label>
                        <select id={`m${i}-field`} value={m.field ?? 'amount'} onChange={(e) => setMeasure(i, { ...m, field: e.target.value as MeasureDef['field'] })}>
                          {(['amount', 'margin', 'quantity'] as const).map((x) => <option key={x} value={x}>{t(`incentives.creditField.${x}`)}</option>)}
                        </select>
                      </div>
                    )}
                    {m.type === 'formula' && (
                      <div className="field" style={{ gridColumn: '1 / -1' }}>
                        <label className="field-label" htmlFor={`m${i}-expr`}>{t('incentives.designer.formula')}</label>
                        <FormulaEditor id={`m${i}-expr`} value={m.expression ?? ''} onChange={(expression) => setMeasure(i, { ...m, expression })} objects={formulaObjects} root="measures" />
                        <CellIssue path={`/measures/${i}/expression`} issues={issues} base={base} />
                      </div>
                    )}
                  </div>
                ))}
              </div>

              <div className="card">
                <div className="inc-section-h">
                  <h2>{t('incentives.designer.components')}</h2>
                  <button type="button" className="btn btn-sm" onClick={() => { setVersion({ components: [...version.components, newComponent(`component_${version.components.length + 1}`, version.measures[0]?.name)] }); setCi(version.components.length); }}>+ {t('incentives.designer.addComponent')}</button>
                </div>
                <div className="inc-comp-tabs" role="tablist" aria-label={t('incentives.designer.components')}>
                  {version.components.map((c, i) => (
                    <button key={i} type="button" role="tab" aria-selected={i === ci} className={`inc-comp-tab${compHasIssue(i) ? ' has-error' : ''}`} onClick={() => setCi(i)}>
                      {label(c.label, c.name)}
                    </button>
                  ))}
                </div>
                {version.components[ci] && (
                  <>
                    <ComponentEditor index={ci} value={version.components[ci]} measures={version.measures} onChange={(c) => setVersion({ components: version.components.map((x, k) => (k === ci ? c : x)) })} />
                    <div className="inc-comp-actions">
                      <button type="button" className="btn btn-danger btn-sm" onClick={() => { setVersion({ components: version.components.filter((_, k) => k !== ci) }); setCi(0); }}>{t('incentives.designer.removeComponent')}</button>
                    </div>
                  </>
                )}
              </div>
            </div>

            <div>
              <div className="card" data-testid="lint-results">
                <div className="inc-section-h">
                  <h2>{t('incentives.designer.lint')}</h2>
                  <span className={`badge ${errors.length ? 'badge-danger' : 'badge-success'}`}>{errors.length ? t('incentives.designer.errors', { count: errors.length }) : t('incentives.designer.clean')}</span>
                </div>
                {issues.length > 0 ? (
                  <ul className="inc-lint">
                    {issues.map((i, k) => (
                      <li key={k}>
                        <span className={`badge ${i.severity === 'error' ? 'badge-danger' : ''}`}>{t(`incentives.severity.${i.severity}`)}</span>
                        <span>{i.message} <code>{i.path}</code></span>
                      </li>
                    ))}
                  </ul>
                ) : <p className="muted small">{t('incentives.designer.noIssues')}</p>}
              </div>
              <PlanPreview version={version} />
              <Assignments planId={plan.id} stored={Boolean(plans.data?.some((p) => p.id === plan.id))} />
            </div>
          </div>
        </LintContext.Provider>
      )}

      <PromptDialog
        open={creating}
        title={t('incentives.designer.newPlan')}
        label={t('incentives.designer.planLabel')}
        submitLabel={t('incentives.designer.create')}
        validate={(v) => (v.trim() ? undefined : t('incentives.designer.labelRequired'))}
        onClose={() => setCreating(false)}
        onSubmit={(v) => {
          const id = v.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'plan';
          setPlan(newPlan(/^[a-z]/.test(id) ? id : `plan_${id}`, v.trim(), today()));
          setVi(0);
          setCi(0);
          setSaved(null);
          setCreating(false);
        }}
      />
    </section>
  );
}

function CellIssue({ path, issues, base }: { path: string; issues: LintIssue[]; base: string }) {
  const issue = issues.find((i) => i.path === `${base}${path}`);
  return issue ? <span className="inc-cell-msg" role="alert">{issue.message}</span> : null;
}
