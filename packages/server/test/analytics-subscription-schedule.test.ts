// When a dashboard subscription runs next: a weekday or a day of the month, at an hour of the
// tenant's wall clock, always strictly after the moment asked about.
import { describe, expect, it } from 'vitest';
import { nextRun, wallTime } from '../src/modules/analytics/subscription-schedule.ts';

const at = (iso: string) => new Date(iso);

describe('subscription schedule', () => {
  it('runs weekly on the weekday at the hour in the tenant zone, the next week once the hour has passed', () => {
    // Monday 2026-12-07 02:00 in Shanghai is 2026-12-06T18:00Z.
    expect(nextRun({ every: 'week', weekday: 1, hour: 8 }, 'Asia/Shanghai', at('2026-12-06T18:00:00Z')).toISOString()).toBe('2026-12-07T00:00:00.000Z');
    expect(nextRun({ every: 'week', weekday: 1, hour: 8 }, 'Asia/Shanghai', at('2026-12-07T00:00:00Z')).toISOString()).toBe('2026-12-14T00:00:00.000Z');
    expect(nextRun({ every: 'week', weekday: 7, hour: 23 }, 'UTC', at('2026-12-07T10:00:00Z')).toISOString()).toBe('2026-12-13T23:00:00.000Z');
  });

  it('runs monthly on the day, on the last day of a shorter month, rolling over the year', () => {
    expect(nextRun({ every: 'month', day: 31, hour: 6 }, 'UTC', at('2027-02-01T00:00:00Z')).toISOString()).toBe('2027-02-28T06:00:00.000Z');
    expect(nextRun({ every: 'month', day: 31, hour: 6 }, 'UTC', at('2028-02-01T00:00:00Z')).toISOString()).toBe('2028-02-29T06:00:00.000Z');
    expect(nextRun({ every: 'month', day: 15, hour: 9 }, 'Europe/Berlin', at('2026-12-20T00:00:00Z')).toISOString()).toBe('2027-01-15T08:00:00.000Z');
  });

  it('keeps the wall-clock hour across a daylight-saving change', () => {
    // New York moves to summer time on 2026-03-08 at 02:00: 09:00 that day is 13:00Z, the day before 14:00Z.
    expect(wallTime('2026-03-07', 9, 'America/New_York').toISOString()).toBe('2026-03-07T14:00:00.000Z');
    expect(wallTime('2026-03-08', 9, 'America/New_York').toISOString()).toBe('2026-03-08T13:00:00.000Z');
    expect(wallTime('2026-11-01', 9, 'America/New_York').toISOString()).toBe('2026-11-01T14:00:00.000Z');
  });
});
