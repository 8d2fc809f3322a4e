// When a subscription runs next: weekly on a weekday, or monthly on a day (a shorter month runs on
// its last day), at an hour of the tenant's wall clock.
import { calendar } from '@attain/store';
import type { Schedule } from './subscription-store.ts';

/** The hour (0–23) the zone's wall clock shows at a moment. */
function wallHour(d: Date, timeZone: string): number {
  return Number(new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' }).format(d));
}

/** The moment a day's wall clock reads `hour`:00 (on a DST-change day, the nearest that exists). */
export function wallTime(day: string, hour: number, timeZone: string): Date {
  const at = new Date(calendar.dayStart(day, timeZone).getTime() + hour * 3_600_000);
  // A clock change earlier that day moved the hour by one: step back onto it.
  const drift = wallHour(at, timeZone) - hour;
  return drift === 0 || Math.abs(drift) > 1 ? at : new Date(at.getTime() - drift * 3_600_000);
}

const isoWeekday = (day: string) => ((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;
const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** The first run strictly after `after`. */
export function nextRun(s: Schedule, timeZone: string, after: Date): Date {
  const today = calendar.localToday(timeZone, after);
  if (s.every === 'week') {
    for (let i = 0; i <= 7; i++) {
      const day = calendar.addDays(today, i);
      if (isoWeekday(day) !== s.weekday) continue;
      const at = wallTime(day, s.hour, timeZone);
      if (at > after) return at;
    }
    return wallTime(calendar.addDays(today, 7), s.hour, timeZone);
  }
  let year = Number(today.slice(0, 4));
  let month = Number(today.slice(5, 7));
  for (;;) {
    const d = Math.min(s.day ?? 1, daysIn(year, month));
    const at = wallTime(`${year}-${String(month).padStart(2, '0')}-${String(d).padStart(2, '0')}`, s.hour, timeZone);
    if (at > after) return at;
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
}
