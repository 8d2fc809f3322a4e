/** Monthly periods keyed `YYYY-MM`; dates are `YYYY-MM-DD` strings compared as text. */
export function periodOf(date: string): string {
  return date.slice(0, 7);
}

export function periodStart(period: string): string {
  return `${period}-01`;
}

export function periodEnd(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${period}-${String(last).padStart(2, '0')}`;
}

export function nextPeriod(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

export function periodsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let p = from; p <= to; p = nextPeriod(p)) out.push(p);
  return out;
}

const DAY = 86_400_000;
export function dayNumber(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / DAY);
}

export function addDays(date: string, days: number): string {
  return new Date((dayNumber(date) + days) * DAY).toISOString().slice(0, 10);
}

/** Days of [from, to] (inclusive, open end when null) that fall inside the period. */
export function overlapDays(period: string, from: string, to: string | null | undefined): number {
  const start = Math.max(dayNumber(periodStart(period)), dayNumber(from));
  const end = Math.min(dayNumber(periodEnd(period)), to ? dayNumber(to) : Number.MAX_SAFE_INTEGER);
  return Math.max(0, end - start + 1);
}

export function daysIn(period: string): number {
  return dayNumber(periodEnd(period)) - dayNumber(periodStart(period)) + 1;
}

export const PERIOD_RE = /^\d{4}-(0[1-9]|1[0-2])$/;
export const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export function within(date: string, from: string, to: string | null | undefined): boolean {
  return date >= from && (!to || date <= to);
}
