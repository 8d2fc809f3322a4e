// Golden scenarios: each expected figure is computed by hand in the comment above its assertion.
import { describe, expect, it } from 'vitest';
import { plan, rule, run, tx, version } from './incentives-fixture.ts';
import { fmt as fmtAmount, type ComponentDef, type OrgMembership as Membership, type OrgUnit } from '../src/incentives/index.ts';

const rate = (r: string, extra: Partial<ComponentDef> = {}): ComponentDef => ({ name: 'commission', type: 'rate', measure: 'revenue', rate: r, ...extra });
const JAN = ['2026-01'];
const tiers3 = [
  { from: '0', to: '10000', rate: '0.05' },
  { from: '10000', to: '20000', rate: '0.08' },
  { from: '20000', rate: '0.12' },
];

describe('golden: crediting', () => {
  it('G01 owner gets 100% credit', () => {
    // order 1,000 owned by A; 1,000 × 5% = 50.00
    const r = run({ plans: [plan([rate('0.05')])], txs: [tx('A', '1000', '2026-01-10')], periods: JAN });
    expect(r.credit('A')).toBe('1000');
    expect(r.amount('A', 'commission')).toBe('50.00');
  });

  it('G02 split 60/40', () => {
    // 10,000 split A 60%, B 40% → credits 6,000 / 4,000; × 10% → 600.00 / 400.00
    const r = run({
      plans: [plan([rate('0.1')])],
      rules: [rule('split')],
      txs: [
        tx('A', '10000', '2026-01-10', {
          splits: [
            { payeeId: 'A', pct: '60' },
            { payeeId: 'B', pct: '40' },
          ],
        }),
      ],
      periods: JAN,
    });
    expect([r.credit('A'), r.credit('B')]).toEqual(['6000', '4000']);
    expect([r.amount('A', 'commission'), r.amount('B', 'commission')]).toEqual(['600.00', '400.00']);
  });

  it('G03 split thirds: credits add up to the whole exactly', () => {
    // 100.00 × 33.3333% = 33.3333, × 33.3333% = 33.3333, × 33.3334% = 33.3334 → Σ 100.0000;
    // × 10%: 3.33333 → 3.33, 3.33333 → 3.33, 3.33334 → 3.33
    const r = run({
      plans: [plan([rate('0.1')])],
      rules: [rule('split')],
      txs: [
        tx('A', '100.00', '2026-01-10', {
          splits: [
            { payeeId: 'A', pct: '33.3333' },
            { payeeId: 'B', pct: '33.3333' },
            { payeeId: 'C', pct: '33.3334' },
          ],
        }),
      ],
      periods: JAN,
    });
    expect(r.credits.reduce((a, c) => a + c.amount, 0n)).toBe(100n * 10n ** 10n);
    expect(['A', 'B', 'C'].map((p) => r.amount(p, 'commission'))).toEqual(['3.33', '3.33', '3.33']);
  });

  it('G04 split not totalling 100% without an overlay is refused', () => {
    // 60% + 30% = 90% → a problem, no credits for the order
    const r = run({
      plans: [plan([rate('0.1')])],
      rules: [rule('split')],
      txs: [
        tx('A', '1000', '2026-01-10', {
          splits: [
            { payeeId: 'A', pct: '60' },
            { payeeId: 'B', pct: '30' },
          ],
        }),
      ],
      periods: JAN,
    });
    expect(r.credits).toHaveLength(0);
    expect(r.problems[0]?.message).toMatch(/total 90%/);
  });

  it('G05 split with a declared overlay may exceed 100%', () => {
    // A 100% split, B 50% overlay of 2,000 → 2,000 and 1,000; × 10% → 200.00 and 100.00
    const r = run({
      plans: [plan([rate('0.1')])],
      rules: [rule('split')],
      txs: [
        tx('A', '2000', '2026-01-10', {
          splits: [
            { payeeId: 'A', pct: '100' },
            { payeeId: 'B', pct: '50', overlay: true },
          ],
        }),
      ],
      periods: JAN,
    });
    expect([r.amount('A', 'commission'), r.amount('B', 'commission')]).toEqual(['200.00', '100.00']);
    expect(r.credits.find((c) => c.payeeId === 'B')?.kind).toBe('overlay');
  });

  it('G05b a payee with a primary and an overlay split row gets both, as two credits', () => {
    // A 100% split and a 10% overlay of 2,000 → 2,000 + 200 = 2,200; × 10% → 220.00
    const r = run({
      plans: [plan([rate('0.1')])],
      rules: [rule('split')],
      txs: [
        tx('A', '2000', '2026-01-10', {
          id: 'ov',
          splits: [
            { payeeId: 'A', pct: '100' },
            { payeeId: 'A', pct: '10', overlay: true },
          ],
        }),
      ],
      periods: JAN,
    });
    expect(r.credits.map((c) => [c.id, c.kind, fmtAmount(c.amount)])).toEqual([
      ['ov:r_split:A:0', 'split', '2000'],
      ['ov:r_split:A:overlay:0', 'overlay', '200'],
    ]);
    expect(r.amount('A', 'commission')).toBe('220.00');
  });

  it("G06 team credit: every member of the owner's unit", () => {
    // unit T has A, B, C; team rule 10% of 3,000 = 300 each; × 10% = 30.00 each
    const memberships: Membership[] = ['A', 'B', 'C'].map((u) => ({ userId: u, orgUnitId: 'T', from: '2020-01-01' }));
    const r = run({ plans: [plan([rate('0.1')])], rules: [rule('team', { pct: '10' })], txs: [tx('A', '3000', '2026-01-10')], memberships, periods: JAN });
    expect(['A', 'B', 'C'].map((p) => r.amount(p, 'commission'))).toEqual(['30.00', '30.00', '30.00']);
  });

  const units: OrgUnit[] = [
    { id: 'U3', parentId: null, headId: 'M3' },
    { id: 'U2', parentId: 'U3', headId: 'M2' },
    { id: 'U1', parentId: 'U2', headId: 'M1' },
  ];
  const tree: Membership[] = [
    { userId: 'R', orgUnitId: 'U1', from: '2020-01-01' },
    { userId: 'M1', orgUnitId: 'U1', from: '2020-01-01' },
    { userId: 'M2', orgUnitId: 'U2', from: '2020-01-01' },
    { userId: 'M3', orgUnitId: 'U3', from: '2020-01-01' },
  ];
  const rollup = rule('rollup', { levels: [{ pct: '100' }, { pct: '50' }, { pct: '25' }] });

  it('G07 3-level roll-up at 100/50/25%', () => {
    // R sells 8,000 → M1 8,000, M2 4,000, M3 2,000; managers' plan 1% → 80.00, 40.00, 20.00
    const r = run({ plans: [plan([rate('0.01')])], rules: [rule('owner'), rollup], txs: [tx('R', '8000', '2026-01-10')], units, memberships: tree, periods: JAN });
    expect(['M1', 'M2', 'M3'].map((p) => r.credit(p))).toEqual(['8000', '4000', '2000']);
    expect(['M1', 'M2', 'M3'].map((p) => r.amount(p, 'commission'))).toEqual(['80.00', '40.00', '20.00']);
    expect(r.credits.find((c) => c.payeeId === 'M3')?.sourcePayeeId).toBe('R');
  });

  it('G08 mid-period team move: roll-up follows the effective-dated org', () => {
    // R in U1 (head M1) to Jan 15, then in UB (head MB). Orders Jan 10 1,000, Jan 20 3,000 →
    // M1 1,000, MB 3,000; 1% → 10.00 and 30.00
    const moved: Membership[] = [
      { userId: 'R', orgUnitId: 'U1', from: '2020-01-01', to: '2026-01-15' },
      { userId: 'R', orgUnitId: 'UB', from: '2026-01-16' },
      { userId: 'M1', orgUnitId: 'U1', from: '2020-01-01' },
      { userId: 'MB', orgUnitId: 'UB', from: '2020-01-01' },
    ];
    const r = run({
      plans: [plan([rate('0.01')])],
      rules: [rule('owner'), rule('rollup', { levels: [{ pct: '100' }] })],
      txs: [tx('R', '1000', '2026-01-10'), tx('R', '3000', '2026-01-20')],
      units: [
        { id: 'U1', headId: 'M1' },
        { id: 'UB', headId: 'MB' },
      ],
      memberships: moved,
      periods: JAN,
    });
    expect([r.credit('M1'), r.credit('MB')]).toEqual(['1000', '3000']);
    expect([r.amount('M1', 'commission'), r.amount('MB', 'commission')]).toEqual(['10.00', '30.00']);
  });

  it('G09 overlay specialist by product category', () => {
    // S covers "software": software order 5,000 → S 5,000 × 2% = 100.00; hardware order → nothing for S
    const r = run({
      plans: [plan([rate('0.02')])],
      rules: [rule('owner'), rule('overlay')],
      txs: [tx('A', '5000', '2026-01-10', { category: 'software' }), tx('A', '7000', '2026-01-11', { category: 'hardware' })],
      assignments: [
        { kind: 'specialist', payeeId: 'S', key: 'software', from: '2026-01-01' },
        { kind: 'plan', payeeId: 'S', key: 'plan_a', from: '2026-01-01' },
        { kind: 'plan', payeeId: 'A', key: 'plan_a', from: '2026-01-01' },
      ],
      periods: JAN,
    });
    expect(r.amount('S', 'commission')).toBe('100.00');
    // A: 12,000 × 2% = 240.00
    expect(r.amount('A', 'commission')).toBe('240.00');
  });

  it('G10 territory assignment by customer', () => {
    // customer C1 belongs to T: 4,000 × 3% = 120.00 for T
    const r = run({
      plans: [plan([rate('0.03')])],
      rules: [rule('assignment')],
      txs: [tx('A', '4000', '2026-01-10', { customerId: 'C1' }), tx('A', '900', '2026-01-10', { customerId: 'C2' })],
      assignments: [
        { kind: 'territory', payeeId: 'T', key: 'C1', from: '2026-01-01' },
        { kind: 'plan', payeeId: 'T', key: 'plan_a', from: '2026-01-01' },
      ],
      periods: JAN,
    });
    expect(r.amount('T', 'commission')).toBe('120.00');
  });

  it('G11 effective-dated crediting rules', () => {
    // owner 100% to Jan 31, 50% from Feb 1: Feb order 1,000 → credit 500 × 10% = 50.00
    const r = run({
      plans: [plan([rate('0.1')])],
      rules: [rule('owner', { id: 'a', effectiveTo: '2026-01-31' }), rule('owner', { id: 'b', pct: '50', effectiveFrom: '2026-02-01' })],
      txs: [tx('A', '1000', '2026-01-10'), tx('A', '1000', '2026-02-10')],
      periods: ['2026-01', '2026-02'],
    });
    expect(r.amount('A', 'commission', 'earning', '2026-01')).toBe('100.00');
    expect(r.amount('A', 'commission', 'earning', '2026-02')).toBe('50.00');
  });
});

describe('golden: components and rounding', () => {
  it('G12 flat rate rounds half up to the cent', () => {
    // 12,345.67 × 7.5% = 925.92525 → 925.93
    const r = run({ plans: [plan([rate('0.075')])], txs: [tx('A', '12345.67', '2026-01-10')], periods: JAN });
    expect(r.amount('A', 'commission')).toBe('925.93');
  });

  it('G13 half-even rounding stated by the plan', () => {
    // 2.50 × 5% = 0.125 → half_even 0.12 (half_up would give 0.13)
    const even = run({ plans: [plan([rate('0.05')], { rounding: { scale: 2, mode: 'half_even' } })], txs: [tx('A', '2.50', '2026-01-10')], periods: JAN });
    const up = run({ plans: [plan([rate('0.05')])], txs: [tx('A', '2.50', '2026-01-10')], periods: JAN });
    expect([even.amount('A', 'commission'), up.amount('A', 'commission')]).toEqual(['0.12', '0.13']);
  });

  it('G14 round down and whole-unit rounding', () => {
    // 925.92525 → down 925.92; scale 0 half_up → 926
    const down = run({ plans: [plan([rate('0.075')], { rounding: { scale: 2, mode: 'down' } })], txs: [tx('A', '12345.67', '2026-01-10')], periods: JAN });
    const whole = run({ plans: [plan([rate('0.075')], { rounding: { scale: 0, mode: 'half_up' } })], txs: [tx('A', '12345.67', '2026-01-10')], periods: JAN });
    expect([down.amount('A', 'commission'), whole.amount('A', 'commission')]).toEqual(['925.92', '926.00']);
  });

  it('G15 marginal tiers by value', () => {
    // 25,000: 10,000 × 5% + 10,000 × 8% + 5,000 × 12% = 500 + 800 + 600 = 1,900.00
    const r = run({ plans: [plan([{ name: 'commission', type: 'tiered', measure: 'revenue', tiers: tiers3, tierMode: 'marginal' }])], txs: [tx('A', '25000', '2026-01-10')], periods: JAN });
    expect(r.amount('A', 'commission')).toBe('1900.00');
  });

  it('G16 step (retroactive) tiers by value', () => {
    // 25,000 falls in 20,000+ → the whole 25,000 × 12% = 3,000.00
    const r = run({ plans: [plan([{ name: 'commission', type: 'tiered', measure: 'revenue', tiers: tiers3, tierMode: 'step' }])], txs: [tx('A', '25000', '2026-01-10')], periods: JAN });
    expect(r.amount('A', 'commission')).toBe('3000.00');
  });

  it('G17 step tier boundary belongs to the upper tier', () => {
    // exactly 20,000 → from ≤ v < to puts it in 20,000+: 20,000 × 12% = 2,400.00; 19,999.99 × 8% = 1,599.9992 → 1,600.00
    const at = run({
      plans: [plan([{ name: 'commission', type: 'tiered', measure: 'revenue', tiers: tiers3, tierMode: 'step' }])],
      txs: [tx('A', '20000', '2026-01-10'), tx('B', '19999.99', '2026-01-10')],
      periods: JAN,
    });
    expect([at.amount('A', 'commission'), at.amount('B', 'commission')]).toEqual(['2400.00', '1600.00']);
  });

  const quota = (payeeId: string, value: string, period = '2026-01') => ({ payeeId, period, name: 'quota', value });

  it('G18 accelerator above 100% attainment', () => {
    // quota 100,000, revenue 130,000: 100,000 × 5% + 30,000 × 10% = 5,000 + 3,000 = 8,000.00
    const comp: ComponentDef = {
      name: 'commission',
      type: 'tiered',
      measure: 'revenue',
      target: 'quota',
      tierBasis: 'attainment',
      tiers: [
        { from: '0', to: '1', rate: '0.05' },
        { from: '1', rate: '0.10' },
      ],
    };
    const r = run({ plans: [plan([comp])], txs: [tx('A', '130000', '2026-01-10')], inputs: [quota('A', '100000')], periods: JAN });
    expect(r.amount('A', 'commission')).toBe('8000.00');
    expect(r.lines[0]?.trace.attainment).toBe('1.3');
  });

  const decel: ComponentDef = {
    name: 'commission',
    type: 'tiered',
    measure: 'revenue',
    target: 'quota',
    tierBasis: 'attainment',
    tiers: [
      { from: '0', to: '0.5', rate: '0.02' },
      { from: '0.5', to: '1', rate: '0.05' },
      { from: '1', rate: '0.08' },
    ],
  };

  it('G19 decelerator below the 50% threshold', () => {
    // revenue 40,000 of quota 100,000 (40%): all in the 2% band → 800.00
    const r = run({ plans: [plan([decel])], txs: [tx('A', '40000', '2026-01-10')], inputs: [quota('A', '100000')], periods: JAN });
    expect(r.amount('A', 'commission')).toBe('800.00');
  });

  it('G20 decelerated band then the normal rate', () => {
    // revenue 70,000: 50,000 × 2% + 20,000 × 5% = 1,000 + 1,000 = 2,000.00
    const r = run({ plans: [plan([decel])], txs: [tx('A', '70000', '2026-01-10')], inputs: [quota('A', '100000')], periods: JAN });
    expect(r.amount('A', 'commission')).toBe('2000.00');
  });

  it('G21 cap', () => {
    // 300,000 × 10% = 30,000 → capped at 20,000.00
    const r = run({ plans: [plan([rate('0.1', { cap: { amount: '20000' } })])], txs: [tx('A', '300000', '2026-01-10')], periods: JAN });
    expect(r.amount('A', 'commission')).toBe('20000.00');
    expect(r.lines[0]?.trace.steps.some((s) => s.step === 'cap')).toBe(true);
  });

  it('G22 floor', () => {
    // 10,000 × 1% = 100 → floor 250.00
    const r = run({ plans: [plan([rate('0.01', { floor: { amount: '250' } })])], txs: [tx('A', '10000', '2026-01-10')], periods: JAN });
    expect(r.amount('A', 'commission')).toBe('250.00');
  });

  it('G23 gate: nothing below 50% attainment', () => {
    // 45,000 / 100,000 = 45% < 50% → 0.00 (would have been 2,250)
    const r = run({ plans: [plan([rate('0.05', { target: 'quota', gate: { minAttainment: '0.5' } })])], txs: [tx('A', '45000', '2026-01-10')], inputs: [quota('A', '100000')], periods: JAN });
    expect(r.amount('A', 'commission')).toBe('0.00');
  });

  it('G24 gate passed at exactly 50%', () => {
    // 50,000 / 100,000 = 50% ≥ 50% → 50,000 × 5% = 2,500.00
    const r = run({ plans: [plan([rate('0.05', { target: 'quota', gate: { minAttainment: '0.5' } })])], txs: [tx('A', '50000', '2026-01-10')], inputs: [quota('A', '100000')], periods: JAN });
    expect(r.amount('A', 'commission')).toBe('2500.00');
  });

  it('G25 gate on a second KPI (visits)', () => {
    // 7 visits of a target of 10 = 70% < 80% → commission 0.00 although revenue 20,000
    const measures = [
      { name: 'revenue', type: 'sum' as const, filter: { objects: ['order'] } },
      { name: 'visits', type: 'count' as const, filter: { objects: ['visit'] } },
    ];
    const visits = Array.from({ length: 7 }, (_, i) => tx('A', '0', `2026-01-${String(i + 2).padStart(2, '0')}`, { object: 'visit' }));
    const r = run({
      plans: [plan([rate('0.05', { gate: { measure: 'visits', target: 'visit_target', minAttainment: '0.8' } })], { measures })],
      txs: [tx('A', '20000', '2026-01-10'), ...visits],
      inputs: [{ payeeId: 'A', period: '2026-01', name: 'visit_target', value: '10' }],
      periods: JAN,
    });
    expect(r.amount('A', 'commission')).toBe('0.00');
  });

  const marginPlan = plan(
    [
      rate('0.04', {
        multiplier: {
          measure: 'margin_pct',
          table: [
            { from: '0', to: '0.2', rate: '0.8' },
            { from: '0.2', to: '0.3', rate: '1' },
            { from: '0.3', rate: '1.2' },
          ],
        },
      }),
    ],
    {
      measures: [
        { name: 'revenue', type: 'sum' },
        { name: 'margin', type: 'sum', field: 'margin' },
        { name: 'margin_pct', type: 'ratio', numerator: 'margin', denominator: 'revenue' },
      ],
    },
  );

  it('G26 multiplier from margin: high margin', () => {
    // margin 16,000 / 50,000 = 32% → ×1.2; 50,000 × 4% = 2,000 × 1.2 = 2,400.00
    const r = run({ plans: [marginPlan], txs: [tx('A', '50000', '2026-01-10', { margin: '16000' })], periods: JAN });
    expect(r.amount('A', 'commission')).toBe('2400.00');
  });

  it('G27 multiplier from margin: low margin', () => {
    // margin 5,000 / 50,000 = 10% → ×0.8; 2,000 × 0.8 = 1,600.00
    const r = run({ plans: [marginPlan], txs: [tx('A', '50000', '2026-01-10', { margin: '5000' })], periods: JAN });
    expect(r.amount('A', 'commission')).toBe('1600.00');
  });

  it('G28 SPIF for a product within a window', () => {
    // 200 per credit of product PX dated Jan 10–20: PX Jan 12 ✓, PX Jan 25 ✗, PY Jan 15 ✗ → 200.00
    const spif: ComponentDef = { name: 'px_spif', type: 'spif', perCredit: '200', filter: { products: ['PX'], from: '2026-01-10', to: '2026-01-20' } };
    const r = run({
      plans: [plan([spif])],
      txs: [tx('A', '100', '2026-01-12', { productId: 'PX' }), tx('A', '100', '2026-01-25', { productId: 'PX' }), tx('A', '100', '2026-01-15', { productId: 'PY' })],
      periods: JAN,
    });
    expect(r.amount('A', 'px_spif')).toBe('200.00');
  });

  it('G29 SPIF on a category, rate and per-credit, split-aware', () => {
    // A: software 10,000 at 100% → 3% = 300 + 100 = 400; B has a 50% split of a 4,000 software order:
    // credit 2,000 × 3% = 60 + 100 × 50% = 50 → 110.00; A also gets the other 50%: 60 + 50 = 110 → 510.00
    const spif: ComponentDef = { name: 'sw_spif', type: 'spif', rate: '0.03', perCredit: '100', filter: { categories: ['software'] } };
    const r = run({
      plans: [plan([spif])],
      rules: [rule('split')],
      txs: [
        tx('A', '10000', '2026-01-10', { category: 'software' }),
        tx('A', '4000', '2026-01-11', {
          category: 'software',
          splits: [
            { payeeId: 'A', pct: '50' },
            { payeeId: 'B', pct: '50' },
          ],
        }),
      ],
      periods: JAN,
    });
    expect([r.amount('A', 'sw_spif'), r.amount('B', 'sw_spif')]).toEqual(['510.00', '110.00']);
  });

  it('G30 SPIF limited to a period', () => {
    // 1% of orders dated in February only: Jan 10,000 → 0.00; Feb 20,000 → 200.00
    const spif: ComponentDef = { name: 'feb_spif', type: 'spif', rate: '0.01', filter: { from: '2026-02-01', to: '2026-02-28' } };
    const r = run({ plans: [plan([spif])], txs: [tx('A', '10000', '2026-01-10'), tx('A', '20000', '2026-02-10')], periods: ['2026-01', '2026-02'] });
    expect([r.amount('A', 'feb_spif', 'earning', '2026-01'), r.amount('A', 'feb_spif', 'earning', '2026-02')]).toEqual(['0.00', '200.00']);
  });

  const mbo = (extra: Partial<ComponentDef> = {}): ComponentDef => ({ name: 'mbo', type: 'bonus', amount: '1000', score: 'mbo_score', ...extra });
  const mboMeasures = {
    measures: [
      { name: 'revenue', type: 'sum' as const },
      { name: 'mbo_score', type: 'input' as const },
    ],
  };

  it('G31 MBO bonus × score', () => {
    // 1,000 × 0.85 = 850.00
    const r = run({ plans: [plan([mbo()], mboMeasures)], txs: [tx('A', '0', '2026-01-10')], inputs: [{ payeeId: 'A', period: '2026-01', name: 'mbo_score', value: '0.85' }], periods: JAN });
    expect(r.amount('A', 'mbo')).toBe('850.00');
  });

  it('G32 MBO score capped', () => {
    // score 1.5 capped at 1.2 → 1,000 × 1.2 = 1,200.00
    const r = run({
      plans: [plan([mbo({ maxScore: '1.2' })], mboMeasures)],
      txs: [tx('A', '0', '2026-01-10')],
      inputs: [{ payeeId: 'A', period: '2026-01', name: 'mbo_score', value: '1.5' }],
      periods: JAN,
    });
    expect(r.amount('A', 'mbo')).toBe('1200.00');
  });

  it('G33 bonus on attainment', () => {
    // 90,000 / 100,000 = 0.9 → 2,000 × 0.9 = 1,800.00
    const comp: ComponentDef = { name: 'bonus', type: 'bonus', amount: '2000', measure: 'revenue', target: 'quota', maxScore: '1' };
    const r = run({ plans: [plan([comp])], txs: [tx('A', '90000', '2026-01-10')], inputs: [quota('A', '100000')], periods: JAN });
    expect(r.amount('A', 'bonus')).toBe('1800.00');
  });

  it('G34 points: 2 per visit, 10 per won deal plus 1 per 10,000', () => {
    // 3 visits × 2 = 6; deal 25,000 → 10 + floor(2.5) = 12; points are not money
    const comps: ComponentDef[] = [
      { name: 'visit_points', type: 'points', perCredit: '2', filter: { objects: ['visit'] } },
      { name: 'deal_points', type: 'points', perCredit: '10', perAmount: { every: '10000', value: '1' }, filter: { objects: ['order'] } },
    ];
    const r = run({
      plans: [plan(comps)],
      txs: [tx('A', '0', '2026-01-05', { object: 'visit' }), tx('A', '0', '2026-01-06', { object: 'visit' }), tx('A', '0', '2026-01-07', { object: 'visit' }), tx('A', '25000', '2026-01-10')],
      periods: JAN,
    });
    expect([r.points('A', 'visit_points'), r.points('A', 'deal_points')]).toEqual(['6', '12']);
    expect(r.payout('A')).toBe('0.00');
    expect(r.payouts[0]?.points).toBe(18n * 10n ** 10n);
  });
});

describe('golden: proration, timing, versions', () => {
  const join = [{ kind: 'plan' as const, payeeId: 'A', key: 'plan_a', from: '2026-04-16' }];
  const APR = ['2026-04'];

  it('G35 proration of the target for a mid-period join', () => {
    // joins Apr 16: 15 of 30 days = 0.5; quota 60,000 → 30,000; revenue 36,000 (120%):
    // 30,000 × 5% + 6,000 × 10% = 1,500 + 600 = 2,100.00
    const comp: ComponentDef = {
      name: 'commission',
      type: 'tiered',
      measure: 'revenue',
      target: 'quota',
      tierBasis: 'attainment',
      tiers: [
        { from: '0', to: '1', rate: '0.05' },
        { from: '1', rate: '0.10' },
      ],
    };
    const r = run({
      plans: [plan([comp], { proration: 'days' })],
      txs: [tx('A', '36000', '2026-04-20')],
      assignments: join,
      inputs: [{ payeeId: 'A', period: '2026-04', name: 'quota', value: '60000' }],
      periods: APR,
    });
    expect(r.amount('A', 'commission')).toBe('2100.00');
    expect(r.lines[0]?.trace.proration).toBe('0.5');
  });

  it('G36 proration of a bonus', () => {
    // 1,000 × 0.5 × score 1 = 500.00
    const r = run({
      plans: [plan([{ name: 'mbo', type: 'bonus', amount: '1000', score: 'mbo_score' }], { proration: 'days', measures: [{ name: 'mbo_score', type: 'input' }] })],
      txs: [],
      assignments: join,
      inputs: [{ payeeId: 'A', period: '2026-04', name: 'mbo_score', value: '1' }],
      periods: APR,
    });
    expect(r.amount('A', 'mbo')).toBe('500.00');
  });

  it('G37 proration of a cap', () => {
    // 20,000 × 10% = 2,000; cap 1,000 × 0.5 = 500.00
    const r = run({ plans: [plan([rate('0.1', { cap: { amount: '1000' } })], { proration: 'days' })], txs: [tx('A', '20000', '2026-04-20')], assignments: join, periods: APR });
    expect(r.amount('A', 'commission')).toBe('500.00');
  });

  it('G38 payout on payment: held until paid', () => {
    // booked Jan 20, paid Feb 3 → Jan: hold line, 0.00 earned; Feb: 5,000 × 10% = 500.00
    const r = run({
      plans: [plan([rate('0.1')], { payoutTiming: 'payment' })],
      txs: [tx('A', '5000', '2026-01-20', { paidDate: '2026-02-03' }), tx('A', '1000', '2026-01-21')],
      periods: ['2026-01', '2026-02'],
    });
    expect(r.amount('A', 'commission', 'earning', '2026-01')).toBe('0.00');
    expect(r.lines.find((l) => l.kind === 'hold' && l.period === '2026-01')?.trace.creditCount).toBe(1);
    expect(r.amount('A', 'commission', 'earning', '2026-02')).toBe('500.00');
  });

  it('G39 payout on invoice', () => {
    // booked Jan 30, invoiced Feb 2: counts in Feb: 2,000 × 10% = 200.00
    const r = run({ plans: [plan([rate('0.1')], { payoutTiming: 'invoice' })], txs: [tx('A', '2000', '2026-01-30', { invoiceDate: '2026-02-02' })], periods: ['2026-01', '2026-02'] });
    expect([r.amount('A', 'commission', 'earning', '2026-01'), r.amount('A', 'commission', 'earning', '2026-02')]).toEqual(['0.00', '200.00']);
  });

  it('G40 effective-dated plan versions', () => {
    // v1 (5%) for January, v2 (6%) from February: 1,000 → 50.00 then 60.00, each line names its version
    const p = plan([rate('0.05')], { effectiveTo: '2026-01-31' }, 'plan_a', [version({ version: 2, effectiveFrom: '2026-02-01', components: [rate('0.06')] })]);
    const r = run({ plans: [p], txs: [tx('A', '1000', '2026-01-10'), tx('A', '1000', '2026-02-10')], periods: ['2026-01', '2026-02'] });
    expect([r.amount('A', 'commission', 'earning', '2026-01'), r.amount('A', 'commission', 'earning', '2026-02')]).toEqual(['50.00', '60.00']);
    expect(r.lines.map((l) => l.trace.plan.version)).toEqual([1, 2]);
  });

  it('G41 two plans for one payee', () => {
    // base plan 5% of 10,000 = 500.00; SPIF plan 50 per order = 50.00; payout 550.00
    const r = run({ plans: [plan([rate('0.05')]), plan([{ name: 'spif', type: 'spif', perCredit: '50' }], {}, 'plan_spif')], txs: [tx('A', '10000', '2026-01-10')], periods: JAN });
    expect([r.amount('A', 'commission'), r.amount('A', 'spif'), r.payout('A')]).toEqual(['500.00', '50.00', '550.00']);
  });
});

describe('golden: multi-currency', () => {
  it('G42 rates by transaction date', () => {
    // EUR 1,000 on Jan 10 at 1.10 (rate from Jan 1) = 1,100; EUR 500 on Jan 20 at 1.20 (from Jan 15) = 600;
    // 1,700 USD × 10% = 170.00
    const fx = [
      { currency: 'EUR', rate: '1.10', date: '2026-01-01' },
      { currency: 'EUR', rate: '1.20', date: '2026-01-15' },
    ];
    const r = run({ plans: [plan([rate('0.1')])], txs: [tx('A', '1000', '2026-01-10', { currency: 'EUR' }), tx('A', '500', '2026-01-20', { currency: 'EUR' })], fx, periods: JAN });
    expect(r.credit('A')).toBe('1700');
    expect(r.amount('A', 'commission')).toBe('170.00');
  });

  it('G43 a missing rate is reported, not guessed', () => {
    // GBP has no rate before Jan 10 → problem, no credit
    const r = run({ plans: [plan([rate('0.1')])], txs: [tx('A', '1000', '2026-01-10', { currency: 'GBP' })], fx: [{ currency: 'GBP', rate: '1.3', date: '2026-02-01' }], periods: JAN });
    expect(r.credits).toHaveLength(0);
    expect(r.problems[0]?.message).toMatch(/no exchange rate from GBP to USD/);
  });

  it('G44 converted split keeps exact cents', () => {
    // JPY 100,000 × 0.0067 = 670 USD; split 50/50 → 335 each × 10% = 33.50
    const r = run({
      plans: [plan([rate('0.1')])],
      rules: [rule('split')],
      txs: [
        tx('A', '100000', '2026-01-10', {
          currency: 'JPY',
          splits: [
            { payeeId: 'A', pct: '50' },
            { payeeId: 'B', pct: '50' },
          ],
        }),
      ],
      fx: [{ currency: 'JPY', rate: '0.0067', date: '2026-01-01' }],
      periods: JAN,
    });
    expect([r.amount('A', 'commission'), r.amount('B', 'commission')]).toEqual(['33.50', '33.50']);
  });
});

describe('golden: clawbacks, adjustments, draws', () => {
  const claw = plan([rate('0.05')], { clawback: { days: 60 } });

  it('G45 clawback after a refund, original period closed', () => {
    // Jan (closed): 10,000 × 5% = 500.00 paid. Refund Feb 10 (41 days ≤ 60) → Feb: clawback −500.00;
    // new Feb order 4,000 × 5% = 200.00 → Feb payout 200 − 500 = −300.00
    const jan = run({ plans: [claw], txs: [tx('A', '10000', '2026-01-01', { id: 'o_refund' })], periods: JAN });
    expect(jan.payout('A')).toBe('500.00');
    const feb = run({
      plans: [claw],
      txs: [tx('A', '10000', '2026-01-01', { id: 'o_refund', status: 'refunded', reversalDate: '2026-02-10' }), tx('A', '4000', '2026-02-05')],
      periods: ['2026-02'],
      frozen: jan.frozenUpTo(JAN),
    });
    expect(feb.amount('A', 'commission', 'clawback')).toBe('-500.00');
    expect(feb.amount('A', 'commission')).toBe('200.00');
    expect(feb.payout('A')).toBe('-300.00');
    expect(feb.lines.find((l) => l.kind === 'clawback')?.trace.forPeriod).toBe('2026-01');
  });

  it('G46 refund outside the clawback window keeps the commission', () => {
    // booked Jan 1, refunded Apr 15 = 104 days > 60 → no clawback: Apr payout 0.00, no adjustment line
    const jan = run({ plans: [claw], txs: [tx('A', '10000', '2026-01-01', { id: 'o_late' })], periods: JAN });
    const apr = run({ plans: [claw], txs: [tx('A', '10000', '2026-01-01', { id: 'o_late', reversalDate: '2026-04-15' })], periods: ['2026-04'], frozen: jan.frozenUpTo(JAN) });
    expect(apr.lines.filter((l) => l.kind !== 'earning')).toHaveLength(0);
    expect(apr.payout('A')).toBe('0.00');
  });

  it('G47 cancelled in the same open period: never paid', () => {
    // booked Jan 5, cancelled Jan 20 → not counted: 0.00
    const r = run({ plans: [claw], txs: [tx('A', '10000', '2026-01-05', { reversalDate: '2026-01-20', status: 'cancelled' })], periods: JAN });
    expect(r.amount('A', 'commission')).toBe('0.00');
  });

  const ppaPlan = plan([
    {
      name: 'commission',
      type: 'tiered',
      measure: 'revenue',
      tiers: [
        { from: '0', to: '10000', rate: '0.05' },
        { from: '10000', rate: '0.10' },
      ],
    },
  ]);

  it('G48 prior-period adjustment after close', () => {
    // Jan closed at 10,000 → 500.00. A late Jan order of 5,000 arrives in Feb: Jan recomputed =
    // 10,000 × 5% + 5,000 × 10% = 1,000 → Feb adjustment +500.00 for Jan; Jan itself is unchanged
    const jan = run({ plans: [ppaPlan], txs: [tx('A', '10000', '2026-01-10', { id: 'j1' })], periods: JAN });
    const feb = run({ plans: [ppaPlan], txs: [tx('A', '10000', '2026-01-10', { id: 'j1' }), tx('A', '5000', '2026-01-28', { id: 'j2' })], periods: ['2026-02'], frozen: jan.frozenUpTo(JAN) });
    expect(feb.amount('A', 'commission', 'adjustment')).toBe('500.00');
    expect(feb.lines.some((l) => l.period === '2026-01')).toBe(false);
    expect(feb.payout('A', '2026-02')).toBe('500.00');
  });

  it('G49 an adjustment is booked once', () => {
    // as G48, then Feb closes with its +500 adjustment; March recomputes Jan = 1,000 = 500 + 500 → nothing more
    const txs = [tx('A', '10000', '2026-01-10', { id: 'j1' }), tx('A', '5000', '2026-01-28', { id: 'j2' })];
    const jan = run({ plans: [ppaPlan], txs: txs.slice(0, 1), periods: JAN });
    const feb = run({ plans: [ppaPlan], txs, periods: ['2026-02'], frozen: jan.frozenUpTo(JAN) });
    const mar = run({ plans: [ppaPlan], txs, periods: ['2026-03'], frozen: feb.frozenUpTo(['2026-02']) });
    expect(mar.lines.filter((l) => l.kind === 'adjustment')).toHaveLength(0);
  });

  it('G50 adjustments land in the first open period only', () => {
    // Jan closed; Feb and Mar both open: the +500 lands in Feb, not in Mar
    const txs = [tx('A', '10000', '2026-01-10', { id: 'j1' }), tx('A', '5000', '2026-01-28', { id: 'j2' })];
    const jan = run({ plans: [ppaPlan], txs: txs.slice(0, 1), periods: JAN });
    const r = run({ plans: [ppaPlan], txs, periods: ['2026-02', '2026-03'], frozen: jan.frozenUpTo(JAN) });
    expect([r.amount('A', 'commission', 'adjustment', '2026-02'), r.amount('A', 'commission', 'adjustment', '2026-03')]).toEqual(['500.00', '0.00']);
  });

  const drawPlan = (type: 'recoverable' | 'non_recoverable' | 'guarantee', amount: string) => plan([rate('0.1')], { draw: { type, amount, from: '2026-01', to: '2026-03' } });

  it('G51 recoverable draw: advance, then recovery from later earnings', () => {
    // draw 3,000 Jan–Mar. Jan earned 1,000 → paid 3,000, balance 2,000.
    // Feb earned 4,500 → recover min(2,000, 4,500 − 3,000) = 1,500 → paid 3,000, balance 500.
    // Mar earned 6,000 → recover min(500, 3,000) = 500 → paid 5,500, balance 0.
    const r = run({
      plans: [drawPlan('recoverable', '3000')],
      txs: [tx('A', '10000', '2026-01-10'), tx('A', '45000', '2026-02-10'), tx('A', '60000', '2026-03-10')],
      periods: ['2026-01', '2026-02', '2026-03'],
    });
    expect(['2026-01', '2026-02', '2026-03'].map((p) => r.payout('A', p))).toEqual(['3000.00', '3000.00', '5500.00']);
    expect(r.amount('A', null, 'draw', '2026-01')).toBe('2000.00');
    expect(r.amount('A', null, 'recovery', '2026-02')).toBe('-1500.00');
    expect(r.payouts.map((p) => p.balanceAfter)).toEqual([2000n * 10n ** 10n, 500n * 10n ** 10n, 0n]);
  });

  it('G52 recoverable draw balance carries over a close', () => {
    // as G51, but Jan is closed first: Feb reads the 2,000 balance from Jan's frozen payout → Feb 3,000.00
    const txs = [tx('A', '10000', '2026-01-10', { id: 'd1' }), tx('A', '45000', '2026-02-10', { id: 'd2' })];
    const jan = run({ plans: [drawPlan('recoverable', '3000')], txs, periods: JAN });
    const feb = run({ plans: [drawPlan('recoverable', '3000')], txs, periods: ['2026-02'], frozen: jan.frozenUpTo(JAN) });
    expect(feb.payout('A', '2026-02')).toBe('3000.00');
  });

  it('G53 non-recoverable draw', () => {
    // draw 2,000: Jan earned 500 → top-up 1,500, paid 2,000.00; Feb earned 3,000 → no recovery, paid 3,000.00
    const r = run({ plans: [drawPlan('non_recoverable', '2000')], txs: [tx('A', '5000', '2026-01-10'), tx('A', '30000', '2026-02-10')], periods: ['2026-01', '2026-02'] });
    expect([r.payout('A', '2026-01'), r.payout('A', '2026-02')]).toEqual(['2000.00', '3000.00']);
    expect(r.amount('A', null, 'guarantee', '2026-01')).toBe('1500.00');
  });

  it('G54 guarantee prorated for a mid-period join', () => {
    // guarantee 4,000 in April, joined Apr 16 → 2,000; earned 3,000 × 10% = 300 → top-up 1,700.00, paid 2,000.00
    const p = plan([rate('0.1')], { proration: 'days', draw: { type: 'guarantee', amount: '4000', from: '2026-04', to: '2026-06' } });
    const r = run({ plans: [p], txs: [tx('A', '3000', '2026-04-20')], assignments: [{ kind: 'plan', payeeId: 'A', key: 'plan_a', from: '2026-04-16' }], periods: ['2026-04'] });
    expect([r.amount('A', null, 'guarantee'), r.payout('A')]).toEqual(['1700.00', '2000.00']);
  });

  it('G55 trace names plan version, component, credits, source records and steps', () => {
    // marginal tiers on 25,000 → steps 500, 800, 600, total 1,900
    const r = run({
      plans: [plan([{ name: 'commission', type: 'tiered', measure: 'revenue', tiers: tiers3 }])],
      txs: [tx('A', '15000', '2026-01-10', { id: 't1' }), tx('A', '10000', '2026-01-11', { id: 't2' })],
      periods: JAN,
    });
    const trace = r.lines[0]?.trace;
    expect(trace?.plan).toEqual({ id: 'plan_a', name: 'plan_a', version: 1 });
    expect(trace?.sourceRecordIds).toEqual(['t1', 't2']);
    expect(trace?.creditIds).toHaveLength(2);
    expect(trace?.measures.revenue).toEqual({ value: '25000', credits: 2 });
    expect(trace?.steps.map((s) => s.value)).toEqual(['500', '800', '600', '1900', '1900']);
  });
});
