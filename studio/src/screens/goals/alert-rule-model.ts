// The alert rule form's model: what the form edits (a threshold in percent, numbers as typed),
// the rule document the server keeps, and the checks made before asking it — each naming the
// field by the pointer the server uses, so its refusals and ours land on the same field.
import type { AlertRuleDoc } from './api.ts';

export interface RuleDraft {
  isNew: boolean;
  name: string;
  kind: AlertRuleDoc['kind'];
  kpi: string;
  /** Percent of the expected pace, as typed. */
  thresholdPct: string;
  fromDay: string;
  pacing: 'linear' | 'seasonal';
  days: string;
  unit: string;
  enabled: boolean;
}

/** A field the form checks, with the i18n key of what it says when the value is out of bounds. */
export interface RuleIssue {
  path: string;
  key: string;
}

export function newDraft(kpi: string): RuleDraft {
  return { isNew: true, name: '', kind: 'pacing_below', kpi, thresholdPct: '80', fromDay: '15', pacing: 'seasonal', days: '7', unit: '', enabled: true };
}

export function draftOfRule(r: AlertRuleDoc): RuleDraft {
  return {
    isNew: false,
    name: r.name,
    kind: r.kind,
    kpi: r.kpi,
    thresholdPct: r.threshold === undefined ? '80' : String(Math.round(r.threshold * 10_000) / 100),
    fromDay: String(r.fromDay ?? 15),
    pacing: r.pacing ?? 'seasonal',
    days: String(r.days ?? 7),
    unit: r.unit ?? '',
    enabled: r.enabled !== false,
  };
}

const whole = (s: string, min: number, max: number) => /^\d+$/.test(s.trim()) && Number(s) >= min && Number(s) <= max;

/** What the form refuses before sending (the server checks the same bounds again). */
export function checkDraft(d: RuleDraft): RuleIssue[] {
  const out: RuleIssue[] = [];
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(d.name)) out.push({ path: '/name', key: 'goals.alertRules.errors.name' });
  if (!d.kpi) out.push({ path: '/kpi', key: 'goals.alertRules.errors.kpi' });
  if (d.kind === 'pacing_below') {
    const pct = Number(d.thresholdPct.trim());
    if (!/^\d+(\.\d+)?$/.test(d.thresholdPct.trim()) || pct < 1 || pct > 1000) out.push({ path: '/threshold', key: 'goals.alertRules.errors.threshold' });
    if (!whole(d.fromDay, 1, 28)) out.push({ path: '/fromDay', key: 'goals.alertRules.errors.fromDay' });
  } else if (!whole(d.days, 1, 366)) out.push({ path: '/days', key: 'goals.alertRules.errors.days' });
  return out;
}

export function ruleOf(d: RuleDraft): AlertRuleDoc {
  const base = { name: d.name, kind: d.kind, kpi: d.kpi, enabled: d.enabled, ...(d.unit ? { unit: d.unit } : {}) };
  return d.kind === 'pacing_below' ? { ...base, threshold: Math.round(Number(d.thresholdPct) * 100) / 10_000, fromDay: Number(d.fromDay), pacing: d.pacing } : { ...base, days: Number(d.days) };
}

/** The i18n key for a server refusal on a field the form knows, so it reads in the form's terms (percent, not a fraction). */
export function keyForServerIssue(path: string, rule: string): string | undefined {
  if (path === '/threshold' && rule === 'range') return 'goals.alertRules.errors.threshold';
  if (path === '/fromDay' && rule === 'range') return 'goals.alertRules.errors.fromDay';
  if (path === '/days' && rule === 'range') return 'goals.alertRules.errors.days';
  if (path === '/name') return 'goals.alertRules.errors.name';
  if (path === '/kpi') return 'goals.alertRules.errors.kpi';
  return undefined;
}
