import { ApiError } from './errors.ts';

/**
 * One validator for the dates, periods and ids that clients put in paths, query strings and
 * bodies. Every route that takes one asks here, so `2026-02-30`, `2026-13` or `abc` is the same
 * clear 400 naming the parameter everywhere, instead of reaching PostgreSQL (a 500) or being
 * silently treated as an empty period.
 */

/** Dates outside these years are refused: older or later is a typo, and PostgreSQL has no year 0. */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2999;

/** Longest URL (path and query) the API accepts; longer gets 414 in the standard error shape. */
export const MAX_URL_LENGTH = 8192;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const PERIOD = /^(FY)?(\d{4})(?:-(\d{2})|-Q(\d))?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
const yearOk = (year: number) => year >= MIN_YEAR && year <= MAX_YEAR;

/** Shows a refused value in a message without echoing a huge or unprintable one. */
const shown = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : typeof v);

function calendarDate(y: string, m: string, d: string): boolean {
  const year = Number(y);
  const month = Number(m);
  return yearOk(year) && month >= 1 && month <= 12 && Number(d) >= 1 && Number(d) <= daysIn(year, month);
}

/** True for a calendar-valid `YYYY-MM-DD` within MIN_YEAR..MAX_YEAR. */
export function isIsoDate(value: unknown): value is string {
  const m = typeof value === 'string' ? DATE.exec(value) : null;
  return !!m && calendarDate(m[1]!, m[2]!, m[3]!);
}

/**
 * True for `YYYY`, `YYYY-MM` (01–12) or `YYYY-Qn` (1–4), or a fiscal `FYYYYY` / `FYYYYY-Qn`
 * (calendar/fiscal.ts), within MIN_YEAR..MAX_YEAR. Whether a quarter is named the tenant's way is the
 * engine's check (it knows the tenant's fiscal calendar).
 */
export function isPeriod(value: unknown): value is string {
  const m = typeof value === 'string' ? PERIOD.exec(value) : null;
  if (!m || !yearOk(Number(m[2]))) return false;
  if (m[3] !== undefined) return !m[1] && Number(m[3]) >= 1 && Number(m[3]) <= 12;
  if (m[4] !== undefined) return Number(m[4]) >= 1 && Number(m[4]) <= 4;
  return true;
}

/** True for a `YYYY-MM` month within MIN_YEAR..MAX_YEAR. */
export function isMonth(value: unknown): value is string {
  return typeof value === 'string' && /^\d{4}-\d{2}$/.test(value) && isPeriod(value);
}

/** True for an ISO date or date-time (with optional zone) that names a real instant in range. */
export function isIsoDateTime(value: unknown): value is string {
  const m = typeof value === 'string' ? DATE_TIME.exec(value) : null;
  if (!m || !calendarDate(m[1]!, m[2]!, m[3]!)) return false;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)) return false;
  return !Number.isNaN(new Date(value as string).getTime());
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

function refuse(code: string, path: string, rule: string, message: string, value: unknown): ApiError {
  const name = path.split('/').pop() || 'value';
  return new ApiError(400, code, `${name} ${message} (got ${shown(value)})`, [{ path, rule, message }]);
}

// `path` is the detail's JSON pointer: `/asOf` for a query parameter, `/period` for a path
// parameter, `/assignments/0/from` inside a body.

/** A required date. */
export function dateParam(value: unknown, path: string): string {
  if (!isIsoDate(value)) throw refuse('invalid_date', path, 'date', `must be a calendar date YYYY-MM-DD between ${MIN_YEAR} and ${MAX_YEAR}`, value);
  return value;
}

/** A date that may be left out (undefined or empty); present, it must be valid. */
export function optionalDateParam(value: unknown, path: string): string | undefined {
  return value === undefined || value === '' ? undefined : dateParam(value, path);
}

/** A date or date-time (ISO 8601), for instants such as the start of a delegation. */
export function dateTimeParam(value: unknown, path: string): Date {
  if (!isIsoDateTime(value)) throw refuse('invalid_date', path, 'date_time', `must be an ISO date or date-time between ${MIN_YEAR} and ${MAX_YEAR}`, value);
  return new Date(value);
}

/** A required period: `YYYY`, `YYYY-MM`, `YYYY-Qn`, or a fiscal `FYYYYY` / `FYYYYY-Qn`. */
export function periodParam(value: unknown, path: string): string {
  if (!isPeriod(value)) throw refuse('invalid_period', path, 'period', `must be a period YYYY-MM, YYYY-Qn, YYYY, FYYYYY-Qn or FYYYYY between ${MIN_YEAR} and ${MAX_YEAR}`, value);
  return value;
}

export function optionalPeriodParam(value: unknown, path: string): string | undefined {
  return value === undefined || value === '' ? undefined : periodParam(value, path);
}

/** A required month `YYYY-MM`. */
export function monthParam(value: unknown, path: string): string {
  if (!isMonth(value)) throw refuse('invalid_period', path, 'month', `must be a month YYYY-MM between ${MIN_YEAR} and ${MAX_YEAR}`, value);
  return value;
}

/** A period, or as-of date (`YYYY-MM-DD`): both are accepted where a report is "as of" a point in time. */
export function periodOrDateParam(value: unknown, path: string): string {
  if (!isPeriod(value) && !isIsoDate(value))
    throw refuse('invalid_date', path, 'date', `must be a date YYYY-MM-DD or a period YYYY-MM, YYYY-Qn, YYYY, FYYYYY-Qn or FYYYYY between ${MIN_YEAR} and ${MAX_YEAR}`, value);
  return value;
}

/**
 * A period whose syntax another module owns (the goals calendar: `FY2026-Q1`, `2026-W07`, day
 * ranges): whatever its form, every year written in it must be in range.
 */
export function periodYearsParam(value: string, path: string): string {
  if (!(value.match(/\d{4,}/g) ?? []).every((y) => y.length === 4 && yearOk(Number(y)))) {
    throw refuse('invalid_period', path, 'period', `must name years between ${MIN_YEAR} and ${MAX_YEAR}`, value);
  }
  return value;
}

/** An id that must be a uuid: anything else is 400 `invalid_id`, never a database error. */
export function uuidParam(value: unknown, path: string): string {
  if (!isUuid(value)) throw refuse('invalid_id', path, 'uuid', 'must be a uuid', value);
  return value.toLowerCase();
}

/** Every element of a list in a body must be a JSON object (engines read fields of each row). */
export function objectRows(list: readonly unknown[], path: string): void {
  const bad = list.findIndex((row) => !row || typeof row !== 'object' || Array.isArray(row));
  if (bad >= 0) throw new ApiError(400, 'invalid_body', `every entry of ${path.slice(1)} must be an object`, [{ path: `${path}/${bad}`, rule: 'type', message: 'must be an object' }]);
}

/** 414 in the API's error shape for a URL longer than anyone should send. */
export function assertUrlLength(url: string): void {
  if (url.length > MAX_URL_LENGTH) {
    throw new ApiError(414, 'uri_too_long', `the URL is longer than ${MAX_URL_LENGTH} characters`, [{ path: '', rule: 'max_length', message: `at most ${MAX_URL_LENGTH} characters` }]);
  }
}
