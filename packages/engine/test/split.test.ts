import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  apportion,
  ApportionError,
  buildSplitTree,
  fiscalYearMonths,
  fiscalYearOf,
  fromUnits,
  GoalsError,
  parsePeriod,
  quarterTotals,
  reconcile,
  roundUnits,
  seasonalityWeights,
  splitTargets,
  toUnits,
  yearTotal,
  type SplitCells,
  type SplitNode,
} from '../src/index.ts';

const months2026 = fiscalYearMonths(2026);

/** Every unit's month equals the sum of its children's, every row sums to its year, the root to the total. */
function assertExact(root: SplitNode, cells: SplitCells, total: bigint): void {
  expect(yearTotal(cells.get(root.id)!)).toBe(total);
  const walk = (n: SplitNode) => {
    const row = cells.get(n.id)!;
    expect(quarterTotals(row).reduce((a, b) => a + b, 0n)).toBe(yearTotal(row));
    const kids = n.children ?? [];
    if (!kids.length) return;
    for (let j = 0; j < row.length; j++) expect(kids.reduce((s, c) => s + cells.get(c.id)![j]!, 0n)).toBe(row[j]);
    expect(kids.reduce((s, c) => s + yearTotal(cells.get(c.id)!), 0n)).toBe(yearTotal(row));
    kids.forEach(walk);
  };
  walk(root);
}

const people = (n: number, prefix = 'p'): SplitNode[] => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i + 1}`, kind: 'person' }));

describe('decimals', () => {
  it('parses and prints exactly', () => {
    expect(toUnits('1000000.01', 2)).toBe(100000001n);
    expect(toUnits('-3.5', 2)).toBe(-350n);
    expect(toUnits(12.3, 2)).toBe(1230n);
    expect(toUnits('7.000', 2)).toBe(700n);
    expect(() => toUnits('1.001', 2)).toThrow(/decimal places/);
    expect(() => toUnits('abc', 2)).toThrow(/not a decimal/);
    expect(() => toUnits(Number.NaN, 2)).toThrow(/finite/);
    expect(fromUnits(100000001n, 2)).toBe('1000000.01');
    expect(fromUnits(-5n, 2)).toBe('-0.05');
    expect(fromUnits(42n, 0)).toBe('42');
    expect(roundUnits('2.345', 2)).toBe(235n);
    expect(roundUnits('-2.344', 2)).toBe(-234n);
    expect(() => roundUnits('x', 2)).toThrow();
  });
});

describe('largest remainder', () => {
  it('splits exactly with deterministic ties, locks and negative totals', () => {
    expect(apportion(100n, [1n, 1n, 1n])).toEqual([34n, 33n, 33n]);
    expect(apportion(-100n, [1n, 1n, 1n])).toEqual([-34n, -33n, -33n]);
    expect(apportion(10n, [1n, 2n, 0n])).toEqual([3n, 7n, 0n]);
    expect(apportion(100n, [1n, 1n, 1n], new Map([[0, 50n]]))).toEqual([50n, 25n, 25n]);
    expect(apportion(0n, [1n, 1n])).toEqual([0n, 0n]);
    expect(apportion(5n, [1n], new Map([[0, 5n]]))).toEqual([5n]);
    const problem = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as ApportionError).problem.rule;
      }
      return 'none';
    };
    expect(problem(() => apportion(10n, [0n, 0n]))).toBe('zero_weights');
    expect(problem(() => apportion(10n, [-1n, 2n]))).toBe('negative_weight');
    expect(problem(() => apportion(10n, [1n, 1n], new Map([[0, 11n]])))).toBe('locks_exceed_parent');
    expect(problem(() => apportion(0n, [1n, 1n], new Map([[0, 1n]])))).toBe('locks_exceed_parent');
    expect(problem(() => apportion(10n, [1n], new Map([[0, 9n]])))).toBe('locks_mismatch');
  });

  it('always sums to the whole (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 14n), max: 10n ** 14n }), fc.array(fc.bigInt({ min: 0n, max: 10n ** 9n }), { minLength: 1, maxLength: 30 }), (total, weights) => {
        fc.pre(weights.some((w) => w > 0n));
        const parts = apportion(total, weights);
        expect(parts.reduce((a, b) => a + b, 0n)).toBe(total);
        const sumW = weights.reduce((a, b) => a + b, 0n);
        // Each part is within one unit of its exact share.
        parts.forEach((p, i) => {
          const exact = total * weights[i]!;
          expect(p * sumW - exact <= sumW && exact - p * sumW <= sumW).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('target split', () => {
  it('splits 1,000,000.01 over 7 people and 12 months exactly at every level', () => {
    const root: SplitNode = { id: 'co', kind: 'unit', children: people(7) };
    const total = toUnits('1000000.01', 2);
    const cells = splitTargets({ total, months: months2026, root });
    assertExact(root, cells, total);
    const q = quarterTotals(cells.get('co')!);
    expect(q).toEqual([25000001n, 25000000n, 25000000n, 25000000n]);
    const years = people(7).map((p) => yearTotal(cells.get(p.id)!));
    expect(Math.max(...years.map(Number)) - Math.min(...years.map(Number))).toBeLessThanOrEqual(12);
  });

  it('splits down a deep tree with custom weights and sums at every level (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 13n }), fc.array(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }), (total, teams) => {
        fc.pre(teams.every((t) => t.some((w) => w > 0)));
        const root: SplitNode = {
          id: 'co',
          kind: 'unit',
          children: teams.map((t, ti) => ({ id: `u${ti}`, kind: 'unit', weight: BigInt(ti + 1), children: t.map((w, pi) => ({ id: `u${ti}p${pi}`, kind: 'person', weight: BigInt(w) })) })),
        };
        assertExact(root, splitTargets({ total, months: months2026, root, periodWeights: months2026.map((_, i) => BigInt(i + 1)) }), total);
      }),
      { numRuns: 100 },
    );
  });

  it('keeps locked cells and rebalances their siblings', () => {
    const root: SplitNode = { id: 'co', kind: 'unit', children: people(3) };
    const total = toUnits('120000', 2);
    const free = splitTargets({ total, months: months2026, root });
    expect(free.get('p1')![0]).toBe(333334n);
    const cells = splitTargets({ total, months: months2026, root, locks: [{ node: 'p1', month: '2026-01', value: toUnits('5000', 2) }] });
    assertExact(root, cells, total);
    expect(cells.get('p1')![0]).toBe(500000n);
    expect(cells.get('p2')![0]! + cells.get('p3')![0]!).toBe(1000000n - 500000n);
    expect(cells.get('p2')![0]).toBe(250000n);
    // The other months are untouched.
    expect(cells.get('p2')![1]).toBe(free.get('p2')![1]);
    // A whole-year lock spreads along the parent's months and the others share the rest.
    const year = splitTargets({ total, months: months2026, root, locks: [{ node: 'p3', value: toUnits('60000', 2) }] });
    assertExact(root, year, total);
    expect(yearTotal(year.get('p3')!)).toBe(6000000n);
    expect(yearTotal(year.get('p1')!)).toBe(3000000n);
  });

  it('refuses locks that exceed their parent, naming the cells, and unknown cells', () => {
    const root: SplitNode = { id: 'co', kind: 'unit', children: people(3) };
    const run = (locks: Parameters<typeof splitTargets>[0]['locks']) => {
      try {
        splitTargets({ total: 1200n, months: months2026, root, locks });
      } catch (e) {
        return e as GoalsError;
      }
      throw new Error('not refused');
    };
    const over = run([
      { node: 'p1', month: '2026-02', value: 80n },
      { node: 'p2', month: '2026-02', value: 30n },
    ]);
    expect(over.code).toBe('split_refused');
    expect(over.details.map((d) => d.path).sort()).toEqual(['/cells/p1/2026-02', '/cells/p2/2026-02']);
    expect(over.details[0]!.rule).toBe('locks_exceed_parent');
    expect(run([{ node: 'p1', value: 2000n }]).details[0]).toMatchObject({ path: '/cells/p1/year', rule: 'locks_exceed_parent' });
    expect(
      run([
        { node: 'p1', month: '2026-03', value: 10n },
        { node: 'p2', month: '2026-03', value: 10n },
        { node: 'p3', month: '2026-03', value: 10n },
      ]).details[0]!.rule,
    ).toBe('locks_mismatch');
    expect(run([{ node: 'zz', month: '2026-01', value: 1n }]).details[0]).toMatchObject({ path: '/cells/zz/2026-01', rule: 'unknown_cell' });
    expect(run([{ node: 'p1', month: '2030-01', value: 1n }]).details[0]!.rule).toBe('unknown_cell');
    expect(run([{ node: 'co', value: 5n }]).details[0]!.rule).toBe('locks_mismatch');
    expect(run([{ node: 'co', month: '2026-01', value: 2000n }]).details[0]).toMatchObject({ path: '/cells/co/2026-01' });
    const rootLocked = splitTargets({ total: 1200n, months: months2026, root, locks: [{ node: 'co', month: '2026-01', value: 1200n }] });
    expect(
      rootLocked
        .get('co')!
        .slice(1)
        .every((v) => v === 0n),
    ).toBe(true);
  });

  it('refuses negative and all-zero weights and a person twice in the tree', () => {
    const refusal = (root: SplitNode, periodWeights?: bigint[]) => {
      try {
        splitTargets({ total: 100n, months: months2026, root, ...(periodWeights ? { periodWeights } : {}) });
      } catch (e) {
        return (e as GoalsError).details[0];
      }
      return undefined;
    };
    expect(
      refusal({
        id: 'co',
        kind: 'unit',
        children: [
          { id: 'a', kind: 'person', weight: -1n },
          { id: 'b', kind: 'person' },
        ],
      }),
    ).toMatchObject({ path: '/weights/a', rule: 'negative_weight' });
    expect(
      refusal({
        id: 'co',
        kind: 'unit',
        children: [
          { id: 'a', kind: 'person', weight: 0n },
          { id: 'b', kind: 'person', weight: 0n },
        ],
      }),
    ).toMatchObject({ path: '/weights/co/2026-01', rule: 'zero_weights' });
    expect(refusal({ id: 'co', kind: 'unit', children: [{ id: 'a', kind: 'person', monthWeights: [1n] }] })).toMatchObject({ rule: 'length' });
    expect(refusal({ id: 'co', kind: 'unit', children: [{ id: 'a', kind: 'person', monthWeights: months2026.map(() => -1n) }] })).toMatchObject({ rule: 'negative_weight' });
    expect(
      refusal({
        id: 'co',
        kind: 'unit',
        children: [
          { id: 'u1', kind: 'unit', children: [{ id: 'a', kind: 'person' }] },
          { id: 'u2', kind: 'unit', children: [{ id: 'a', kind: 'person' }] },
        ],
      }),
    ).toMatchObject({ path: '/nodes/a', rule: 'duplicate_member' });
    expect(
      refusal(
        { id: 'co', kind: 'unit', children: people(2) },
        months2026.map(() => 0n),
      ),
    ).toMatchObject({ path: '/periodWeights', rule: 'zero_weights' });
    expect(refusal({ id: 'co', kind: 'unit', children: people(2) }, [1n])).toMatchObject({ path: '/periodWeights', rule: 'length' });
  });

  it('reconciles bottom-up entry against the top-down split', () => {
    const root: SplitNode = { id: 'co', kind: 'unit', children: [{ id: 'u', kind: 'unit', children: people(2) }] };
    const top = splitTargets({ total: 1200n, months: months2026, root });
    const rows = reconcile(
      root,
      top,
      new Map([
        ['p1', months2026.map(() => 40n)],
        ['p2', months2026.map(() => 50n)],
      ]),
      12,
    );
    expect(rows[0]).toMatchObject({ node: 'co' });
    expect(rows[0]!.bottomUp[0]).toBe(90n);
    expect(rows[0]!.gap[0]).toBe(10n);
    expect(rows.find((r) => r.node === 'p1')!.gap[0]).toBe(10n);
  });
});

describe('split methods from the org', () => {
  const units = [
    { id: 'co', parent_id: null, name: 'Company' },
    { id: 'east', parent_id: 'co', name: 'East' },
    { id: 'west', parent_id: 'co', name: 'West' },
    { id: 'empty', parent_id: 'co', name: 'Empty' },
  ];
  const members = [
    { user_id: 'a', org_unit_id: 'east', valid_from: '2020-01-01', valid_to: null, name: 'A' },
    { user_id: 'b', org_unit_id: 'east', valid_from: '2020-01-01', valid_to: '2026-03-15', name: 'B' },
    { user_id: 'b', org_unit_id: 'west', valid_from: '2026-03-15', valid_to: null, name: 'B' },
    { user_id: 'c', org_unit_id: 'west', valid_from: '2026-07-01', valid_to: null, name: 'C' },
    { user_id: 'old', org_unit_id: 'west', valid_from: '2010-01-01', valid_to: '2020-01-01' },
  ];

  it('follows a mid-period team move (headcount-adjusted)', () => {
    const root = buildSplitTree(units, members, { months: months2026, method: 'headcount' });
    expect(root.id).toBe('company');
    const east = root.children![0]!.children!.find((c) => c.id === 'east')!;
    expect(east.children!.map((c) => c.id).sort()).toEqual(['a', 'b@east']);
    const total = 1_200_000n;
    const cells = splitTargets({ total, months: months2026, root });
    assertExact(root, cells, total);
    // March: B has 14 days in East, 17 in West; C joins in July.
    expect(cells.get('b@east')![3]).toBe(0n);
    expect(cells.get('b@west')![0]).toBe(0n);
    expect(cells.get('b@east')![2]! > 0n && cells.get('b@west')![2]! > 0n).toBe(true);
    expect(cells.get('c')![5]).toBe(0n);
    expect(cells.get('c')![6]! > 0n).toBe(true);
    expect(cells.has('empty')).toBe(false);
  });

  it('splits by last year, seasonality and custom weights, under a chosen root', () => {
    const history = new Map([
      ['a', months2026.map(() => 300n)],
      ['b', months2026.map((_, i) => (i < 6 ? 100n : 0n))],
    ]);
    const east = buildSplitTree(units, members, { months: months2026, method: 'last_year', rootUnit: 'east', history });
    const ly = splitTargets({ total: 12_000n, months: months2026, root: east });
    expect(ly.get('a')![0]).toBe((1000n * 3600n) / 4200n + 0n);
    const seas = splitTargets({ total: 12_000n, months: months2026, root: buildSplitTree(units, members, { months: months2026, method: 'seasonality', rootUnit: 'east', history }) });
    expect(seas.get('b@east')![1]).toBe(250n);
    const custom = buildSplitTree(units, members, {
      months: months2026,
      method: 'weights',
      weights: new Map([
        ['a', 3n * 10n ** 12n],
        ['west', 2n * 10n ** 12n],
      ]),
    });
    const cw = splitTargets({ total: 12_000n, months: months2026, root: custom });
    assertExact(custom, cw, 12_000n);
    const eq = buildSplitTree(units, members, { months: months2026, method: 'equal' });
    assertExact(eq, splitTargets({ total: 99_999n, months: months2026, root: eq }), 99_999n);
    // A team without history falls back to equal shares of the months its people are present.
    const none = buildSplitTree(units, members, { months: months2026, method: 'last_year', history: new Map() });
    assertExact(none, splitTargets({ total: 5000n, months: months2026, root: none }), 5000n);
    expect(() => buildSplitTree(units, members, { months: months2026, method: 'equal', rootUnit: 'nope' })).toThrow(/no org unit/);
    expect(() => buildSplitTree(units, members, { months: months2026, method: 'equal', rootUnit: 'empty' })).toThrow(/nobody/);
  });

  it('takes seasonality from two years of history', () => {
    const y1 = months2026.map((_, i) => BigInt(i < 11 ? 100 : 900));
    const y2 = months2026.map((_, i) => BigInt(i < 11 ? 200 : 1800));
    const w = seasonalityWeights([y1, y2, months2026.map(() => 0n)])!;
    const cells = splitTargets({ total: 2_000_000n, months: months2026, root: { id: 'co', kind: 'unit', children: people(2) }, periodWeights: w });
    expect(cells.get('co')![11]).toBe(900_000n);
    expect(cells.get('co')![0]).toBe(100_000n);
    expect(seasonalityWeights([])).toBeUndefined();
  });
});

describe('fiscal calendars and periods', () => {
  it('handles a fiscal year starting in April', () => {
    const cal = { firstMonth: 4 };
    const months = fiscalYearMonths(2026, cal);
    expect(months[0]).toBe('2026-04');
    expect(months[11]).toBe('2027-03');
    expect(fiscalYearOf('2027-02', cal)).toBe(2026);
    expect(fiscalYearOf('2026-04', cal)).toBe(2026);
    expect(parsePeriod('FY2026', cal)).toMatchObject({ kind: 'year', start: '2026-04-01', end: '2027-04-01' });
    expect(parsePeriod('FY2026-Q4', cal)).toMatchObject({ kind: 'quarter', months: ['2027-01', '2027-02', '2027-03'] });
    const root: SplitNode = { id: 'co', kind: 'unit', children: people(7) };
    const cells = splitTargets({ total: toUnits('1000000.01', 2), months, root });
    assertExact(root, cells, 100000001n);
  });

  it('parses months, years, quarters, ISO weeks and day ranges', () => {
    expect(parsePeriod('2026-02')).toMatchObject({ start: '2026-02-01', end: '2026-03-01', months: ['2026-02'] });
    expect(parsePeriod('2026')?.months).toHaveLength(12);
    expect(parsePeriod('2026-Q2')).toMatchObject({ start: '2026-04-01', end: '2026-07-01' });
    expect(parsePeriod('2026-W01')).toMatchObject({ kind: 'week', start: '2025-12-29', end: '2026-01-05' });
    expect(parsePeriod('2026-03-01..2026-04-30')).toMatchObject({ kind: 'range', months: ['2026-03', '2026-04'] });
    expect(parsePeriod('2026-03-02..2026-03-08')?.months).toEqual([]);
    expect(parsePeriod('2026-13')).toBeUndefined();
    expect(parsePeriod('2026-03-09..2026-03-08')).toBeUndefined();
  });
});
