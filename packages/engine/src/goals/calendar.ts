// Periods on a calendar with a configurable first month. Months are the atoms: every period
// except a week or a custom range is a run of whole months, keyed 'YYYY-MM'.

// The fiscal rule (first month, quarters, years and their names) is the tenant calendar's.
import { addMonths, CALENDAR_YEAR, monthsOfKey, type FiscalCalendar } from '../calendar/fiscal.ts';
export { addMonths, CALENDAR_YEAR, fiscalYearMonths, fiscalYearOf, monthKey, type FiscalCalendar } from '../calendar/fiscal.ts';

export type PeriodKind = 'month' | 'quarter' | 'year' | 'week' | 'range';

export interface Period {
  kind: PeriodKind;
  key: string;
  /** First day, YYYY-MM-DD. */
  start: string;
  /** Day after the last day, YYYY-MM-DD (exclusive). */
  end: string;
  /** The months it covers; empty for weeks and ranges that are not month-aligned. */
  months: string[];
}

export function monthStart(key: string): string {
  return `${key}-01`;
}

export function monthOf(date: string): string {
  return date.slice(0, 7);
}

export function daysInMonth(key: string): number {
  const [y, m] = key.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

export function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

function monthsPeriod(kind: PeriodKind, key: string, months: string[]): Period {
  return { kind, key, start: monthStart(months[0]!), end: monthStart(addMonths(months[months.length - 1]!, 1)), months };
}

function isoWeekStart(year: number, week: number): string {
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const monday = new Date(jan4);
  monday.setUTCDate(jan4.getUTCDate() - ((jan4.getUTCDay() + 6) % 7) + (week - 1) * 7);
  return monday.toISOString().slice(0, 10);
}

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/**
 * Parses a period key: `2026-03` (month), `FY2026` / `2026` (fiscal / calendar year),
 * `FY2026-Q1` / `2026-Q1` (quarter), `2026-W07` (ISO week), `2026-03-01..2026-03-15` (days, inclusive).
 * Returns undefined for anything else.
 */
export function parsePeriod(key: string, cal: FiscalCalendar = CALENDAR_YEAR): Period | undefined {
  let m: RegExpExecArray | null;
  const months = monthsOfKey(key, cal);
  if (months) return monthsPeriod(months.length === 1 ? 'month' : months.length === 3 ? 'quarter' : 'year', key, months);
  if ((m = /^(\d{4})-W(0[1-9]|[1-4]\d|5[0-3])$/.exec(key))) {
    const start = isoWeekStart(Number(m[1]), Number(m[2]));
    return { kind: 'week', key, start, end: addDays(start, 7), months: [] };
  }
  if ((m = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(key)) && DATE.test(m[1]!) && DATE.test(m[2]!) && m[1]! <= m[2]!) {
    const start = m[1]!;
    const end = addDays(m[2]!, 1);
    const aligned = start.endsWith('-01') && end.endsWith('-01');
    const months: string[] = [];
    if (aligned) for (let k = monthOf(start); monthStart(k) < end; k = addMonths(k, 1)) months.push(k);
    return { kind: 'range', key, start, end, months };
  }
  return undefined;
}

/** Quarter index (0..3) of each fiscal month position. */
export const quarterOfIndex = (i: number): number => Math.floor(i / 3);
