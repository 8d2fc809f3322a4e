// The tenant calendar: the one place that decides which day, and so which month, quarter or fiscal
// year, a moment falls on. A datetime is a moment: its day is the day on the tenant's wall clock
// (time zone). A date-only value is already a calendar day and is never shifted. Goals (KPI months,
// attainment), incentives (transaction dates, periods), alerts and exports all ask here.
import type { Store } from '@attain/store';
import type { FiscalCalendar } from './fiscal.ts';

/** The time zone, and the fiscal year's first month (fiscal.ts owns what quarters and years that makes). */
export interface TenantCalendar extends FiscalCalendar {
  /** IANA time zone, e.g. `Asia/Shanghai`. */
  timeZone: string;
}

export const UTC_CALENDAR: TenantCalendar = { timeZone: 'UTC', firstMonth: 1 };

/** The tenant's calendar, from its settings (cached by the store per metadata version). */
export async function tenantCalendar(store: Pick<Store, 'tenants'>, tenant: string): Promise<TenantCalendar> {
  const s = await store.tenants.settings(tenant);
  return { timeZone: s.timeZone, firstMonth: s.fiscalYearStartMonth };
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) formatters.set(timeZone, (f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  return f;
}

/**
 * The calendar day (YYYY-MM-DD) of a value in the time zone: a date-only string as it is, a
 * datetime (ISO string with an offset or Z, or a Date) on the zone's wall clock. Undefined for
 * anything that is not a date.
 */
export function localDate(value: unknown, timeZone: string): string | undefined {
  if (typeof value === 'string') {
    if (DATE_ONLY.test(value)) return value;
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : dayIn(new Date(ms), timeZone);
  }
  if (value instanceof Date && !Number.isNaN(value.getTime())) return dayIn(value, timeZone);
  return undefined;
}

function dayIn(d: Date, timeZone: string): string {
  const parts = formatter(timeZone).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** The month (YYYY-MM) of a value in the time zone (see localDate). */
export function localMonth(value: unknown, timeZone: string): string | undefined {
  return localDate(value, timeZone)?.slice(0, 7);
}

/** Today on the tenant's wall clock. */
export function today(timeZone: string, now: Date = new Date()): string {
  return dayIn(now, timeZone);
}

/**
 * The calendar day of a column in SQL: a `date` column as it is, a `datetime` (timestamptz) one at
 * the tenant's time zone, bound as a parameter (never spliced): `(col at time zone ?)::date`.
 */
export function localDateSql(column: string, storage: string, timeZone: string): { text: string; bindings: string[] } {
  if (storage === 'datetime') return { text: `((${column}) at time zone ?::text)::date`, bindings: [timeZone] };
  return { text: `(${column})::date`, bindings: [] };
}
