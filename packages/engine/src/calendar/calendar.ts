// The tenant calendar: the one place that decides which day, and so which month, quarter or fiscal
// year, a moment falls on. A datetime is a moment: its day is the day on the tenant's wall clock
// (time zone). A date-only value is already a calendar day and is never shifted. Goals (KPI months,
// attainment), incentives (transaction dates, periods), alerts and exports all ask here.
import { calendar, type Store } from '@attain/store';
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

// The day arithmetic itself lives in the store's calendar (the workflow and the org service
// need it too, and cannot depend on the engine): re-exported here, not copied.
export const localDate = calendar.localDate;
export const localMonth = calendar.localMonth;

/** Today on the tenant's wall clock. */
export function today(timeZone: string, now: Date = new Date()): string {
  return calendar.localToday(timeZone, now);
}

/** The calendar day of a column in SQL (the store's calendar owns it; reports use it too). */
export const localDateSql = calendar.localDateSql;
