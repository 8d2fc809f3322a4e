/**
 * Plan periods keyed by frequency: monthly `YYYY-MM`; quarterly and annual periods follow the
 * tenant's fiscal calendar (calendar/fiscal.ts, the one fiscal rule goals read too): `2026-Q1` and
 * `2026` when the fiscal year is the calendar year, else `FY2026-Q1` and `FY2026`, named by the
 * calendar year the fiscal year starts in. Dates are `YYYY-MM-DD` strings compared as text; keys of
 * one frequency also sort as text.
 */
import { canonicalKeyIssue, fiscalKeyOf, monthsOfKey, type FiscalCalendar } from '../calendar/fiscal.ts';

export type { FiscalCalendar } from '../calendar/fiscal.ts';
export type Frequency = 'monthly' | 'quarterly' | 'annual';

export const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;
export const QUARTER_RE = /^(FY)?\d{4}-Q[1-4]$/;
export const YEAR_RE = /^(FY)?\d{4}$/;
/** Any period key: `YYYY-MM`, `YYYY-Qn`, `YYYY`, `FYYYYY-Qn` or `FYYYYY`, years 1900–2999 (the API's range for any date). */
export const PERIOD_RE = /^(?:(19\d{2}|2\d{3})(-(0[1-9]|1[0-2])|-Q[1-4])?|FY(19\d{2}|2\d{3})(-Q[1-4])?)$/;
export const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar day `YYYY-MM-DD` (2026-02-30 is not one) in the years 1900–2999. */
export function isCalendarDate(v: unknown): v is string {
  if (typeof v !== 'string' || !DATE_RE.test(v)) return false;
  const year = Number(v.slice(0, 4));
  if (year < 1900 || year > 2999) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}
export const PERIOD_HINT = 'a period (YYYY-MM, YYYY-Qn or YYYY; FYYYYY-Qn or FYYYYY when the fiscal year starts after January)';

/**
 * Why a key is not one of the tenant's periods (undefined when it is): not a period at all, or a
 * quarter or year named on the other calendar (`2026-Q1` where quarters are fiscal, `FY2026` where
 * the fiscal year is the calendar year).
 */
export function periodIssue(period: unknown, cal: FiscalCalendar): { rule: string; message: string } | undefined {
  if (typeof period !== 'string' || !PERIOD_RE.test(period)) return { rule: 'pattern', message: 'must be YYYY-MM, YYYY-Qn or YYYY (FYYYYY-Qn or FYYYYY when the fiscal year starts after January)' };
  const other = canonicalKeyIssue(period, cal);
  return other ? { rule: 'fiscal_calendar', message: other } : undefined;
}

/** The sentence of a 400 `bad_period` for a key periodIssue refused. */
export function periodIssueText(period: unknown, issue: { rule: string; message: string }): string {
  const shown = JSON.stringify(String(period).slice(0, 40));
  return issue.rule === 'pattern' ? `${shown} is not ${PERIOD_HINT}` : `${shown} is not one of this tenant's periods: ${issue.message}`;
}

export function frequencyOf(period: string): Frequency {
  if (QUARTER_RE.test(period)) return 'quarterly';
  if (YEAR_RE.test(period)) return 'annual';
  return 'monthly';
}

/** The tenant's period of the given frequency that contains the date. */
export function periodOf(date: string, frequency: Frequency, cal: FiscalCalendar): string {
  const month = date.slice(0, 7);
  if (frequency === 'monthly') return month;
  return fiscalKeyOf(month, frequency === 'annual' ? 'year' : 'quarter', cal);
}

/** First and last month (`YYYY-MM`) of a period. */
function span(period: string, cal: FiscalCalendar): [string, string] {
  const months = monthsOfKey(period, cal);
  if (!months) throw new Error(`not a period: ${period.slice(0, 40)}`);
  return [months[0]!, months[months.length - 1]!];
}

export function periodStart(period: string, cal: FiscalCalendar): string {
  return `${span(period, cal)[0]}-01`;
}

export function periodEnd(period: string, cal: FiscalCalendar): string {
  const last = span(period, cal)[1];
  const day = new Date(Date.UTC(Number(last.slice(0, 4)), Number(last.slice(5, 7)), 0)).getUTCDate();
  return `${last}-${String(day).padStart(2, '0')}`;
}

export function nextPeriod(period: string, cal: FiscalCalendar): string {
  return periodOf(addDays(periodEnd(period, cal), 1), frequencyOf(period), cal);
}

export function previousPeriod(period: string, cal: FiscalCalendar): string {
  return periodOf(addDays(periodStart(period, cal), -1), frequencyOf(period), cal);
}

/** Periods from `from` to `to` inclusive, of `from`'s frequency. */
export function periodsBetween(from: string, to: string, cal: FiscalCalendar): string[] {
  const out: string[] = [];
  const end = periodEnd(to, cal);
  for (let p = from; periodEnd(p, cal) <= end; p = nextPeriod(p, cal)) out.push(p);
  return out;
}

/** The months (`YYYY-MM`) a period spans. */
export function monthsOf(period: string, cal: FiscalCalendar): string[] {
  return monthsOfKey(period, cal) ?? [];
}

/** Chronological order across frequencies: by start, then the shorter period first. */
export function comparePeriods(a: string, b: string, cal: FiscalCalendar): number {
  return periodStart(a, cal).localeCompare(periodStart(b, cal)) || periodEnd(a, cal).localeCompare(periodEnd(b, cal));
}

const DAY = 86_400_000;
export function dayNumber(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / DAY);
}

export function addDays(date: string, days: number): string {
  return new Date((dayNumber(date) + days) * DAY).toISOString().slice(0, 10);
}

export function daysIn(period: string, cal: FiscalCalendar): number {
  return dayNumber(periodEnd(period, cal)) - dayNumber(periodStart(period, cal)) + 1;
}

export function within(date: string, from: string, to: string | null | undefined): boolean {
  return date >= from && (!to || date <= to);
}

/** A closed range of dates. */
export interface DateRange {
  from: string;
  to: string;
}

export function rangeDays(r: DateRange): number {
  return dayNumber(r.to) - dayNumber(r.from) + 1;
}

export function periodRange(period: string, cal: FiscalCalendar): DateRange {
  return { from: periodStart(period, cal), to: periodEnd(period, cal) };
}
