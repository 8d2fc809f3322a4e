// Plan versions over time: which one is latest, which are frozen by an approved period, and a
// new version as a copy of the latest from a date the admin picks.
// The fiscal rule is the engine's (a pure module, no server code): one rule for the API and the studio.
import { CALENDAR_YEAR, fiscalKeyOf, monthsOfKey, type FiscalCalendar } from '@attain/engine/fiscal';
import type { Frequency, PeriodRow, PeriodStatus, PlanDoc, PlanVersion } from './api.ts';

/** Statuses after which a period's results never change (the server freezes them the same way). */
const FROZEN: readonly PeriodStatus[] = ['approved', 'paid', 'closed'];
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export function dayBefore(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

/** First and last day of a calendar period key: `YYYY-MM`, `YYYY-Qn` or `YYYY` (fiscal `FY` keys come with their days from the server). */
export function periodBounds(period: string, cal: FiscalCalendar = CALENDAR_YEAR): { from: string; to: string } {
  const months = monthsOfKey(period, cal) ?? [period.slice(0, 7)];
  const [y, m] = (months.at(-1) as string).split('-').map(Number) as [number, number];
  return { from: `${months[0]}-01`, to: new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10) };
}

/** The period of a plan's cadence that holds the date, named as the tenant's fiscal calendar names it (`FY2026-Q1` from April). */
export function periodOf(date: string, frequency: Frequency = 'monthly', cal: FiscalCalendar = CALENDAR_YEAR): string {
  if (frequency === 'monthly') return date.slice(0, 7);
  return fiscalKeyOf(date.slice(0, 7), frequency === 'annual' ? 'year' : 'quarter', cal);
}

/** First day of the month after `date`. */
export function nextMonthStart(date: string): string {
  const [y, m] = date.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
}

/** Index of the version that starts last. */
export function latestIndex(plan: PlanDoc): number {
  let best = 0;
  plan.versions.forEach((v, i) => {
    if (v.effectiveFrom > (plan.versions[best]?.effectiveFrom ?? '')) best = i;
  });
  return best;
}

/** A period's days: the server's (it owns the tenant's fiscal calendar), else read from a calendar key. */
const boundsOf = (p: PeriodRow) => (p.from && p.to ? { from: p.from, to: p.to } : periodBounds(p.period));

const covers = (v: Pick<PlanVersion, 'effectiveFrom' | 'effectiveTo'>, p: PeriodRow) => {
  const { from, to } = boundsOf(p);
  return v.effectiveFrom <= to && (!v.effectiveTo || v.effectiveTo >= from);
};

/**
 * The frozen period that makes a stored version read-only, if any: its results are approved,
 * so the rules behind them stay as they were. Unsaved versions are never locked.
 */
export function frozenPeriodOf(version: PlanVersion, stored: PlanVersion | undefined, periods: ReadonlyArray<PeriodRow>): { period: string; status: PeriodStatus } | undefined {
  if (!stored) return undefined;
  return [...periods].reverse().find((p) => FROZEN.includes(p.status) && covers(stored, p));
}

/** Last day of the latest frozen period: a new version may start only after it. */
export function frozenUntil(periods: ReadonlyArray<PeriodRow>): string | undefined {
  const ends = periods
    .filter((p) => FROZEN.includes(p.status))
    .map((p) => boundsOf(p).to)
    .sort();
  return ends.at(-1);
}

export type NewVersionProblem = { key: 'format' } | { key: 'notAfterLatest'; date: string } | { key: 'frozen'; date: string };

export function checkNewVersionDate(plan: PlanDoc, date: string, periods: ReadonlyArray<PeriodRow>): NewVersionProblem | undefined {
  if (!DATE.test(date)) return { key: 'format' };
  const latest = plan.versions[latestIndex(plan)];
  if (latest && date <= latest.effectiveFrom) return { key: 'notAfterLatest', date: latest.effectiveFrom };
  const until = frozenUntil(periods);
  if (until && date <= until) return { key: 'frozen', date: until };
  return undefined;
}

/**
 * A copy of the latest version (everything it holds, fields this studio does not render
 * included) starting at `effectiveFrom`, with the next version number. The latest version ends
 * the day before, so exactly one version is in effect at any date.
 */
export function withNewVersion(plan: PlanDoc, effectiveFrom: string): { plan: PlanDoc; index: number } {
  const li = latestIndex(plan);
  const latest = plan.versions[li];
  if (!latest) throw new Error('a plan has at least one version');
  const copy: PlanVersion = structuredClone(latest);
  copy.version = Math.max(...plan.versions.map((v) => v.version)) + 1;
  copy.effectiveFrom = effectiveFrom;
  delete copy.effectiveTo;
  const end = dayBefore(effectiveFrom);
  const versions = plan.versions.map((v, i) => (i === li && (!v.effectiveTo || v.effectiveTo > end) ? { ...v, effectiveTo: end } : v));
  return { plan: { ...plan, versions: [...versions, copy] }, index: versions.length };
}
