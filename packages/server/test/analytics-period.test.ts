// The report period arithmetic in the tenant calendar: relative ranges, fiscal quarters and years,
// comparison shifts and bucket ranges (pure functions; the HTTP test covers them end to end).
import { describe, expect, it } from 'vitest';
import { bucketLabel, bucketRange, rangeFilter, resolveRange, shiftDay, shiftKey } from '../src/modules/analytics/period.ts';

const jan = { timeZone: 'UTC', firstMonth: 1 };
const april = { timeZone: 'Asia/Shanghai', firstMonth: 4 };

describe('relative ranges', () => {
  it('resolves every named range on a given day (Wednesday 2026-05-13)', () => {
    const day = '2026-05-13';
    const cases: Array<[string, string, string]> = [
      ['today', '2026-05-13', '2026-05-13'],
      ['yesterday', '2026-05-12', '2026-05-12'],
      ['this_week', '2026-05-11', '2026-05-17'],
      ['last_week', '2026-05-04', '2026-05-10'],
      ['this_month', '2026-05-01', '2026-05-31'],
      ['last_month', '2026-04-01', '2026-04-30'],
      ['this_quarter', '2026-04-01', '2026-06-30'],
      ['last_quarter', '2026-01-01', '2026-03-31'],
      ['this_year', '2026-01-01', '2026-12-31'],
      ['last_year', '2025-01-01', '2025-12-31'],
    ];
    for (const [range, from, to] of cases) expect([range, resolveRange(range as never, jan, day)]).toEqual([range, { from, to }]);
  });

  it('quarters and years are fiscal when the year starts in April', () => {
    expect(resolveRange('this_quarter', april, '2026-05-13')).toEqual({ from: '2026-04-01', to: '2026-06-30' });
    expect(resolveRange('last_quarter', april, '2026-05-13')).toEqual({ from: '2026-01-01', to: '2026-03-31' });
    expect(resolveRange('this_year', april, '2026-03-31')).toEqual({ from: '2025-04-01', to: '2026-03-31' });
    expect(resolveRange('last_year', april, '2026-04-01')).toEqual({ from: '2025-04-01', to: '2026-03-31' });
  });

  it('last N days end today; last N months are the whole months before this one; explicit ranges pass through', () => {
    expect(resolveRange({ last: 7, unit: 'day' }, jan, '2026-03-02')).toEqual({ from: '2026-02-24', to: '2026-03-02' });
    expect(resolveRange({ last: 12, unit: 'month' }, jan, '2026-03-02')).toEqual({ from: '2025-03-01', to: '2026-02-28' });
    expect(resolveRange({ from: '2026-01-01', to: '2026-01-31' }, jan)).toEqual({ from: '2026-01-01', to: '2026-01-31' });
    // Without a day given, today on the tenant's clock.
    expect(resolveRange('today', jan).from).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});

describe('comparison shifts and buckets', () => {
  it('moves days by months, keeping month ends at month ends', () => {
    expect(shiftDay('2026-03-31', -1)).toBe('2026-02-28');
    expect(shiftDay('2025-02-28', -12)).toBe('2024-02-29');
    expect(shiftDay('2024-02-29', -12)).toBe('2023-02-28');
    expect(shiftDay('2026-03-15', -3)).toBe('2025-12-15');
    expect(shiftDay('2026-01-30', 1)).toBe('2026-02-28');
    expect(shiftKey('2026-01', 'month', -12)).toBe('2025-01');
    expect(shiftKey('2026-01-05', 'day', -1)).toBe('2025-12-05');
  });

  it('bucket keys stand for days and read as the tenant names them', () => {
    expect(bucketRange('2026-05-11', 'week')).toEqual({ from: '2026-05-11', to: '2026-05-17' });
    expect(bucketRange('2026-05-11', 'day')).toEqual({ from: '2026-05-11', to: '2026-05-11' });
    expect(bucketRange('2026-02', 'month')).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(bucketRange('2026-01', 'quarter')).toEqual({ from: '2026-01-01', to: '2026-03-31' });
    expect(bucketRange('2025-04', 'year')).toEqual({ from: '2025-04-01', to: '2026-03-31' });
    expect(bucketLabel('2026-01', 'quarter', april)).toBe('FY2025-Q4');
    expect(bucketLabel('2025-04', 'year', april)).toBe('FY2025');
    expect(bucketLabel('2026-01', 'quarter', jan)).toBe('2026-Q1');
    expect(bucketLabel('2026-01', 'month', jan)).toBe('2026-01');
  });

  it('a range on a datetime field runs from the first moment of the first day to the first moment after the last, on the tenant clock', () => {
    expect(rangeFilter('at', 'datetime', { from: '2026-01-01', to: '2026-03-31' }, 'Asia/Shanghai')).toEqual({ at: { gte: '2025-12-31T16:00:00.000Z', lt: '2026-03-31T16:00:00.000Z' } });
    expect(rangeFilter('d', 'date', { from: '2026-01-01', to: '2026-03-31' }, 'Asia/Shanghai')).toEqual({ d: { gte: '2026-01-01', lte: '2026-03-31' } });
  });
});
