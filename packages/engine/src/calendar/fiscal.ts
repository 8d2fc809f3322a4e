// The fiscal rule, once: which months make a quarter or a year, and how they are named. Goals
// (parsePeriod) and incentives (periods.ts) both read month, quarter and year keys through here, so
// `FY2026-Q1` is the same three months in a goal, a statement and a payout.
//
// Naming: a fiscal year is named by the calendar year it starts in. With the fiscal year starting in
// April, `FY2026` is 2026-04..2027-03 and `FY2026-Q1` is 2026-04..2026-06. A key without `FY`
// (`2026`, `2026-Q1`) is always the calendar year or quarter. With a January start both are the
// same months; incentive periods then keep the plain form (canonicalPeriodKey).

export interface FiscalCalendar {
  /** First month of the fiscal year, 1 = January. */
  firstMonth: number;
}

export const CALENDAR_YEAR: FiscalCalendar = { firstMonth: 1 };

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The month key `YYYY-MM` of a year and a month number that may run past 12 or below 1. */
export function monthKey(year: number, month: number): string {
  const y = year + Math.floor((month - 1) / 12);
  const m = ((((month - 1) % 12) + 12) % 12) + 1;
  return `${pad(y, 4)}-${pad(m)}`;
}

export function addMonths(key: string, n: number): string {
  const [y, m] = key.split('-').map(Number) as [number, number];
  return monthKey(y, m + n);
}

/** The 12 months of a fiscal year, in order. */
export function fiscalYearMonths(year: number, cal: FiscalCalendar = CALENDAR_YEAR): string[] {
  return Array.from({ length: 12 }, (_, i) => monthKey(year, cal.firstMonth + i));
}

/** The fiscal year a month (`YYYY-MM`) belongs to. */
export function fiscalYearOf(month: string, cal: FiscalCalendar = CALENDAR_YEAR): number {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m >= cal.firstMonth ? y : y - 1;
}

/** The fiscal quarter (1–4) a month belongs to. */
export function fiscalQuarterOf(month: string, cal: FiscalCalendar = CALENDAR_YEAR): number {
  const m = Number(month.slice(5, 7));
  return Math.floor(((((m - cal.firstMonth) % 12) + 12) % 12) / 3) + 1;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const YEAR_OR_QUARTER = /^(FY)?(\d{4})(?:-Q([1-4]))?$/;

/**
 * The months of a month (`2026-03`), year (`2026`, `FY2026`) or quarter (`2026-Q1`, `FY2026-Q1`)
 * key, in order; undefined for any other text.
 */
export function monthsOfKey(key: string, cal: FiscalCalendar = CALENDAR_YEAR): string[] | undefined {
  if (MONTH.test(key)) return [key];
  const m = YEAR_OR_QUARTER.exec(key);
  if (!m) return undefined;
  const year = fiscalYearMonths(Number(m[2]), m[1] ? cal : CALENDAR_YEAR);
  return m[3] ? year.slice((Number(m[3]) - 1) * 3, Number(m[3]) * 3) : year;
}

/** `FY` when the fiscal year is not the calendar year: the prefix of a tenant's quarter and year keys. */
export const fiscalPrefix = (cal: FiscalCalendar): string => (cal.firstMonth === 1 ? '' : 'FY');

/** The tenant's key of the fiscal quarter or year a month belongs to: `2026-Q2` or, from April, `FY2026-Q1`. */
export function fiscalKeyOf(month: string, kind: 'quarter' | 'year', cal: FiscalCalendar): string {
  const year = `${fiscalPrefix(cal)}${fiscalYearOf(month, cal)}`;
  return kind === 'year' ? year : `${year}-Q${fiscalQuarterOf(month, cal)}`;
}

/**
 * Why a quarter or year key is not the tenant's own name for it (undefined when it is): a tenant
 * whose year starts in April names its quarters `FY2026-Q1`; a January tenant `2026-Q1`. One name per
 * period keeps one period row, one statement and one payout per stretch of months.
 */
export function canonicalKeyIssue(key: string, cal: FiscalCalendar): string | undefined {
  const m = YEAR_OR_QUARTER.exec(key);
  if (!m || !!m[1] === (cal.firstMonth !== 1)) return undefined;
  if (cal.firstMonth === 1) return `the fiscal year is the calendar year: write "${key.slice(2)}"`;
  const first = (monthsOfKey(key, cal) as string[])[0] as string;
  return `the fiscal year starts in month ${cal.firstMonth}: quarters and years are fiscal, named by the calendar year they start in (${first} is in ${fiscalKeyOf(first, m[3] ? 'quarter' : 'year', cal)})`;
}
