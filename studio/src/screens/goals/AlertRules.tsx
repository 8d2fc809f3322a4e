import { useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { useScreenText } from '../../i18n/screen-text.ts';
import { ALERT_TEXT } from './alert-text.ts';
import { useAsync } from '../../lib/useAsync.ts';
import { api, ApiError } from '../../api/client.ts';
import type { ListResponse } from '../../api/types.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { ConfirmDialog } from '../../components/Dialog.tsx';
import { goalsApi, type AlertRuleDoc } from './api.ts';
import { Field, unclaimed } from './editor-parts.tsx';
import { checkDraft, draftOfRule, keyForServerIssue, newDraft, ruleOf, type RuleDraft, type RuleIssue } from './alert-rule-model.ts';
import './goals.css';

const CLAIMED = ['/name', '/kind', '/kpi', '/threshold', '/fromDay', '/pacing', '/days', '/unit', '/enabled'];

/**
 * Goal alert rules (admin): which KPI is watched, the condition (pacing below a share of the
 * expected pace from a day of the month on, or no activity for some days), whose goals (everyone
 * or an org unit's people) — each person and their manager are told, in the app and by their
 * notification channels. "Check now" evaluates the rules at once, as the schedule does.
 */
export default function AlertRules() {
  const { label } = useI18n();
  const t = useScreenText(ALERT_TEXT);
  const rules = useAsync(() => goalsApi.rules(), []);
  const catalog = useAsync(() => goalsApi.kpis(), []);
  const units = useAsync(() => api.get<ListResponse>('/objects/org_unit', { limit: 200 }), []);
  const [draft, setDraft] = useState<RuleDraft | null>(null);
  const [issues, setIssues] = useState<RuleIssue[]>([]);
  const [problem, setProblem] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [removing, setRemoving] = useState<string | null>(null);
  const kpis = catalog.data?.data ?? [];
  const kpiLabel = (name: string) => label(kpis.find((k) => k.name === name)?.label, name);
  const unitName = (id: string | undefined) => (id ? String(units.data?.data.find((u) => u.id === id)?.name ?? id) : t('goals.alertRules.everyone'));

  const set = (patch: Partial<RuleDraft>) => {
    setNotice(null);
    setDraft((d) => (d ? { ...d, ...patch } : d));
  };
  const open = (d: RuleDraft) => {
    setProblem(null);
    setIssues([]);
    setNotice(null);
    setDraft(d);
  };
  const save = async () => {
    if (!draft) return;
    const found = checkDraft(draft);
    setIssues(found);
    setProblem(null);
    if (found.length) return;
    setBusy(true);
    try {
      await goalsApi.putRule(ruleOf(draft));
      setNotice(t('goals.alertRules.saved', { name: draft.name }));
      setDraft(null);
      rules.reload();
    } catch (e) {
      setProblem(e);
    } finally {
      setBusy(false);
    }
  };
  const run = async () => {
    setBusy(true);
    setProblem(null);
    try {
      const out = await goalsApi.runAlerts();
      setNotice(t('goals.alertRules.ran', { rules: out.evaluated, fired: out.fired.length }));
    } catch (e) {
      setProblem(e);
    } finally {
      setBusy(false);
    }
  };
  // Our own checks first; else the server's refusal, in the form's words where we know the field.
  const err = (path: string): string[] => {
    const mine = issues.filter((i) => i.path === path).map((i) => t(i.key));
    if (mine.length || !(problem instanceof ApiError)) return mine;
    return problem.details
      .filter((d) => d.path === path)
      .map((d) => {
        const key = keyForServerIssue(d.path, d.rule);
        return key ? t(key) : d.message;
      });
  };
  const leftover = unclaimed(problem, CLAIMED);
  const describe = (r: AlertRuleDoc) =>
    r.kind === 'pacing_below'
      ? t('goals.alertRules.describePacing', { kpi: kpiLabel(r.kpi), threshold: Math.round((r.threshold ?? 0) * 100), day: r.fromDay ?? 15 })
      : t('goals.alertRules.describeIdle', { kpi: kpiLabel(r.kpi), days: r.days ?? 0 });
  const list = rules.data?.data ?? [];

  return (
    <section className="goal-editor">
      <PageHeader
        title={t('goals.alertRules.title')}
        actions={
          <>
            <button type="button" className="btn" disabled={busy || !list.length} onClick={() => void run()}>
              {t('goals.alertRules.run')}
            </button>
            <button type="button" className="btn btn-primary" disabled={!kpis.length} onClick={() => open(newDraft(kpis[0]?.name ?? ''))} data-opens-form>
              {t('goals.alertRules.new')}
            </button>
          </>
        }
      />
      {notice && (
        <div className="alert alert-success" role="status">
          {notice}
        </div>
      )}
      <ErrorAlert error={rules.error ?? catalog.error} />
      {!draft && leftover.length > 0 && <ErrorAlert error={problem} />}
      {!draft && (
        <div className="card card-flush">
          {rules.data && !list.length ? (
            <div className="empty-state">{kpis.length || !catalog.data ? t('goals.alertRules.none') : t('goals.noKpis')}</div>
          ) : (
            <ul className="goal-kpi-list">
              {list.map((r) => (
                <li key={r.name} data-testid="alert-rule">
                  <span>
                    <strong>{r.name}</strong> {r.enabled === false && <span className="badge">{t('goals.alertRules.off')}</span>}
                    <br />
                    <span className="small">{describe(r)}</span> <span className="muted small">· {unitName(r.unit)}</span>
                  </span>
                  <span className="row">
                    <button type="button" className="btn btn-sm" aria-label={t('goals.kpi.editOne', { name: r.name })} onClick={() => open(draftOfRule(r))}>
                      {t('common.edit')}
                    </button>
                    <button type="button" className="btn btn-sm btn-ghost" aria-label={t('goals.alertRules.deleteOne', { name: r.name })} onClick={() => setRemoving(r.name)}>
                      {t('common.delete')}
                    </button>
                  </span>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {draft && (
        <form
          className="card goal-edit-form"
          noValidate
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
          <Field id="rule-name" label={t('goals.kpi.name')} hint={t('goals.alertRules.nameHint')} errors={err('/name')}>
            <input id="rule-name" readOnly={!draft.isNew} value={draft.name} onChange={(e) => set({ name: e.target.value })} />
          </Field>
          <Field id="rule-kpi" label={t('goals.board.kpi')} errors={err('/kpi')}>
            <select id="rule-kpi" value={draft.kpi} onChange={(e) => set({ kpi: e.target.value })}>
              {!kpis.some((k) => k.name === draft.kpi) && <option value={draft.kpi}>{draft.kpi || '—'}</option>}
              {kpis.map((k) => (
                <option key={k.name} value={k.name}>
                  {label(k.label, k.name)}
                </option>
              ))}
            </select>
          </Field>
          <Field id="rule-kind" label={t('goals.alertRules.kind')} errors={err('/kind')}>
            <select id="rule-kind" value={draft.kind} onChange={(e) => set({ kind: e.target.value as RuleDraft['kind'] })}>
              <option value="pacing_below">{t('goals.alertRules.kinds.pacing_below')}</option>
              <option value="no_activity">{t('goals.alertRules.kinds.no_activity')}</option>
            </select>
          </Field>
          {draft.kind === 'pacing_below' ? (
            <div className="goal-edit-pair">
              <Field id="rule-threshold" label={t('goals.alertRules.threshold')} hint={t('goals.alertRules.thresholdHint')} errors={err('/threshold')}>
                <input id="rule-threshold" inputMode="decimal" value={draft.thresholdPct} onChange={(e) => set({ thresholdPct: e.target.value })} />
              </Field>
              <Field id="rule-from-day" label={t('goals.alertRules.fromDay')} errors={err('/fromDay')}>
                <input id="rule-from-day" inputMode="numeric" value={draft.fromDay} onChange={(e) => set({ fromDay: e.target.value })} />
              </Field>
              <Field id="rule-pacing" label={t('goals.alertRules.pacing')} errors={err('/pacing')}>
                <select id="rule-pacing" value={draft.pacing} onChange={(e) => set({ pacing: e.target.value as RuleDraft['pacing'] })}>
                  <option value="seasonal">{t('goals.alertRules.pacings.seasonal')}</option>
                  <option value="linear">{t('goals.alertRules.pacings.linear')}</option>
                </select>
              </Field>
            </div>
          ) : (
            <Field id="rule-days" label={t('goals.alertRules.days')} errors={err('/days')}>
              <input id="rule-days" inputMode="numeric" value={draft.days} onChange={(e) => set({ days: e.target.value })} />
            </Field>
          )}
          <Field id="rule-unit" label={t('goals.alertRules.unit')} hint={t('goals.alertRules.unitHint')} errors={err('/unit')}>
            <select id="rule-unit" value={draft.unit} onChange={(e) => set({ unit: e.target.value })}>
              <option value="">{t('goals.alertRules.everyone')}</option>
              {(units.data?.data ?? []).map((u) => (
                <option key={u.id} value={u.id}>
                  {String(u.name ?? u.id)}
                </option>
              ))}
            </select>
          </Field>
          <p className="small goal-rule-channel">
            <strong>{t('goals.alertRules.channel')}</strong>
            <br />
            <span className="muted">{t('goals.alertRules.channelText')}</span>
          </p>
          <label className="checkbox-line">
            <input type="checkbox" checked={draft.enabled} onChange={(e) => set({ enabled: e.target.checked })} /> {t('goals.alertRules.enabled')}
          </label>
          <div className="row goal-edit-actions">
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {t('goals.alertRules.save')}
            </button>
            <button type="button" className="btn" onClick={() => (setDraft(null), setProblem(null), setIssues([]))}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
      <ConfirmDialog
        open={removing !== null}
        title={t('goals.alertRules.deleteTitle')}
        message={t('goals.alertRules.deleteMessage', { name: removing ?? '' })}
        confirmLabel={t('common.delete')}
        danger
        onClose={() => setRemoving(null)}
        onConfirm={async () => {
          const name = removing;
          if (!name) return;
          try {
            await goalsApi.deleteRule(name);
            setNotice(t('goals.alertRules.deleted', { name }));
          } catch (e) {
            setProblem(e);
          }
          setRemoving(null);
          rules.reload();
        }}
      />
    </section>
  );
}
