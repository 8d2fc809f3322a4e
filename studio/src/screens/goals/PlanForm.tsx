import { useState } from 'react';
import { api, ApiError } from '../../api/client.ts';
import type { ListResponse } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { Link, useRouter } from '../../lib/router.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { goalsApi, METHODS, type PeriodMethod, type PlanDoc, type SplitMethod } from './api.ts';
import { apiNameOf, Field, messagesAt, unclaimed } from './editor-parts.tsx';
import './goals.css';

const PERIOD_METHODS: PeriodMethod[] = ['equal', 'seasonality', 'weights'];
const MONTHS = Array.from({ length: 12 }, (_, i) => i + 1);
// The metadata API names a document's problems by pointers inside the document (e.g. `/total`).
const DECIMAL = /^-?[0-9]{1,15}(\.[0-9]{1,6})?$/;
const CLAIMED = ['/label', '/name', '/kpi', '/year', '/firstMonth', '/total', '/orgUnit', '/method', '/periodMethod', '/periodWeights', '/historyYears'];

/**
 * A new target plan as a form (admin): the KPI, the (fiscal) year and its first month, the top
 * number and the org unit it belongs to, how each unit's number is split among its children and
 * how the year is split into months (equal, seasonality from history, or twelve weights). Saved
 * as the plan's metadata document; the plan then opens in the split grid.
 */
export default function PlanForm() {
  const { t, label, locale } = useI18n();
  const { navigate } = useRouter();
  const catalog = useAsync(() => goalsApi.kpis(), []);
  const units = useAsync(() => api.get<ListResponse>('/objects/org_unit', { limit: 500, sort: 'name' }), []);
  const year = new Date().getFullYear();
  const [labelEn, setLabelEn] = useState('');
  const [labelZh, setLabelZh] = useState('');
  const [name, setName] = useState('');
  const [kpi, setKpi] = useState('');
  const [planYear, setPlanYear] = useState(String(year));
  const [firstMonth, setFirstMonth] = useState(1);
  const [total, setTotal] = useState('');
  const [orgUnit, setOrgUnit] = useState('');
  const [method, setMethod] = useState<SplitMethod>('equal');
  const [periodMethod, setPeriodMethod] = useState<PeriodMethod>('equal');
  const [weights, setWeights] = useState<string[]>(() => MONTHS.map(() => '1'));
  const [historyYears, setHistoryYears] = useState(2);
  const [problem, setProblem] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const kpis = catalog.data?.data ?? [];
  const chosenKpi = kpi || kpis[0]?.name || '';
  const usesHistory = method === 'last_year' || method === 'seasonality' || periodMethod === 'seasonality';
  const monthName = (m: number) => new Intl.DateTimeFormat(locale, { month: 'short' }).format(new Date(2001, m - 1, 1));
  const err = (path: string) => messagesAt(problem, path);
  const leftover = unclaimed(problem, CLAIMED);

  const save = async () => {
    setProblem(null);
    const plain = total.replace(/[\s,]/g, '');
    const badWeight = periodMethod === 'weights' ? weights.findIndex((w) => !DECIMAL.test(w.trim())) : -1;
    // Said here in words before the server's pattern message would say it in a regular expression.
    if (!DECIMAL.test(plain) || badWeight >= 0) {
      const details = [
        ...(DECIMAL.test(plain) ? [] : [{ path: '/total', rule: 'pattern', message: t('goals.plan.totalInvalid') }]),
        ...(badWeight >= 0 ? [{ path: '/periodWeights', rule: 'pattern', message: t('goals.plan.weightInvalid') }] : []),
      ];
      setProblem(new ApiError(400, 'invalid_plan', t('goals.plan.invalid'), details));
      return;
    }
    setBusy(true);
    const doc: PlanDoc = {
      kind: 'target_plan',
      id: `target_plan.${name}`,
      name,
      label: { en: labelEn.trim(), ...(labelZh.trim() ? { 'zh-CN': labelZh.trim() } : {}) },
      kpi: chosenKpi,
      year: Number(planYear),
      total: plain,
      method,
      periodMethod,
      ...(firstMonth !== 1 ? { firstMonth } : {}),
      ...(orgUnit ? { orgUnit } : {}),
      ...(periodMethod === 'weights' ? { periodWeights: weights.map((w) => w.trim()) } : {}),
      ...(usesHistory ? { historyYears } : {}),
    };
    try {
      await goalsApi.putPlan(doc);
      navigate(`/goals/targets?plan=${encodeURIComponent(name)}`);
    } catch (e) {
      setProblem(e);
      setBusy(false);
    }
  };

  return (
    <section className="goal-editor">
      <PageHeader title={t('goals.plan.title')} />
      <ErrorAlert error={catalog.error ?? units.error} />
      {catalog.data && !kpis.length && <div className="card empty-state">{t('goals.noKpis')}</div>}
      <form
        className="card goal-edit-form"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        {leftover.length > 0 && (
          <div className="alert alert-danger" role="alert">
            {leftover.map((m) => (
              <div key={m}>{m}</div>
            ))}
          </div>
        )}
        <Field id="plan-kpi" label={t('goals.plan.kpi')} errors={err('/kpi')}>
          <select id="plan-kpi" value={chosenKpi} onChange={(e) => setKpi(e.target.value)}>
            {kpis.map((k) => (
              <option key={k.name} value={k.name}>
                {label(k.label, k.name)}
              </option>
            ))}
          </select>
        </Field>
        <Field id="plan-label-en" label={t('goals.plan.labelEn')} errors={err('/label')}>
          <input
            id="plan-label-en"
            required
            value={labelEn}
            onChange={(e) => {
              setLabelEn(e.target.value);
              setName(apiNameOf(e.target.value));
            }}
          />
        </Field>
        <Field id="plan-label-zh" label={t('goals.plan.labelZh')}>
          <input id="plan-label-zh" value={labelZh} onChange={(e) => setLabelZh(e.target.value)} />
        </Field>
        <Field id="plan-name" label={t('goals.plan.name')} hint={t('goals.kpi.nameHint')} errors={err('/name')}>
          <input id="plan-name" required pattern="[a-z][a-z0-9_]{0,62}" value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <div className="goal-edit-pair">
          <Field id="plan-year" label={t('goals.plan.year')} errors={err('/year')}>
            <input id="plan-year" type="number" min={1900} max={2999} required value={planYear} onChange={(e) => setPlanYear(e.target.value)} />
          </Field>
          <Field id="plan-first-month" label={t('goals.plan.firstMonth')} errors={err('/firstMonth')}>
            <select id="plan-first-month" value={firstMonth} onChange={(e) => setFirstMonth(Number(e.target.value))}>
              {MONTHS.map((m) => (
                <option key={m} value={m}>
                  {monthName(m)}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <Field id="plan-total" label={t('goals.plan.total')} errors={err('/total')}>
          <input id="plan-total" inputMode="decimal" required value={total} onChange={(e) => setTotal(e.target.value)} />
        </Field>
        <Field id="plan-unit" label={t('goals.plan.orgUnit')} errors={err('/orgUnit')}>
          <select id="plan-unit" value={orgUnit} onChange={(e) => setOrgUnit(e.target.value)}>
            <option value="">{t('goals.split.company')}</option>
            {(units.data?.data ?? []).map((u) => (
              <option key={String(u.id)} value={String(u.id)}>
                {String(u.name ?? u.id)}
              </option>
            ))}
          </select>
        </Field>
        <Field id="plan-method" label={t('goals.split.method')} hint={t('goals.plan.methodHint')} errors={err('/method')}>
          <select id="plan-method" value={method} onChange={(e) => setMethod(e.target.value as SplitMethod)}>
            {METHODS.map((m) => (
              <option key={m} value={m}>
                {t(`goals.methods.${m}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field id="plan-period-method" label={t('goals.plan.periodMethod')} hint={t('goals.plan.periodMethodHint')} errors={err('/periodMethod')}>
          <select id="plan-period-method" value={periodMethod} onChange={(e) => setPeriodMethod(e.target.value as PeriodMethod)}>
            {PERIOD_METHODS.map((m) => (
              <option key={m} value={m}>
                {t(`goals.plan.periodMethods.${m}`)}
              </option>
            ))}
          </select>
        </Field>
        {periodMethod === 'weights' && (
          <fieldset className="goal-weights">
            <legend className="field-label">{t('goals.plan.periodWeights')}</legend>
            {weights.map((w, i) => {
              const m = ((firstMonth - 1 + i) % 12) + 1;
              return (
                <label key={m} className="goal-weight">
                  <span className="small">{monthName(m)}</span>
                  <input
                    inputMode="decimal"
                    aria-label={t('goals.plan.weightOf', { month: monthName(m) })}
                    value={w}
                    onChange={(e) => setWeights((all) => all.map((x, j) => (j === i ? e.target.value : x)))}
                  />
                </label>
              );
            })}
            {err('/periodWeights').map((m) => (
              <span key={m} className="goal-field-error" role="alert">
                {m}
              </span>
            ))}
          </fieldset>
        )}
        {usesHistory && (
          <Field id="plan-history" label={t('goals.plan.historyYears')} errors={err('/historyYears')}>
            <select id="plan-history" value={historyYears} onChange={(e) => setHistoryYears(Number(e.target.value))}>
              {[1, 2, 3, 4, 5].map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </Field>
        )}
        <p className="muted small">
          {t('goals.plan.approvalNote')} <Link to="/admin/flows">{t('goals.plan.approvalFlows')}</Link>
        </p>
        <div className="row goal-edit-actions">
          <button type="submit" className="btn btn-primary" disabled={busy || !chosenKpi || !name}>
            {t('goals.plan.create')}
          </button>
          <button type="button" className="btn" onClick={() => navigate('/goals/targets')}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </section>
  );
}
