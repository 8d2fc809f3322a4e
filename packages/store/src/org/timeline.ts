// Effective-dated timelines as plain data: half-open spans [valid_from, valid_to), one subject
// (a user or a unit) per timeline. Every writer of the org — record writes, imports, HR
// connectors — changes a timeline with the same rule: replace it from a date on.
import { localToday } from '../calendar.ts';

/** The first day of an open-ended past: a first span counts from here, so older history still finds a team. */
export const BEGINNING = '1900-01-01';

export interface Span<V> {
  value: V;
  valid_from: string;
  valid_to: string | null;
}

/**
 * The timeline with everything from `from` on replaced by `next` (already ordered, within
 * [from, ∞)): spans starting before `from` are kept and cut at `from`; adjacent spans with equal
 * values are merged, so repeating a change changes nothing.
 */
export function replaceFrom<V>(current: readonly Span<V>[], from: string, next: readonly Span<V>[], same: (a: V, b: V) => boolean): Span<V>[] {
  const kept = current.filter((s) => s.valid_from < from).map((s) => ({ ...s, valid_to: s.valid_to === null || s.valid_to > from ? from : s.valid_to }));
  return merge(
    [...kept, ...next].sort((a, b) => (a.valid_from < b.valid_from ? -1 : a.valid_from > b.valid_from ? 1 : 0)),
    same,
  );
}

function merge<V>(spans: Span<V>[], same: (a: V, b: V) => boolean): Span<V>[] {
  const out: Span<V>[] = [];
  for (const s of spans) {
    if (s.valid_to !== null && s.valid_to <= s.valid_from) continue;
    const last = out.at(-1);
    if (last && last.valid_to === s.valid_from && same(last.value, s.value)) last.valid_to = s.valid_to;
    else out.push({ ...s });
  }
  return out;
}

/** The span covering `day`, if any. */
export function spanAt<V>(spans: readonly Span<V>[], day: string): Span<V> | undefined {
  return spans.find((s) => s.valid_from <= day && (s.valid_to === null || day < s.valid_to));
}

/** Whether two timelines are the same spans with the same values. */
export function sameTimeline<V>(a: readonly Span<V>[], b: readonly Span<V>[], same: (x: V, y: V) => boolean): boolean {
  return a.length === b.length && a.every((s, i) => s.valid_from === b[i]!.valid_from && s.valid_to === b[i]!.valid_to && same(s.value, b[i]!.value));
}

/** Today as YYYY-MM-DD in the time zone (the tenant's; UTC when none is known), by the calendar. */
export function today(now: Date = new Date(), timeZone?: string | null): string {
  if (!timeZone || timeZone === 'UTC') return now.toISOString().slice(0, 10);
  try {
    return localToday(timeZone, now);
  } catch {
    // A zone this runtime does not know (settings are checked against the database's list).
    return now.toISOString().slice(0, 10);
  }
}

/**
 * A record write's stated effective date: a real date, not after today (a future change goes
 * through the org service with its own dates, so the record always shows today's answer).
 * Returns the problem, or null.
 */
export function effectiveDateProblem(value: unknown, object: string, day: string): string | null {
  if (object !== 'user' && object !== 'org_unit') return 'only user and org_unit writes take an effective date';
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value)
    return 'must be a date YYYY-MM-DD';
  if (value > day) return 'must not be after today; future changes go through the org changes API';
  return null;
}
