// What clients see of a daily report, the schemas of the answers, and the day a query names.
import { calendar } from '@attain/store';
import { ApiError, badRequest } from '../../http/errors.ts';
import { INTEGER, nullable, object, STRING } from '../../http/route-schema.ts';
import type { Report } from './report-store.ts';
import type { DayFigures } from './prefill.ts';

export const REPORT_VIEW = object(
  {
    id: nullable(STRING),
    date: STRING,
    status: { type: 'string', enum: ['new', 'draft', 'submitted'] },
    submittedAt: nullable(STRING),
    visits: INTEGER,
    checkinsInRadius: INTEGER,
    photos: INTEGER,
    calls: INTEGER,
    dealsMoved: INTEGER,
    summary: STRING,
    tomorrowPlan: STRING,
  },
  ['id', 'date', 'status', 'submittedAt', 'visits', 'checkinsInRadius', 'photos', 'calls', 'dealsMoved', 'summary', 'tomorrowPlan'],
);

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : typeof v === 'string' && v ? new Date(v).toISOString() : null);

export function reportView(r: Report) {
  return {
    id: r.id,
    date: str(r.report_date).slice(0, 10),
    status: r.status === 'submitted' ? 'submitted' : 'draft',
    submittedAt: iso(r.submitted_at),
    visits: Number(r.visits ?? 0),
    checkinsInRadius: Number(r.checkins_in_radius ?? 0),
    photos: Number(r.photos ?? 0),
    calls: Number(r.calls ?? 0),
    dealsMoved: Number(r.deals_moved ?? 0),
    summary: str(r.summary),
    tomorrowPlan: str(r.tomorrow_plan),
  };
}

/** A day not yet drafted: what its draft would hold. */
export function previewView(day: string, f: DayFigures) {
  return {
    id: null,
    date: day,
    status: 'new',
    submittedAt: null,
    visits: f.visits,
    checkinsInRadius: f.checkins_in_radius,
    photos: f.photos,
    calls: f.calls,
    dealsMoved: f.deals_moved,
    summary: f.summary,
    tomorrowPlan: '',
  };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The day a request names (`date`, default the tenant's today); a real day, not in the future. */
export function dayOf(date: string | undefined, timeZone: string, where: 'query' | 'body'): string {
  const today = calendar.localToday(timeZone);
  const day = date ?? today;
  const code = where === 'query' ? 'invalid_query' : 'invalid_body';
  if (!DAY.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`)) || new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) !== day) {
    throw badRequest(code, 'date must be a day, YYYY-MM-DD', [{ path: '/date', rule: 'format', message: 'must be a real day, YYYY-MM-DD' }]);
  }
  if (day > today) throw new ApiError(422, 'future_day', 'a daily report is of a day that has begun', [{ path: '/date', rule: 'future_day', message: `must be ${today} or earlier` }]);
  return day;
}
