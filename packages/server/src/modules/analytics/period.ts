// A report's period in the tenant calendar: relative ranges (this quarter, last 12 months) turn into
// days on the tenant's wall clock, quarters and years are the tenant's fiscal ones (engine fiscal.ts),
// and a comparison is the same range shifted back by whole months.
import { addMonths, fiscalKeyOf, monthsOfKey, today, type TenantCalendar } from '@attain/engine';
import { calendar } from '@attain/store';
import type { Range } from './schema.ts';

/** Inclusive days, YYYY-MM-DD. */
export interface DayRange {
  from: string;
  to: string;
}

const lastDayOf = (month: string): string => calendar.addDays(`${addMonths(month, 1)}-01`, -1);
const monthOf = (day: string): string => day.slice(0, 7);

/** Monday of the ISO week a day falls in. */
function weekStart(day: string): string {
  const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
  return calendar.addDays(day, -((dow + 6) % 7));
}

function monthsRange(months: string[]): DayRange {
  return { from: `${months[0]}-01`, to: lastDayOf(months[months.length - 1] as string) };
}

/** The days a range covers on `asOf` (the tenant's today unless given). */
export function resolveRange(range: Range, cal: TenantCalendar, asOf?: string): DayRange {
  const day = asOf ?? today(cal.timeZone);
  const month = monthOf(day);
  const fiscal = (m: string, kind: 'quarter' | 'year') => monthsOfKey(fiscalKeyOf(m, kind, cal), cal) as string[];
  if (typeof range === 'object' && 'from' in range) return { from: range.from, to: range.to };
  if (typeof range === 'object') {
    if (range.unit === 'day') return { from: calendar.addDays(day, 1 - range.last), to: day };
    // The last N whole months before the current one (the current month is not over).
    return { from: `${addMonths(month, -range.last)}-01`, to: lastDayOf(addMonths(month, -1)) };
  }
  switch (range) {
    case 'today':
      return { from: day, to: day };
    case 'yesterday':
      return { from: calendar.addDays(day, -1), to: calendar.addDays(day, -1) };
    case 'this_week':
      return { from: weekStart(day), to: calendar.addDays(weekStart(day), 6) };
    case 'last_week':
      return { from: calendar.addDays(weekStart(day), -7), to: calendar.addDays(weekStart(day), -1) };
    case 'this_month':
      return monthsRange([month]);
    case 'last_month':
      return monthsRange([addMonths(month, -1)]);
    case 'this_quarter':
      return monthsRange(fiscal(month, 'quarter'));
    case 'last_quarter':
      return monthsRange(fiscal(addMonths(fiscal(month, 'quarter')[0] as string, -1), 'quarter'));
    case 'this_year':
      return monthsRange(fiscal(month, 'year'));
    case 'last_year':
      return monthsRange(fiscal(addMonths(fiscal(month, 'year')[0] as string, -1), 'year'));
  }
}

export const COMPARE_MONTHS = { mom: 1, qoq: 3, yoy: 12 } as const;

/** A day moved by whole months; the last day of a month stays the last day (Feb 29 → Feb 28). */
export function shiftDay(day: string, months: number): string {
  const m = addMonths(monthOf(day), months);
  const end = lastDayOf(m);
  return day === lastDayOf(monthOf(day)) || `${m}-${day.slice(8)}` > end ? end : `${m}-${day.slice(8)}`;
}

export function shiftRange(r: DayRange, months: number): DayRange {
  return { from: shiftDay(r.from, months), to: shiftDay(r.to, months) };
}

/** A bucket key moved by whole months (day keys are days, the others `YYYY-MM`). */
export function shiftKey(key: string, bucket: string, months: number): string {
  return bucket === 'day' ? shiftDay(key, months) : addMonths(key, months);
}

/** The days a bucket key stands for. */
export function bucketRange(key: string, bucket: string): DayRange {
  switch (bucket) {
    case 'day':
      return { from: key, to: key };
    case 'week':
      return { from: key, to: calendar.addDays(key, 6) };
    case 'month':
      return { from: `${key}-01`, to: lastDayOf(key) };
    case 'quarter':
      return { from: `${key}-01`, to: lastDayOf(addMonths(key, 2)) };
    default:
      return { from: `${key}-01`, to: lastDayOf(addMonths(key, 11)) };
  }
}

/** How a bucket key reads: the tenant's quarter or year name (`2026-Q1`, `FY2026`), else the key. */
export function bucketLabel(key: string, bucket: string, cal: TenantCalendar): string {
  if (bucket === 'quarter') return fiscalKeyOf(key, 'quarter', cal);
  if (bucket === 'year') return fiscalKeyOf(key, 'year', cal);
  return key;
}

/**
 * A day range as a condition in the list filter language on a date or datetime field: a date
 * compares as a day, a datetime from the first moment of `from` to before the first of the day
 * after `to`, both on the tenant's clock.
 */
export function rangeFilter(field: string, storage: string, r: DayRange, timeZone: string): Record<string, unknown> {
  if (storage === 'date') return { [field]: { gte: r.from, lte: r.to } };
  return { [field]: { gte: calendar.dayStart(r.from, timeZone).toISOString(), lt: calendar.dayStart(calendar.addDays(r.to, 1), timeZone).toISOString() } };
}
