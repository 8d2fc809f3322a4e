// The runtime prelude called directly on the host (it is pure; the isolate runs the same text).
import { describe, expect, it } from 'vitest';
import { createRuntime, type Dec } from '../src/index.ts';

const R = createRuntime();
const d = (s: string): Dec => R.inDec(s)!;
const t = (x: Dec | null): string | null => (x === null ? null : R.decText(R.trimScale(x)));
const day = (s: string): number => R.inDate(s)!;
const ds = (z: number | null): unknown => R.out('date', z);
const code = (f: () => unknown): string | null => {
  try {
    f();
    return null;
  } catch (e) {
    return R.isErr(e) ? e.code : 'other';
  }
};

describe('runtime', () => {
  it('decimal arithmetic and rounding', () => {
    expect(t(R.add(d('0.1'), d('0.2')))).toBe('0.3');
    expect(t(R.sub(d('1'), d('0.01')))).toBe('0.99');
    expect(R.add(null, d('1'))).toBeNull();
    expect(t(R.mul(d('1.1'), d('1.1')))).toBe('1.21');
    expect(t(R.div(d('1'), d('3')))).toBe('0.3333333333');
    expect(t(R.div(d('1000000000'), d('3')))).toBe('333333333.3333333333');
    expect(R.div(null, d('2'))).toBeNull();
    expect(code(() => R.div(d('1'), d('0')))).toBe('#DIV/0!');
    expect(t(R.mod(d('-7'), d('3')))).toBe('2');
    expect(R.mod(null, d('3'))).toBeNull();
    expect(t(R.pct(d('12')))).toBe('0.12');
    expect(t(R.round(d('2.5'), d('0')))).toBe('3');
    expect(t(R.round(d('-1250'), d('-2')))).toBe('-1300');
    expect(R.round(null, d('1'))).toBeNull();
    expect(code(() => R.round(d('1'), d('101')))).toBe('#NUM!');
    expect(t(R.roundDown(d('-3.29'), d('1')))).toBe('-3.2');
    expect(t(R.roundDown(d('1299'), d('-2')))).toBe('1200');
    expect(t(R.roundUp(d('3.21'), d('1')))).toBe('3.3');
    expect(t(R.roundUp(d('-1201'), d('-2')))).toBe('-1300');
    expect(t(R.roundUp(d('3'), d('0')))).toBe('3');
    expect(R.roundUp(null, d('0'))).toBeNull();
    expect(t(R.abs(d('-2')))).toBe('2');
    expect(R.abs(null)).toBeNull();
    expect(t(R.powConst(d('2'), 10))).toBe('1024');
    expect(t(R.powConst(d('2'), -2))).toBe('0.25');
    expect(R.powConst(null, 2)).toBeNull();
    expect(code(() => R.powConst(d('0'), -1))).toBe('#DIV/0!');
    expect(t(R.powFloat(d('2'), d('0.5')))).toBe('1.4142135623731');
    expect(code(() => R.powFloat(d('-8'), d('0.5')))).toBe('#NUM!');
    expect(code(() => R.powFloat(d('0'), d('-1')))).toBe('#DIV/0!');
    expect(code(() => R.powFloat(d('10'), d('400')))).toBe('#NUM!');
    expect(R.powFloat(null, d('1'))).toBeNull();
    expect(t(R.sumScalars(d('1'), null, d('2.5')))).toBe('3.5');
    expect(t(R.neg(d('1')))).toBe('-1');
    expect(R.neg(null)).toBeNull();
  });
  it('logic and comparisons', () => {
    expect(R.compare('=', 'dec', d('1'), d('1.00'))).toBe(true);
    expect(R.compare('<>', 'text', 'a', 'b')).toBe(true);
    expect(R.compare('<', 'text', 'B', 'a')).toBe(true);
    expect(R.compare('<=', 'text', 'ab', 'a')).toBe(false);
    expect(R.compare('>', 'date', 2, 1)).toBe(true);
    expect(R.compare('>=', 'bool', false, true)).toBe(false);
    expect(R.compare('>=', 'text', '😀', '\uffff')).toBe(true);
    expect(R.compare('=', 'dec', null, d('1'))).toBeNull();
    expect(R.and(true, null)).toBeNull();
    expect(R.and(false, null)).toBe(false);
    expect(R.or(false, null)).toBeNull();
    expect(R.or(true, null)).toBe(true);
    expect(R.not(null)).toBeNull();
    expect(R.test(null)).toBe(false);
    expect(R.coalesce(null, null)).toBeNull();
    expect(R.least('text', null, 'b', 'a')).toBe('a');
    expect(R.greatest('date', 1, null, 3)).toBe(3);
    expect(code(() => R.na())).toBe('#N/A');
  });
  it('text', () => {
    expect(R.text('money', d('3'))).toBe('3.00');
    expect(R.text('money', d('3.125'))).toBe('3.125');
    expect(R.text('number', d('3.100'))).toBe('3.1');
    expect(R.text('boolean', false)).toBe('FALSE');
    expect(R.text('date', day('2026-01-02'))).toBe('2026-01-02');
    expect(R.text('text', null)).toBeNull();
    expect(R.concat('a', null, 'b')).toBe('ab');
    expect(R.left('中文abc', d('2'))).toBe('中文');
    expect(R.right('abc😀', d('1'))).toBe('😀');
    expect(R.left(null, d('1'))).toBeNull();
    expect(R.right(null, d('1'))).toBeNull();
    expect(R.left('a', null)).toBeNull();
    expect(R.right('a', null)).toBeNull();
    expect(code(() => R.left('a', d('-1')))).toBe('#VALUE!');
    expect(code(() => R.right('a', d('-1')))).toBe('#VALUE!');
    expect(t(R.len('😀a'))).toBe('2');
    expect(R.len(null)).toBeNull();
    expect(R.upper('a')).toBe('A');
    expect(R.lower(null)).toBeNull();
    expect(R.upper(null)).toBeNull();
    expect(R.contains('abc', 'b')).toBe(true);
    expect(R.contains(null, 'b')).toBeNull();
    expect(R.formatNumber(d('0.125'), 1, true)).toBe('12.5%');
    expect(R.formatNumber(null, 1, false)).toBeNull();
    expect(R.formatDate(day('2026-03-04'), 'DD.MM.YYYY')).toBe('04.03.2026');
    expect(R.formatDate(null, 'YYYY')).toBeNull();
  });
  it('dates', () => {
    expect(ds(R.date(d('2026'), d('14'), d('1')))).toBe('2027-02-01');
    expect(R.date(null, d('1'), d('1'))).toBeNull();
    expect(code(() => R.date(d('0'), d('1'), d('1')))).toBe('#NUM!');
    expect(ds(R.addDays(day('2024-02-28'), d('1')))).toBe('2024-02-29');
    expect(ds(R.subDays(day('2024-03-01'), d('1')))).toBe('2024-02-29');
    expect(R.addDays(null, d('1'))).toBeNull();
    expect(R.subDays(null, d('1'))).toBeNull();
    expect(t(R.diffDays(day('2025-01-01'), day('2024-01-01')))).toBe('366');
    expect(R.diffDays(null, 1)).toBeNull();
    expect(ds(R.dateAdd(day('2024-02-29'), d('1'), 'year'))).toBe('2025-02-28');
    expect(ds(R.dateAdd(day('2026-01-31'), d('-2'), 'month'))).toBe('2025-11-30');
    expect(ds(R.dateAdd(day('2026-01-31'), d('1'), 'day'))).toBe('2026-02-01');
    expect(R.dateAdd(null, d('1'), 'day')).toBeNull();
    expect(R.dateAdd(1, null, 'day')).toBeNull();
    expect(t(R.dateDiff(day('2024-02-29'), day('2026-02-28'), 'year'))).toBe('1');
    expect(t(R.dateDiff(day('2026-03-31'), day('2026-01-31'), 'month'))).toBe('-2');
    expect(t(R.dateDiff(day('2026-01-01'), day('2026-01-31'), 'day'))).toBe('30');
    expect(R.dateDiff(null, 1, 'day')).toBeNull();
    expect(ds(R.eomonth(day('2024-01-15'), d('1')))).toBe('2024-02-29');
    expect(R.eomonth(null, d('1'))).toBeNull();
    expect(t(R.year(day('1969-12-31')))).toBe('1969');
    expect(t(R.month(day('1600-02-29')))).toBe('2');
    expect(t(R.quarter(day('2026-08-01')))).toBe('3');
    expect(t(R.weekday(day('1969-12-28')))).toBe('1');
    expect(R.year(null)).toBeNull();
    expect(R.month(null)).toBeNull();
    expect(R.quarter(null)).toBeNull();
    expect(R.weekday(null)).toBeNull();
    expect(ds(R.today('2026-05-06'))).toBe('2026-05-06');
    expect(ds(day('0001-01-01'))).toBe('0001-01-01');
  });
  it('aggregates and rate tables', () => {
    const rows = [{ a: '1.5' }, { a: null }, { a: '-2' }];
    const each = (r: Record<string, unknown>): [boolean, unknown] => [true, R.inDec(r.a)];
    expect(t(R.aggregate('SUM', 'dec', rows, each) as Dec)).toBe('-0.5');
    expect(t(R.aggregate('COUNT', 'dec', rows, each) as Dec)).toBe('2');
    expect(t(R.aggregate('AVG', 'dec', rows, each) as Dec)).toBe('-0.25');
    expect(t(R.aggregate('MIN', 'dec', rows, each) as Dec)).toBe('-2');
    expect(t(R.aggregate('MAX', 'dec', rows, each) as Dec)).toBe('1.5');
    expect(R.aggregate('MAX', 'dec', [], each)).toBeNull();
    expect(
      code(() =>
        R.aggregate('SUM', 'dec', rows, (r) => {
          if (r.a === null) R.fail('#NUM!');
          return R.fail('#DIV/0!');
        }),
      ),
    ).toBe('#DIV/0!');
    expect(() =>
      R.aggregate('SUM', 'dec', rows, () => {
        throw new TypeError('bug');
      }),
    ).toThrow('bug');
    const tiers: Array<[Dec, Dec | null, Dec]> = [
      [d('0'), d('100'), d('0.1')],
      [d('100'), null, d('0.2')],
    ];
    expect(t(R.tier(d('150'), tiers, 'marginal'))).toBe('20');
    expect(t(R.tier(d('150'), tiers, 'step'))).toBe('30');
    expect(t(R.tier(d('-1'), tiers, 'step'))).toBe('0');
    expect(R.tier(null, tiers, 'step')).toBeNull();
    const table: Array<[unknown, unknown]> = [
      ['a', d('1')],
      ['b', null],
    ];
    expect(R.lookup('text', 'b', table)).toBeNull();
    expect(R.lookup('text', null, table)).toBeNull();
    expect(code(() => R.lookup('text', 'c', table))).toBe('#N/A');
  });
});
