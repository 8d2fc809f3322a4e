// The store's calendar: which day a moment falls on in a zone, and when a day starts there.
import { describe, expect, it } from 'vitest';
import { addDays, dayStart, localDate, localMonth, localToday } from '../src/calendar.ts';

describe('the calendar', () => {
  it("puts a moment on the day of the zone's wall clock; a date-only value stays as it is", () => {
    expect(localToday('Asia/Shanghai', new Date('2025-05-31T16:30:00Z'))).toBe('2025-06-01');
    expect(localToday('UTC', new Date('2025-05-31T16:30:00Z'))).toBe('2025-05-31');
    expect(localDate('2025-05-31', 'Asia/Shanghai')).toBe('2025-05-31');
    expect(localDate(new Date('2025-05-31T16:30:00Z'), 'America/New_York')).toBe('2025-05-31');
    expect(localMonth('2025-01-31T20:00:00Z', 'Asia/Shanghai')).toBe('2025-02');
    expect(localDate('not a date', 'UTC')).toBeUndefined();
    expect(localDate(42, 'UTC')).toBeUndefined();
  });

  it("starts a day at the zone's midnight, across offset changes and a midnight that DST skips", () => {
    expect(dayStart('2025-06-01', 'Asia/Shanghai').toISOString()).toBe('2025-05-31T16:00:00.000Z');
    expect(dayStart('2025-06-01', 'UTC').toISOString()).toBe('2025-06-01T00:00:00.000Z');
    // New York: EST in winter, EDT in summer; the change night itself starts at EST midnight.
    expect(dayStart('2025-01-15', 'America/New_York').toISOString()).toBe('2025-01-15T05:00:00.000Z');
    expect(dayStart('2025-07-15', 'America/New_York').toISOString()).toBe('2025-07-15T04:00:00.000Z');
    expect(dayStart('2025-03-09', 'America/New_York').toISOString()).toBe('2025-03-09T05:00:00.000Z');
    // Santiago moved its clocks from 00:00 to 01:00 on 2024-09-08: that day starts at 01:00 local.
    const start = dayStart('2024-09-08', 'America/Santiago');
    expect(localDate(start, 'America/Santiago')).toBe('2024-09-08');
    expect(localDate(new Date(start.getTime() - 60_000), 'America/Santiago')).toBe('2024-09-07');
    expect(addDays('2024-02-28')).toBe('2024-02-29');
    expect(addDays('2025-01-01', -1)).toBe('2024-12-31');
  });
});
