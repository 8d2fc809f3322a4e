// The one fiscal rule (calendar/fiscal.ts): goals' period keys and incentive periods read the same
// months for the same key, and incentive periods of a fiscal tenant carry the FY names.
import { describe, expect, it } from 'vitest';
import { canonicalKeyIssue, fiscalKeyOf, fiscalQuarterOf, monthsOfKey } from '../src/calendar/fiscal.ts';
import { parsePeriod } from '../src/goals/calendar.ts';
import { comparePeriods, frequencyOf, monthsOf, nextPeriod, periodEnd, periodIssue, periodIssueText, periodOf, periodStart, periodsBetween, previousPeriod } from '../src/incentives/periods.ts';

const APRIL = { firstMonth: 4 };
const JANUARY = { firstMonth: 1 };

describe('fiscal calendar', () => {
  it('names a fiscal year by the calendar year it starts in', () => {
    expect(monthsOfKey('FY2026', APRIL)).toEqual(['2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11', '2026-12', '2027-01', '2027-02', '2027-03']);
    expect(monthsOfKey('FY2026-Q4', APRIL)).toEqual(['2027-01', '2027-02', '2027-03']);
    // A key without FY is the calendar year or quarter, whatever the fiscal start.
    expect(monthsOfKey('2026-Q1', APRIL)).toEqual(['2026-01', '2026-02', '2026-03']);
    expect(monthsOfKey('2026-13', APRIL)).toBeUndefined();
    expect([fiscalQuarterOf('2026-03', APRIL), fiscalQuarterOf('2026-04', APRIL), fiscalQuarterOf('2027-01', APRIL), fiscalQuarterOf('2026-12', JANUARY)]).toEqual([4, 1, 4, 4]);
    expect([fiscalKeyOf('2026-03', 'quarter', APRIL), fiscalKeyOf('2026-04', 'quarter', APRIL), fiscalKeyOf('2026-03', 'year', APRIL), fiscalKeyOf('2026-03', 'quarter', JANUARY)]).toEqual([
      'FY2025-Q4',
      'FY2026-Q1',
      'FY2025',
      '2026-Q1',
    ]);
  });

  it('incentive periods and goals read the same months for the same key', () => {
    for (const key of ['FY2026', 'FY2026-Q1', 'FY2025-Q4', '2026-Q2', '2026', '2026-03']) {
      const goals = parsePeriod(key, APRIL);
      expect([periodStart(key, APRIL), monthsOf(key, APRIL)]).toEqual([goals?.start, goals?.months]);
    }
    expect([periodEnd('FY2026', APRIL), periodEnd('FY2025-Q4', APRIL)]).toEqual(['2027-03-31', '2026-03-31']);
    expect(() => periodStart('nope', APRIL)).toThrow(/not a period/);
  });

  it('buckets days into fiscal quarters and years, in order', () => {
    expect([periodOf('2026-03-30', 'quarterly', APRIL), periodOf('2026-04-02', 'quarterly', APRIL), periodOf('2026-04-02', 'annual', APRIL), periodOf('2026-04-02', 'monthly', APRIL)]).toEqual([
      'FY2025-Q4',
      'FY2026-Q1',
      'FY2026',
      '2026-04',
    ]);
    expect([frequencyOf('FY2026-Q1'), frequencyOf('FY2026'), frequencyOf('2026-04')]).toEqual(['quarterly', 'annual', 'monthly']);
    expect([nextPeriod('FY2025-Q4', APRIL), previousPeriod('FY2026-Q1', APRIL), nextPeriod('FY2026', APRIL)]).toEqual(['FY2026-Q1', 'FY2025-Q4', 'FY2027']);
    expect(periodsBetween('FY2025-Q3', 'FY2026-Q2', APRIL)).toEqual(['FY2025-Q3', 'FY2025-Q4', 'FY2026-Q1', 'FY2026-Q2']);
    expect(['FY2026-Q1', '2026-04', 'FY2026', 'FY2025-Q4'].sort((a, b) => comparePeriods(a, b, APRIL))).toEqual(['FY2025-Q4', '2026-04', 'FY2026-Q1', 'FY2026']);
  });

  it("accepts a quarter or year only under the tenant's own name", () => {
    expect(periodIssue('FY2026-Q1', APRIL)).toBeUndefined();
    expect(periodIssue('2026-04', APRIL)).toBeUndefined();
    expect(periodIssue('2026-Q1', APRIL)).toMatchObject({ rule: 'fiscal_calendar', message: expect.stringContaining('2026-01 is in FY2025-Q4') });
    expect(periodIssue('FY2026', JANUARY)).toMatchObject({ rule: 'fiscal_calendar', message: expect.stringContaining('"2026"') });
    expect(periodIssue('2026-Q1', JANUARY)).toBeUndefined();
    expect(periodIssue('FY2026-03', APRIL)).toMatchObject({ rule: 'pattern' });
    expect(periodIssue(7, APRIL)).toMatchObject({ rule: 'pattern' });
    expect(canonicalKeyIssue('2026-03', APRIL)).toBeUndefined();
  });
});

describe('bad period messages', () => {
  it('say what a period looks like, or which name the tenant gives the months', () => {
    expect(periodIssueText('2026-13', { rule: 'pattern', message: '' })).toMatch(/^"2026-13" is not a period \(YYYY-MM/);
    expect(periodIssueText('2026-Q2', periodIssue('2026-Q2', APRIL)!)).toBe(
      '"2026-Q2" is not one of this tenant\'s periods: the fiscal year starts in month 4: quarters and years are fiscal, named by the calendar year they start in (2026-04 is in FY2026-Q1)',
    );
  });
});
