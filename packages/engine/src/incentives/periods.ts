/**
 * Plan periods keyed by frequency: monthly `YYYY-MM`, quarterly `YYYY-Qn`, annual `YYYY`. Dates
 * are `YYYY-MM-DD` strings compared as text; keys of one frequency also sort as text.
 */
export type Frequency = 'monthly' | 'quarterly' | 'annual';

export const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;
export const QUARTER_RE = /^\d{4}-Q[1-4]$/;
export const YEAR_RE = /^\d{4}$/;
/** Any period key: `YYYY-MM`, `YYYY-Qn` or `YYYY`, years 1900–2999 (the API's range for any date). */
export const PERIOD_RE = /^(19\d{2}|2\d{3})(-(0[1-9]|1[0-2])|-Q[1-4])?$/;
export const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar day `YYYY-MM-DD` (2026-02-30 is not one) in the years 1900–2999. */
export function isCalendarDate(v: unknown): v is string {
  if (typeof v !== 'string' || !DATE_RE.test(v)) return false;
  const year = Number(v.slice(0, 4));
  if (year < 1900 || year > 2999) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}
export const PERIOD_HINT = 'a period (YYYY-MM, YYYY-Qn or YYYY)';

export function frequencyOf(period: string): Frequency {
  if (QUARTER_RE.test(period)) return 'quarterly';
  if (YEAR_RE.test(period)) return 'annual';
  return 'monthly';
}

/** The period of the given frequency that contains the date. */
export function periodOf(date: string, frequency: Frequency = 'monthly'): string {
  if (frequency === 'annual') return date.slice(0, 4);
  if (frequency === 'quarterly') return `${date.slice(0, 4)}-Q${Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1}`;
  return date.slice(0, 7);
}

/** First and last month (1–12) of a period. */
function months(period: string): [number, number, number] {
  const y = Number(period.slice(0, 4));
  const f = frequencyOf(period);
  if (f === 'annual') return [y, 1, 12];
  if (f === 'quarterly') {
    const q = Number(period.slice(6));
    return [y, q * 3 - 2, q * 3];
  }
  const m = Number(period.slice(5, 7));
  return [y, m, m];
}

const pad = (n: number) => String(n).padStart(2, '0');

export function periodStart(period: string): string {
  const [y, first] = months(period);
  return `${y}-${pad(first)}-01`;
}

export function periodEnd(period: string): string {
  const [y, , last] = months(period);
  const day = new Date(Date.UTC(y, last, 0)).getUTCDate();
  return `${y}-${pad(last)}-${pad(day)}`;
}

export function nextPeriod(period: string): string {
  return periodOf(addDays(periodEnd(period), 1), frequencyOf(period));
}

export function previousPeriod(period: string): string {
  return periodOf(addDays(periodStart(period), -1), frequencyOf(period));
}

/** Periods from `from` to `to` inclusive, of `from`'s frequency. */
export function periodsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  const end = periodEnd(to);
  for (let p = from; periodEnd(p) <= end; p = nextPeriod(p)) out.push(p);
  return out;
}

/** The months (`YYYY-MM`) a period spans. */
export function monthsOf(period: string): string[] {
  return periodsBetween(periodOf(periodStart(period)), periodOf(periodEnd(period)));
}

/** Chronological order across frequencies: by start, then the shorter period first. */
export function comparePeriods(a: string, b: string): number {
  return periodStart(a).localeCompare(periodStart(b)) || periodEnd(a).localeCompare(periodEnd(b));
}

const DAY = 86_400_000;
export function dayNumber(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / DAY);
}

export function addDays(date: string, days: number): string {
  return new Date((dayNumber(date) + days) * DAY).toISOString().slice(0, 10);
}

export function daysIn(period: string): number {
  return dayNumber(periodEnd(period)) - dayNumber(periodStart(period)) + 1;
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

export function periodRange(period: string): DateRange {
  return { from: periodStart(period), to: periodEnd(period) };
}
