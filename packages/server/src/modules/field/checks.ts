// The server's refusals of impossible device reports: a time in the future or older than the
// tenant allows, and a position no one could have reached from the user's previous one.
import { ApiError } from '../../http/errors.ts';
import { MAX_SPEED_KMH, speedKmh, type Point } from './geo.ts';
import type { FieldPort } from './tables.ts';

// Phones' clocks drift; a minute or two ahead is a clock, not a forgery.
const CLOCK_SKEW_MS = 2 * 60 * 1000;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A device time: an ISO instant with its offset, not in the future, not older than `maxAgeMinutes`. */
export function deviceTime(value: string, maxAgeMinutes: number, now = new Date()): Date {
  const at = new Date(value);
  if (!ISO_INSTANT.test(value) || Number.isNaN(at.getTime())) {
    throw new ApiError(400, 'invalid_body', 'at must be an ISO 8601 time with its offset', [{ path: '/at', rule: 'format', message: 'must be like 2026-05-01T09:30:00+08:00' }]);
  }
  if (at.getTime() > now.getTime() + CLOCK_SKEW_MS) {
    throw new ApiError(422, 'future_time', 'the device time is in the future', [{ path: '/at', rule: 'future_time', message: `is after the server's time (${now.toISOString()})` }]);
  }
  if (at.getTime() < now.getTime() - maxAgeMinutes * 60_000) {
    throw new ApiError(422, 'too_old', `the device time is more than ${maxAgeMinutes} minutes old`, [{ path: '/at', rule: 'too_old', message: `is older than the tenant's ${maxAgeMinutes} minutes` }]);
  }
  return at;
}

interface PositionRow {
  check_in_at: Date | string;
  lat: number;
  lng: number;
  accuracy: number;
  check_out_at: Date | string | null;
  out_lat: number | null;
  out_lng: number | null;
  out_accuracy: number | null;
}

type Fix = Point & { at: Date; accuracy: number };

// Positions further apart in time than this need no check: a day's travel is unbounded.
const WINDOW_MS = 48 * 3_600_000;

/**
 * Refuses a report that would need more than MAX_SPEED_KMH from the user's nearest reports before
 * and after it in time (devices sync late, so a report may land between two others).
 */
export async function assertReachable(port: FieldPort, userId: string, fix: Fix): Promise<void> {
  const from = new Date(fix.at.getTime() - WINDOW_MS);
  const to = new Date(fix.at.getTime() + WINDOW_MS);
  const rows = (await port
    .table('checkin')
    .where({ user_id: userId })
    .andWhere((q) => q.whereBetween('check_in_at', [from, to]).orWhereBetween('check_out_at', [from, to]))
    .select('check_in_at', 'lat', 'lng', 'accuracy', 'check_out_at', 'out_lat', 'out_lng', 'out_accuracy')) as PositionRow[];
  const fixes: Fix[] = [];
  for (const r of rows) {
    fixes.push({ at: new Date(r.check_in_at), lat: Number(r.lat), lng: Number(r.lng), accuracy: Number(r.accuracy) });
    if (r.check_out_at !== null && r.out_lat !== null && r.out_lng !== null) {
      fixes.push({ at: new Date(r.check_out_at), lat: Number(r.out_lat), lng: Number(r.out_lng), accuracy: Number(r.out_accuracy ?? 0) });
    }
  }
  const before = fixes.filter((f) => f.at <= fix.at).sort((a, b) => b.at.getTime() - a.at.getTime())[0];
  const after = fixes.filter((f) => f.at > fix.at).sort((a, b) => a.at.getTime() - b.at.getTime())[0];
  for (const other of [before, after]) {
    if (!other) continue;
    const speed = speedKmh(other, fix);
    if (speed > MAX_SPEED_KMH) {
      throw new ApiError(422, 'impossible_speed', `reaching this position from the one reported at ${other.at.toISOString()} needs more than ${MAX_SPEED_KMH} km/h`, [
        { path: '/lat', rule: 'impossible_speed', message: `${Number.isFinite(speed) ? Math.round(speed) : 'infinite'} km/h from the previous report` },
      ]);
    }
  }
}
