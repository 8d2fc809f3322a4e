// The 55 golden cases of packages/engine/test/incentives-golden.test.ts (G01–G55, with G05b),
// played through the public API as an admin, finance and the reps would (issue #11, acceptance
// item 2): people are user records, reps book orders for their own customers, split rows, org
// units and dated org changes, plans saved and assigned through the incentive routes, inputs,
// exchange rates, periods opened and closed; the figures are read back from statements, their
// drill-downs, payouts and the problems list. Expected figures are the golden file's, with its
// hand arithmetic beside each assertion. The plans, rules and components are built with the golden
// fixture's own builders, so both files state one case the same way.
//
// Cases with the same crediting rules share a tenant, each with its own people and plans (a case's
// payee 'A' is the person `g12_A`, its plan_a is `g12_plan_a`); the closing cases share one tenant
// whose January is closed once for all of them (beforeAll), then each plays what comes after.
//
// How the public API states what the engine fixture states directly:
// - a transaction's `category` / `productId` / `margin` → an order line of a product with that
//   category or unit cost (margin = amount − quantity × unit cost);
// - `object: 'visit'` transactions → visit records, read by the plan as a record `source`
//   (`{ object: 'visit', dateField: 'check_in_at' }`) instead of a credit filter on objects;
// - `paidDate` / `invoiceDate` / `reversalDate` → the order's status with paid_date, invoice_date,
//   reversal_date; a frozen earlier run → the period stepped to `closed` by finance;
// - memberships and unit heads from 2020 → units and people made by REST (a new person counts from
//   the beginning) with heads and moves dated through `POST /org/changes`.
// No case is skipped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plan, rule, version } from '../../packages/engine/test/incentives-fixture.ts';
import type { ComponentDef, MeasureDef } from '../../packages/engine/src/incentives/index.ts';
import { startServer } from '../support/one-truth-world.ts';
import { GoldenTenant, addDec, toUnits, type ApiRun, type GoldenCase } from '../support/golden-api.ts';

let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  server = await startServer();
}, 240_000);
afterAll(async () => {
  await server?.stop();
});

const rate = (r: string, extra: Partial<ComponentDef> = {}): ComponentDef => ({ name: 'commission', type: 'rate', measure: 'revenue', rate: r, ...extra });
const JAN = ['2026-01'];
const tiers3 = [
  { from: '0', to: '10000', rate: '0.05' },
  { from: '10000', to: '20000', rate: '0.08' },
  { from: '20000', rate: '0.12' },
];
const quota = (payee: string, value: string, period = '2026-01') => ({ payee, period, name: 'quota', value });
const visitSource = { object: 'visit', dateField: 'check_in_at' };
const accel: ComponentDef = {
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
const OPEN = ['2026-01', '2026-02', '2026-03', '2026-04'];

async function tenantWith(rules: Parameters<GoldenTenant['rules']>[0], periods = OPEN): Promise<GoldenTenant> {
  const t = await GoldenTenant.create(server.app, server.store);
  await t.rules(rules);
  await t.open(periods);
  return t;
}

/** A one-plan case: plan saved, orders booked, every payee of the case on the plan (the fixture's default). */
async function simple(t: GoldenTenant, prefix: string, comps: ComponentDef[], orders: Parameters<GoldenCase['order']>[0][], v: Parameters<typeof plan>[1] = {}): Promise<GoldenCase> {
  const g = t.scope(prefix);
  await g.plan(plan(comps, v));
  for (const o of orders) await g.order(o);
  await g.assignAll();
  return g;
}

describe('golden: owner credit, rates, tiers, rounding (one tenant, January)', () => {
  let t: GoldenTenant;
  beforeAll(async () => {
    t = await tenantWith([rule('owner')], JAN);
  }, 120_000);

  it('G01 owner gets 100% credit', async () => {
    // order 1,000 owned by A; 1,000 × 5% = 50.00
    const r = await (await simple(t, 'g01', [rate('0.05')], [{ owner: 'A', amount: '1000', date: '2026-01-10' }])).run(JAN);
    expect(await r.credit('A')).toBe('1000');
    expect(r.amount('A', 'commission')).toBe('50.00');
  });

  it('G12 flat rate rounds half up to the cent', async () => {
    // 12,345.67 × 7.5% = 925.92525 → 925.93
    const r = await (await simple(t, 'g12', [rate('0.075')], [{ owner: 'A', amount: '12345.67', date: '2026-01-10' }])).run(JAN);
    expect(r.amount('A', 'commission')).toBe('925.93');
  });

  it('G13 half-even rounding stated by the plan', async () => {
    // 2.50 × 5% = 0.125 → half_even 0.12 (A's plan); half_up 0.13 (B's plan)
    const g = t.scope('g13');
    await g.plan(plan([rate('0.05')], { rounding: { scale: 2, mode: 'half_even' } }, 'plan_even'));
    await g.plan(plan([rate('0.05')], {}, 'plan_up'));
    await g.order({ owner: 'A', amount: '2.50', date: '2026-01-10' });
    await g.order({ owner: 'B', amount: '2.50', date: '2026-01-10' });
    await g.assign('plan_even', [{ payee: 'A', from: '2020-01-01' }]);
    await g.assign('plan_up', [{ payee: 'B', from: '2020-01-01' }]);
    const r = await g.run(JAN);
    expect([r.amount('A', 'commission'), r.amount('B', 'commission')]).toEqual(['0.12', '0.13']);
  });

  it('G14 round down and whole-unit rounding', async () => {
    // 925.92525 → down 925.92 (A); scale 0 half_up → 926 (B)
    const g = t.scope('g14');
    await g.plan(plan([rate('0.075')], { rounding: { scale: 2, mode: 'down' } }, 'plan_down'));
    await g.plan(plan([rate('0.075')], { rounding: { scale: 0, mode: 'half_up' } }, 'plan_whole'));
    await g.order({ owner: 'A', amount: '12345.67', date: '2026-01-10' });
    await g.order({ owner: 'B', amount: '12345.67', date: '2026-01-10' });
    await g.assign('plan_down', [{ payee: 'A', from: '2020-01-01' }]);
    await g.assign('plan_whole', [{ payee: 'B', from: '2020-01-01' }]);
    const r = await g.run(JAN);
    expect([r.amount('A', 'commission'), r.amount('B', 'commission')]).toEqual(['925.92', '926.00']);
  });

  it('G15 marginal tiers by value', async () => {
    // 25,000: 10,000 × 5% + 10,000 × 8% + 5,000 × 12% = 500 + 800 + 600 = 1,900.00
    const r = await (
      await simple(t, 'g15', [{ name: 'commission', type: 'tiered', measure: 'revenue', tiers: tiers3, tierMode: 'marginal' }], [{ owner: 'A', amount: '25000', date: '2026-01-10' }])
    ).run(JAN);
    expect(r.amount('A', 'commission')).toBe('1900.00');
  });

  it('G16 step (retroactive) tiers by value', async () => {
    // 25,000 falls in 20,000+ → the whole 25,000 × 12% = 3,000.00
    const r = await (await simple(t, 'g16', [{ name: 'commission', type: 'tiered', measure: 'revenue', tiers: tiers3, tierMode: 'step' }], [{ owner: 'A', amount: '25000', date: '2026-01-10' }])).run(
      JAN,
    );
    expect(r.amount('A', 'commission')).toBe('3000.00');
  });

  it('G17 step tier boundary belongs to the upper tier', async () => {
    // exactly 20,000 → 20,000 × 12% = 2,400.00; 19,999.99 × 8% = 1,599.9992 → 1,600.00
    const r = await (
      await simple(
        t,
        'g17',
        [{ name: 'commission', type: 'tiered', measure: 'revenue', tiers: tiers3, tierMode: 'step' }],
        [
          { owner: 'A', amount: '20000', date: '2026-01-10' },
          { owner: 'B', amount: '19999.99', date: '2026-01-10' },
        ],
      )
    ).run(JAN);
    expect([r.amount('A', 'commission'), r.amount('B', 'commission')]).toEqual(['2400.00', '1600.00']);
  });

  it('G21 cap', async () => {
    // 300,000 × 10% = 30,000 → capped at 20,000.00
    const r = await (await simple(t, 'g21', [rate('0.1', { cap: { amount: '20000' } })], [{ owner: 'A', amount: '300000', date: '2026-01-10' }])).run(JAN);
    expect(r.amount('A', 'commission')).toBe('20000.00');
    expect(r.lines[0]?.trace.steps?.some((s) => s.step === 'cap')).toBe(true);
  });

  it('G22 floor', async () => {
    // 10,000 × 1% = 100 → floor 250.00
    const r = await (await simple(t, 'g22', [rate('0.01', { floor: { amount: '250' } })], [{ owner: 'A', amount: '10000', date: '2026-01-10' }])).run(JAN);
    expect(r.amount('A', 'commission')).toBe('250.00');
  });
});

describe('golden: targets, gates and attainment (one tenant, January)', () => {
  // A plan with a target is not computed for a payee while any open period lacks the target
  // (calculate.ts, plan_calc_failed), so these cases' tenant has January open only, as the golden runs do.
  let t: GoldenTenant;
  beforeAll(async () => {
    t = await tenantWith([rule('owner')], JAN);
  }, 120_000);

  it('G18 accelerator above 100% attainment', async () => {
    // quota 100,000, revenue 130,000: 100,000 × 5% + 30,000 × 10% = 5,000 + 3,000 = 8,000.00
    const g = await simple(t, 'g18', [accel], [{ owner: 'A', amount: '130000', date: '2026-01-10' }]);
    await g.inputs([quota('A', '100000')]);
    const r = await g.run(JAN);
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

  it('G19 decelerator below the 50% threshold', async () => {
    // revenue 40,000 of quota 100,000 (40%): all in the 2% band → 800.00
    const g = await simple(t, 'g19', [decel], [{ owner: 'A', amount: '40000', date: '2026-01-10' }]);
    await g.inputs([quota('A', '100000')]);
    expect((await g.run(JAN)).amount('A', 'commission')).toBe('800.00');
  });

  it('G20 decelerated band then the normal rate', async () => {
    // revenue 70,000: 50,000 × 2% + 20,000 × 5% = 1,000 + 1,000 = 2,000.00
    const g = await simple(t, 'g20', [decel], [{ owner: 'A', amount: '70000', date: '2026-01-10' }]);
    await g.inputs([quota('A', '100000')]);
    expect((await g.run(JAN)).amount('A', 'commission')).toBe('2000.00');
  });

  it('G23 gate: nothing below 50% attainment', async () => {
    // 45,000 / 100,000 = 45% < 50% → 0.00 (would have been 2,250)
    const g = await simple(t, 'g23', [rate('0.05', { target: 'quota', gate: { minAttainment: '0.5' } })], [{ owner: 'A', amount: '45000', date: '2026-01-10' }]);
    await g.inputs([quota('A', '100000')]);
    expect((await g.run(JAN)).amount('A', 'commission')).toBe('0.00');
  });

  it('G24 gate passed at exactly 50%', async () => {
    // 50,000 / 100,000 = 50% ≥ 50% → 50,000 × 5% = 2,500.00
    const g = await simple(t, 'g24', [rate('0.05', { target: 'quota', gate: { minAttainment: '0.5' } })], [{ owner: 'A', amount: '50000', date: '2026-01-10' }]);
    await g.inputs([quota('A', '100000')]);
    expect((await g.run(JAN)).amount('A', 'commission')).toBe('2500.00');
  });

  it('G25 gate on a second KPI (visits)', async () => {
    // 7 visits (visit records) of a target of 10 = 70% < 80% → commission 0.00 although revenue 20,000
    const measures: MeasureDef[] = [
      { name: 'revenue', type: 'sum', filter: { objects: ['order'] } },
      { name: 'visits', type: 'count', source: visitSource },
    ];
    const g = await simple(t, 'g25', [rate('0.05', { gate: { measure: 'visits', target: 'visit_target', minAttainment: '0.8' } })], [{ owner: 'A', amount: '20000', date: '2026-01-10' }], {
      measures,
    });
    for (let i = 0; i < 7; i++) await g.visit('A', `2026-01-${String(i + 2).padStart(2, '0')}`);
    await g.inputs([{ payee: 'A', period: '2026-01', name: 'visit_target', value: '10' }]);
    const r = await g.run(JAN);
    expect(r.amount('A', 'commission')).toBe('0.00');
    // the gate read the seven visit records: 7 / 10 = 0.7 < 0.8
    expect(r.lines[0]?.trace.measures?.visits).toEqual({ value: '7', credits: 7 });
    expect(r.lines[0]?.trace.steps?.find((s) => s.step === 'gate')?.value).toBe('0');
  });

  it('G33 bonus on attainment', async () => {
    // 90,000 / 100,000 = 0.9 → 2,000 × 0.9 = 1,800.00
    const g = await simple(t, 'g33', [{ name: 'bonus', type: 'bonus', amount: '2000', measure: 'revenue', target: 'quota', maxScore: '1' }], [{ owner: 'A', amount: '90000', date: '2026-01-10' }]);
    await g.inputs([quota('A', '100000')]);
    expect((await g.run(JAN)).amount('A', 'bonus')).toBe('1800.00');
  });
});

describe('golden: margin, SPIFs, MBOs and points (one tenant, January–February)', () => {
  let t: GoldenTenant;
  beforeAll(async () => {
    t = await tenantWith([rule('owner')], ['2026-01', '2026-02']);
  }, 120_000);

  const marginMeasures: MeasureDef[] = [
    { name: 'revenue', type: 'sum' },
    { name: 'margin', type: 'sum', field: 'margin' },
    { name: 'margin_pct', type: 'ratio', numerator: 'margin', denominator: 'revenue' },
  ];
  const marginComp = rate('0.04', {
    multiplier: {
      measure: 'margin_pct',
      table: [
        { from: '0', to: '0.2', rate: '0.8' },
        { from: '0.2', to: '0.3', rate: '1' },
        { from: '0.3', rate: '1.2' },
      ],
    },
  });
  const marginCase = async (prefix: string, unitCost: string) => {
    const g = t.scope(prefix);
    await g.product('P', { unitCost });
    await g.plan(plan([marginComp], { measures: marginMeasures }));
    await g.order({ owner: 'A', amount: '50000', date: '2026-01-10', lines: [{ product: 'P', amount: '50000' }] });
    await g.assignAll();
    return g.run(JAN);
  };

  it('G26 multiplier from margin: high margin', async () => {
    // one line 50,000 of a product costing 34,000 → margin 16,000 / 50,000 = 32% → ×1.2; 50,000 × 4% = 2,000 × 1.2 = 2,400.00
    expect((await marginCase('g26', '34000')).amount('A', 'commission')).toBe('2400.00');
  });

  it('G27 multiplier from margin: low margin', async () => {
    // cost 45,000 → margin 5,000 / 50,000 = 10% → ×0.8; 2,000 × 0.8 = 1,600.00
    expect((await marginCase('g27', '45000')).amount('A', 'commission')).toBe('1600.00');
  });

  it('G28 SPIF for a product within a window', async () => {
    // 200 per credit of product PX dated Jan 10–20: PX Jan 12 ✓, PX Jan 25 ✗, PY Jan 15 ✗ → 200.00
    const g = t.scope('g28');
    await g.product('PX');
    await g.product('PY');
    await g.plan(plan([{ name: 'px_spif', type: 'spif', perCredit: '200', filter: { products: [g.products.PX!], from: '2026-01-10', to: '2026-01-20' } }]));
    await g.order({ owner: 'A', amount: '100', date: '2026-01-12', lines: [{ product: 'PX', amount: '100' }] });
    await g.order({ owner: 'A', amount: '100', date: '2026-01-25', lines: [{ product: 'PX', amount: '100' }] });
    await g.order({ owner: 'A', amount: '100', date: '2026-01-15', lines: [{ product: 'PY', amount: '100' }] });
    await g.assignAll();
    expect((await g.run(JAN)).amount('A', 'px_spif')).toBe('200.00');
  });

  it('G30 SPIF limited to a period', async () => {
    // 1% of orders dated in February only: Jan 10,000 → 0.00; Feb 20,000 → 200.00
    const spif: ComponentDef = { name: 'feb_spif', type: 'spif', rate: '0.01', filter: { from: '2026-02-01', to: '2026-02-28' } };
    const r = await (
      await simple(
        t,
        'g30',
        [spif],
        [
          { owner: 'A', amount: '10000', date: '2026-01-10' },
          { owner: 'A', amount: '20000', date: '2026-02-10' },
        ],
      )
    ).run(['2026-01', '2026-02']);
    expect([r.amount('A', 'feb_spif', 'earning', '2026-01'), r.amount('A', 'feb_spif', 'earning', '2026-02')]).toEqual(['0.00', '200.00']);
  });

  const mbo = (extra: Partial<ComponentDef> = {}): ComponentDef => ({ name: 'mbo', type: 'bonus', amount: '1000', score: 'mbo_score', ...extra });
  const mboMeasures = {
    measures: [
      { name: 'revenue', type: 'sum' as const },
      { name: 'mbo_score', type: 'input' as const },
    ],
  };

  it('G31 MBO bonus × score', async () => {
    // 1,000 × 0.85 = 850.00
    const g = await simple(t, 'g31', [mbo()], [{ owner: 'A', amount: '0', date: '2026-01-10' }], mboMeasures);
    await g.inputs([{ payee: 'A', period: '2026-01', name: 'mbo_score', value: '0.85' }]);
    expect((await g.run(JAN)).amount('A', 'mbo')).toBe('850.00');
  });

  it('G32 MBO score capped', async () => {
    // score 1.5 capped at 1.2 → 1,000 × 1.2 = 1,200.00
    const g = await simple(t, 'g32', [mbo({ maxScore: '1.2' })], [{ owner: 'A', amount: '0', date: '2026-01-10' }], mboMeasures);
    await g.inputs([{ payee: 'A', period: '2026-01', name: 'mbo_score', value: '1.5' }]);
    expect((await g.run(JAN)).amount('A', 'mbo')).toBe('1200.00');
  });

  it('G34 points: 2 per visit, 10 per won deal plus 1 per 10,000', async () => {
    // 3 visits × 2 = 6; deal 25,000 → 10 + floor(2.5) = 12; points are not money
    const comps: ComponentDef[] = [
      { name: 'visit_points', type: 'points', perCredit: '2', source: visitSource },
      { name: 'deal_points', type: 'points', perCredit: '10', perAmount: { every: '10000', value: '1' }, filter: { objects: ['order'] } },
    ];
    const g = await simple(t, 'g34', comps, [{ owner: 'A', amount: '25000', date: '2026-01-10' }]);
    for (const day of ['2026-01-05', '2026-01-06', '2026-01-07']) await g.visit('A', day);
    const r = await g.run(JAN);
    expect([r.points('A', 'visit_points'), r.points('A', 'deal_points')]).toEqual(['6', '12']);
    expect(r.payout('A')).toBe('0.00');
    expect(r.payouts[0]?.points).toBe('18');
  });
});

describe('golden: proration, timing, versions, two plans (one tenant, January–April)', () => {
  let t: GoldenTenant;
  beforeAll(async () => {
    t = await tenantWith([rule('owner')]);
  }, 120_000);

  const APR = ['2026-04'];
  const joinCase = async (
    prefix: string,
    comps: ComponentDef[],
    v: Parameters<typeof plan>[1],
    orders: Parameters<GoldenCase['order']>[0][],
    inputs: Parameters<GoldenCase['inputs']>[0] = [],
  ): Promise<ApiRun> => {
    // A joins the plan on Apr 16 (the fixture's `join` assignment)
    const g = t.scope(prefix);
    await g.plan(plan(comps, v));
    for (const o of orders) await g.order(o);
    await g.inputs(inputs);
    await g.assign('plan_a', [{ payee: 'A', from: '2026-04-16' }]);
    return g.run(APR);
  };

  it('G35 proration of the target for a mid-period join', async () => {
    // joins Apr 16: 15 of 30 days = 0.5; quota 60,000 → 30,000; revenue 36,000 (120%):
    // 30,000 × 5% + 6,000 × 10% = 1,500 + 600 = 2,100.00
    const r = await joinCase('g35', [accel], { proration: 'days' }, [{ owner: 'A', amount: '36000', date: '2026-04-20' }], [quota('A', '60000', '2026-04')]);
    expect(r.amount('A', 'commission')).toBe('2100.00');
    expect(r.lines[0]?.trace.proration).toBe('0.5');
  });

  it('G36 proration of a bonus', async () => {
    // 1,000 × 0.5 × score 1 = 500.00
    const r = await joinCase(
      'g36',
      [{ name: 'mbo', type: 'bonus', amount: '1000', score: 'mbo_score' }],
      { proration: 'days', measures: [{ name: 'mbo_score', type: 'input' }] },
      [],
      [{ payee: 'A', period: '2026-04', name: 'mbo_score', value: '1' }],
    );
    expect(r.amount('A', 'mbo')).toBe('500.00');
  });

  it('G37 proration of a cap', async () => {
    // 20,000 × 10% = 2,000; cap 1,000 × 0.5 = 500.00
    const r = await joinCase('g37', [rate('0.1', { cap: { amount: '1000' } })], { proration: 'days' }, [{ owner: 'A', amount: '20000', date: '2026-04-20' }]);
    expect(r.amount('A', 'commission')).toBe('500.00');
  });

  it('G38 payout on payment: held until paid', async () => {
    // booked Jan 20, paid Feb 3 → Jan: hold line, 0.00 earned; Feb: 5,000 × 10% = 500.00
    const g = await simple(
      t,
      'g38',
      [rate('0.1')],
      [
        { owner: 'A', amount: '5000', date: '2026-01-20', status: 'paid', paidDate: '2026-02-03' },
        { owner: 'A', amount: '1000', date: '2026-01-21' },
      ],
      { payoutTiming: 'payment' },
    );
    const r = await g.run(['2026-01', '2026-02']);
    expect(r.amount('A', 'commission', 'earning', '2026-01')).toBe('0.00');
    const hold = r.lines.find((l) => l.kind === 'hold' && l.period === '2026-01');
    expect(hold?.trace.creditCount).toBe(1);
    // the one credit held is the 1,000 order with no payment yet (the 5,000 one has its payment date, in
    // February); the hold line's drill-down lists it
    const drill = await g.t.finance.get(`/api/v1/incentives/statements/${g.id('A')}/2026-01/lines/${encodeURIComponent(hold!.key)}`);
    expect((drill.json() as { data: { credits: Array<{ record_id: string; value: string }> } }).data.credits.map((c) => [c.record_id, Number(c.value)])).toEqual([[g.orders.o2, 1000]]);
    expect(r.amount('A', 'commission', 'earning', '2026-02')).toBe('500.00');
  });

  it('G39 payout on invoice', async () => {
    // booked Jan 30, invoiced Feb 2: counts in Feb: 2,000 × 10% = 200.00
    const r = await (await simple(t, 'g39', [rate('0.1')], [{ owner: 'A', amount: '2000', date: '2026-01-30', status: 'invoiced', invoiceDate: '2026-02-02' }], { payoutTiming: 'invoice' })).run([
      '2026-01',
      '2026-02',
    ]);
    expect([r.amount('A', 'commission', 'earning', '2026-01'), r.amount('A', 'commission', 'earning', '2026-02')]).toEqual(['0.00', '200.00']);
  });

  it('G40 effective-dated plan versions', async () => {
    // v1 (5%) for January, v2 (6%) from February: 1,000 → 50.00 then 60.00, each line names its version
    const g = t.scope('g40');
    await g.plan(plan([rate('0.05')], { effectiveTo: '2026-01-31' }, 'plan_a', [version({ version: 2, effectiveFrom: '2026-02-01', components: [rate('0.06')] })]));
    await g.order({ owner: 'A', amount: '1000', date: '2026-01-10' });
    await g.order({ owner: 'A', amount: '1000', date: '2026-02-10' });
    await g.assignAll();
    const r = await g.run(['2026-01', '2026-02']);
    expect([r.amount('A', 'commission', 'earning', '2026-01'), r.amount('A', 'commission', 'earning', '2026-02')]).toEqual(['50.00', '60.00']);
    expect(r.lines.map((l) => l.planVersion)).toEqual([1, 2]);
  });

  it('G41 two plans for one payee', async () => {
    // base plan 5% of 10,000 = 500.00; SPIF plan 50 per order = 50.00; payout 550.00
    const g = t.scope('g41');
    await g.plan(plan([rate('0.05')]));
    await g.plan(plan([{ name: 'spif', type: 'spif', perCredit: '50' }], {}, 'plan_spif'));
    await g.order({ owner: 'A', amount: '10000', date: '2026-01-10' });
    await g.assignAll(['plan_a', 'plan_spif']);
    const r = await g.run(JAN);
    expect([r.amount('A', 'commission'), r.amount('A', 'spif'), r.payout('A')]).toEqual(['500.00', '50.00', '550.00']);
  });

  it('G54 guarantee prorated for a mid-period join', async () => {
    // guarantee 4,000 in April, joined Apr 16 → 2,000; earned 3,000 × 10% = 300 → top-up 1,700.00, paid 2,000.00
    const r = await joinCase('g54', [rate('0.1')], { proration: 'days', draw: { type: 'guarantee', amount: '4000', from: '2026-04', to: '2026-06' } }, [
      { owner: 'A', amount: '3000', date: '2026-04-20' },
    ]);
    expect([r.amount('A', null, 'guarantee'), r.payout('A')]).toEqual(['1700.00', '2000.00']);
  });
});

describe('golden: currencies, cancellation, draws, trace (one tenant, January–March)', () => {
  let t: GoldenTenant;
  beforeAll(async () => {
    t = await tenantWith([rule('owner')], ['2026-01', '2026-02', '2026-03']);
  }, 120_000);

  it('G42 rates by transaction date', async () => {
    // EUR 1,000 on Jan 10 at 1.10 (rate from Jan 1) = 1,100; EUR 500 on Jan 20 at 1.20 (from Jan 15) = 600;
    // 1,700 USD × 10% = 170.00
    await t.rate('EUR', '1.10', '2026-01-01');
    await t.rate('EUR', '1.20', '2026-01-15');
    const r = await (
      await simple(
        t,
        'g42',
        [rate('0.1')],
        [
          { owner: 'A', amount: '1000', date: '2026-01-10', currency: 'EUR' },
          { owner: 'A', amount: '500', date: '2026-01-20', currency: 'EUR' },
        ],
      )
    ).run(JAN);
    expect(await r.credit('A')).toBe('1700');
    expect(r.amount('A', 'commission')).toBe('170.00');
  });

  it('G43 a missing rate is reported, not guessed', async () => {
    // GBP has no rate before Feb 1 → the Jan 10 order is a problem, no credit
    await t.rate('GBP', '1.3', '2026-02-01');
    const g = await simple(t, 'g43', [rate('0.1')], [{ owner: 'A', amount: '1000', date: '2026-01-10', currency: 'GBP' }]);
    const r = await g.run(JAN);
    expect(await r.credits('A')).toEqual([]);
    expect(r.amount('A', 'commission')).toBe('0.00');
    const problems = (await t.problems('fx_missing')).filter((p) => p.txId === g.orders.o1);
    expect(problems[0]?.message).toMatch(/no exchange rate from GBP to USD/);
  });

  it('G47 cancelled in the same open period: never paid', async () => {
    // booked Jan 5, cancelled Jan 20 → not counted: 0.00
    const g = await simple(t, 'g47', [rate('0.05')], [{ owner: 'A', amount: '10000', date: '2026-01-05' }], { clawback: { days: 60 } });
    await g.patchOrder('o1', { status: 'cancelled', reversal_date: '2026-01-20' });
    expect((await g.run(JAN)).amount('A', 'commission')).toBe('0.00');
  });

  const drawPlan = (type: 'recoverable' | 'non_recoverable' | 'guarantee', amount: string): Parameters<typeof plan>[1] => ({ draw: { type, amount, from: '2026-01', to: '2026-03' } });

  it('G51 recoverable draw: advance, then recovery from later earnings', async () => {
    // draw 3,000 Jan–Mar. Jan earned 1,000 → paid 3,000, balance 2,000.
    // Feb earned 4,500 → recover min(2,000, 4,500 − 3,000) = 1,500 → paid 3,000, balance 500.
    // Mar earned 6,000 → recover min(500, 3,000) = 500 → paid 5,500, balance 0.
    const months = ['2026-01', '2026-02', '2026-03'];
    const r = await (
      await simple(
        t,
        'g51',
        [rate('0.1')],
        [
          { owner: 'A', amount: '10000', date: '2026-01-10' },
          { owner: 'A', amount: '45000', date: '2026-02-10' },
          { owner: 'A', amount: '60000', date: '2026-03-10' },
        ],
        drawPlan('recoverable', '3000'),
      )
    ).run(months);
    expect(months.map((p) => r.payout('A', p))).toEqual(['3000.00', '3000.00', '5500.00']);
    expect(r.amount('A', null, 'draw', '2026-01')).toBe('2000.00');
    expect(r.amount('A', null, 'recovery', '2026-02')).toBe('-1500.00');
    expect(r.payouts.map((p) => toUnits(p.balanceAfter))).toEqual([2000n * 10n ** 10n, 500n * 10n ** 10n, 0n]);
  });

  it('G53 non-recoverable draw', async () => {
    // draw 2,000: Jan earned 500 → top-up 1,500, paid 2,000.00; Feb earned 3,000 → no recovery, paid 3,000.00
    const r = await (
      await simple(
        t,
        'g53',
        [rate('0.1')],
        [
          { owner: 'A', amount: '5000', date: '2026-01-10' },
          { owner: 'A', amount: '30000', date: '2026-02-10' },
        ],
        drawPlan('non_recoverable', '2000'),
      )
    ).run(['2026-01', '2026-02']);
    expect([r.payout('A', '2026-01'), r.payout('A', '2026-02')]).toEqual(['2000.00', '3000.00']);
    expect(r.amount('A', null, 'guarantee', '2026-01')).toBe('1500.00');
  });

  it('G55 trace names plan version, component, credits, source records and steps', async () => {
    // marginal tiers on 25,000 → steps 500, 800, 600, total 1,900
    const g = await simple(
      t,
      'g55',
      [{ name: 'commission', type: 'tiered', measure: 'revenue', tiers: tiers3 }],
      [
        { owner: 'A', amount: '15000', date: '2026-01-10' },
        { owner: 'A', amount: '10000', date: '2026-01-11' },
      ],
    );
    const trace = (await g.run(JAN)).lines[0]?.trace;
    expect(trace?.plan).toEqual({ id: 'g55_plan_a', name: 'g55_plan_a', version: 1 });
    // the source records are the two orders the rep booked
    expect(trace?.sourceRecordIds).toEqual([g.orders.o1, g.orders.o2]);
    expect(trace?.creditIds).toHaveLength(2);
    expect(trace?.measures?.revenue).toEqual({ value: '25000', credits: 2 });
    expect(trace?.steps?.map((s) => s.value)).toEqual(['500', '800', '600', '1900', '1900']);
  });
});

describe('golden: split crediting (one tenant)', () => {
  let t: GoldenTenant;
  beforeAll(async () => {
    t = await tenantWith([rule('split')], JAN);
  }, 120_000);

  it('G02 split 60/40', async () => {
    // 10,000 split A 60%, B 40% → credits 6,000 / 4,000; × 10% → 600.00 / 400.00
    const r = await (
      await simple(
        t,
        'g02',
        [rate('0.1')],
        [
          {
            owner: 'A',
            amount: '10000',
            date: '2026-01-10',
            splits: [
              { payee: 'A', pct: '60' },
              { payee: 'B', pct: '40' },
            ],
          },
        ],
      )
    ).run(JAN);
    expect([await r.credit('A'), await r.credit('B')]).toEqual(['6000', '4000']);
    expect([r.amount('A', 'commission'), r.amount('B', 'commission')]).toEqual(['600.00', '400.00']);
  });

  it('G03 split thirds: credits add up to the whole exactly', async () => {
    // 100.00 × 33.3333% = 33.3333, × 33.3333% = 33.3333, × 33.3334% = 33.3334 → Σ 100.0000;
    // × 10%: 3.33333 → 3.33, 3.33333 → 3.33, 3.33334 → 3.33
    const r = await (
      await simple(
        t,
        'g03',
        [rate('0.1')],
        [
          {
            owner: 'A',
            amount: '100.00',
            date: '2026-01-10',
            splits: [
              { payee: 'A', pct: '33.3333' },
              { payee: 'B', pct: '33.3333' },
              { payee: 'C', pct: '33.3334' },
            ],
          },
        ],
      )
    ).run(JAN);
    const all = [...(await r.credits('A')), ...(await r.credits('B')), ...(await r.credits('C'))];
    expect(addDec(all.map((c) => String(c.amount)))).toBe(100n * 10n ** 10n);
    expect(['A', 'B', 'C'].map((p) => r.amount(p, 'commission'))).toEqual(['3.33', '3.33', '3.33']);
  });

  it('G04 split not totalling 100% without an overlay is refused', async () => {
    // 60% + 30% = 90% → a problem, no credits for the order
    const g = await simple(
      t,
      'g04',
      [rate('0.1')],
      [
        {
          owner: 'A',
          amount: '1000',
          date: '2026-01-10',
          splits: [
            { payee: 'A', pct: '60' },
            { payee: 'B', pct: '30' },
          ],
        },
      ],
    );
    const r = await g.run(JAN);
    expect([...(await r.credits('A')), ...(await r.credits('B'))]).toEqual([]);
    const problems = (await t.problems('split_total')).filter((p) => p.txId === g.orders.o1);
    expect(problems[0]?.message).toMatch(/total 90%/);
  });

  it('G05 split with a declared overlay may exceed 100%', async () => {
    // A 100% split, B 50% overlay of 2,000 → 2,000 and 1,000; × 10% → 200.00 and 100.00
    const r = await (
      await simple(
        t,
        'g05',
        [rate('0.1')],
        [
          {
            owner: 'A',
            amount: '2000',
            date: '2026-01-10',
            splits: [
              { payee: 'A', pct: '100' },
              { payee: 'B', pct: '50', overlay: true },
            ],
          },
        ],
      )
    ).run(JAN);
    expect([r.amount('A', 'commission'), r.amount('B', 'commission')]).toEqual(['200.00', '100.00']);
    expect((await r.credits('B'))[0]?.kind).toBe('overlay');
  });

  it('G05b a payee with a primary and an overlay split row gets both, as two credits', async () => {
    // A 100% split and a 10% overlay of 2,000 → 2,000 + 200 = 2,200; × 10% → 220.00
    const g = await simple(
      t,
      'g05b',
      [rate('0.1')],
      [
        {
          owner: 'A',
          amount: '2000',
          date: '2026-01-10',
          splits: [
            { payee: 'A', pct: '100' },
            { payee: 'A', pct: '10', overlay: true },
          ],
        },
      ],
    );
    const r = await g.run(JAN);
    const [ov, a] = [g.orders.o1, g.id('A')];
    expect((await r.credits('A')).map((c) => [c.id, c.kind, String(Number(c.amount))])).toEqual([
      [`${ov}:r_split:${a}:0`, 'split', '2000'],
      [`${ov}:r_split:${a}:overlay:0`, 'overlay', '200'],
    ]);
    expect(r.amount('A', 'commission')).toBe('220.00');
  });

  it('G29 SPIF on a category, rate and per-credit, split-aware', async () => {
    // A: software 10,000 at 100% → 3% = 300 + 100 = 400; B has a 50% split of a 4,000 software order:
    // credit 2,000 × 3% = 60 + 100 × 50% = 50 → 110.00; A also gets the other 50%: 60 + 50 = 110 → 510.00
    const g = t.scope('g29');
    await g.product('SW', { category: 'software' });
    await g.plan(plan([{ name: 'sw_spif', type: 'spif', rate: '0.03', perCredit: '100', filter: { categories: ['software'] } }]));
    await g.order({ owner: 'A', amount: '10000', date: '2026-01-10', lines: [{ product: 'SW', amount: '10000' }] });
    await g.order({
      owner: 'A',
      amount: '4000',
      date: '2026-01-11',
      lines: [{ product: 'SW', amount: '4000' }],
      splits: [
        { payee: 'A', pct: '50' },
        { payee: 'B', pct: '50' },
      ],
    });
    await g.assignAll();
    const r = await g.run(JAN);
    expect([r.amount('A', 'sw_spif'), r.amount('B', 'sw_spif')]).toEqual(['510.00', '110.00']);
  });

  it('G44 converted split keeps exact cents', async () => {
    // JPY 100,000 × 0.0067 = 670 USD; split 50/50 → 335 each × 10% = 33.50
    await t.rate('JPY', '0.0067', '2026-01-01');
    const r = await (
      await simple(
        t,
        'g44',
        [rate('0.1')],
        [
          {
            owner: 'A',
            amount: '100000',
            date: '2026-01-10',
            currency: 'JPY',
            splits: [
              { payee: 'A', pct: '50' },
              { payee: 'B', pct: '50' },
            ],
          },
        ],
      )
    ).run(JAN);
    expect([r.amount('A', 'commission'), r.amount('B', 'commission')]).toEqual(['33.50', '33.50']);
  });
});

describe('golden: team, roll-up, overlay, territory and dated rules (a tenant each)', () => {
  it("G06 team credit: every member of the owner's unit", async () => {
    // unit T has A, B, C; team rule 10% of 3,000 = 300 each; × 10% = 30.00 each
    const t = await tenantWith([rule('team', { pct: '10' })], JAN);
    const g = t.scope('g06');
    await t.unit('T');
    for (const p of ['A', 'B', 'C']) await g.person(p, { unit: 'T' });
    await g.plan(plan([rate('0.1')]));
    await g.order({ owner: 'A', amount: '3000', date: '2026-01-10' });
    await g.assignAll();
    const r = await g.run(JAN);
    expect(['A', 'B', 'C'].map((p) => r.amount(p, 'commission'))).toEqual(['30.00', '30.00', '30.00']);
  });

  it('G07 3-level roll-up at 100/50/25%', async () => {
    // R sells 8,000 → M1 8,000, M2 4,000, M3 2,000; managers' plan 1% → 80.00, 40.00, 20.00
    const t = await tenantWith([rule('owner'), rule('rollup', { levels: [{ pct: '100' }, { pct: '50' }, { pct: '25' }] })], JAN);
    const g = t.scope('g07');
    await t.unit('U3');
    await t.unit('U2', { parent: 'U3' });
    await t.unit('U1', { parent: 'U2' });
    for (const [p, u] of [
      ['R', 'U1'],
      ['M1', 'U1'],
      ['M2', 'U2'],
      ['M3', 'U3'],
    ] as const)
      await g.person(p, { unit: u, role: p === 'R' ? 'rep' : 'manager' });
    // the heads since 2020, as an HR connector states them
    await t.orgChanges({
      units: [
        { unit: 'U3', head: g.key('M3'), from: '2020-01-01' },
        { unit: 'U2', parent: 'U3', head: g.key('M2'), from: '2020-01-01' },
        { unit: 'U1', parent: 'U2', head: g.key('M1'), from: '2020-01-01' },
      ],
    });
    await g.plan(plan([rate('0.01')]));
    await g.order({ owner: 'R', amount: '8000', date: '2026-01-10' });
    await g.assignAll();
    const r = await g.run(JAN);
    expect([await r.credit('M1'), await r.credit('M2'), await r.credit('M3')]).toEqual(['8000', '4000', '2000']);
    expect(['M1', 'M2', 'M3'].map((p) => r.amount(p, 'commission'))).toEqual(['80.00', '40.00', '20.00']);
    expect((await r.credits('M3'))[0]?.source_payee_id).toBe(g.id('R'));
  });

  it('G08 mid-period team move: roll-up follows the effective-dated org', async () => {
    // R in U1 (head M1) to Jan 15, then in UB (head MB) from Jan 16 (a dated org change over REST).
    // Orders Jan 10 1,000, Jan 20 3,000 → M1 1,000, MB 3,000; 1% → 10.00 and 30.00
    const t = await tenantWith([rule('owner'), rule('rollup', { levels: [{ pct: '100' }] })], JAN);
    const g = t.scope('g08');
    await t.unit('U1');
    await t.unit('UB');
    for (const [p, u] of [
      ['R', 'U1'],
      ['M1', 'U1'],
      ['MB', 'UB'],
    ] as const)
      await g.person(p, { unit: u });
    await t.orgChanges({
      units: [
        { unit: 'U1', head: g.key('M1'), from: '2020-01-01' },
        { unit: 'UB', head: g.key('MB'), from: '2020-01-01' },
      ],
    });
    await t.orgChanges({ memberships: [{ person: g.key('R'), unit: 'UB', from: '2026-01-16' }] });
    await g.plan(plan([rate('0.01')]));
    await g.order({ owner: 'R', amount: '1000', date: '2026-01-10' });
    await g.order({ owner: 'R', amount: '3000', date: '2026-01-20' });
    await g.assignAll();
    const r = await g.run(JAN);
    expect([await r.credit('M1'), await r.credit('MB')]).toEqual(['1000', '3000']);
    expect([r.amount('M1', 'commission'), r.amount('MB', 'commission')]).toEqual(['10.00', '30.00']);
  });

  it('G09 overlay specialist by product category', async () => {
    // S covers "software": software order 5,000 → S 5,000 × 2% = 100.00; hardware order → nothing for S
    const t = await tenantWith([rule('owner'), rule('overlay')], JAN);
    const g = t.scope('g09');
    await g.product('SW', { category: 'software' });
    await g.product('HW', { category: 'hardware' });
    await g.plan(plan([rate('0.02')]));
    await g.order({ owner: 'A', amount: '5000', date: '2026-01-10', lines: [{ product: 'SW', amount: '5000' }] });
    await g.order({ owner: 'A', amount: '7000', date: '2026-01-11', lines: [{ product: 'HW', amount: '7000' }] });
    await g.assign('plan_a', [
      { payee: 'S', from: '2026-01-01' },
      { payee: 'A', from: '2026-01-01' },
    ]);
    await t.write(t.admin.put('/api/v1/incentives/specialists', { specialists: [{ category: 'software', payeeId: g.id('S'), from: '2026-01-01' }] }), 'specialists');
    const r = await g.run(JAN);
    expect(r.amount('S', 'commission')).toBe('100.00');
    // A: 12,000 × 2% = 240.00
    expect(r.amount('A', 'commission')).toBe('240.00');
  });

  it('G10 territory assignment by customer', async () => {
    // customer C1 belongs to T: 4,000 × 3% = 120.00 for T
    const t = await tenantWith([rule('assignment')], JAN);
    const g = t.scope('g10');
    await g.plan(plan([rate('0.03')]));
    await g.order({ owner: 'A', amount: '4000', date: '2026-01-10', customer: 'C1' });
    await g.order({ owner: 'A', amount: '900', date: '2026-01-10', customer: 'C2' });
    await g.assign('plan_a', [{ payee: 'T', from: '2026-01-01' }]);
    await t.write(t.admin.put('/api/v1/incentives/territories', { territories: [{ customerId: await g.customer('A', 'C1'), payeeId: g.id('T'), from: '2026-01-01' }] }), 'territories');
    const r = await g.run(JAN);
    expect(r.amount('T', 'commission')).toBe('120.00');
  });

  it('G11 effective-dated crediting rules', async () => {
    // The golden rules (owner 100% to Jan 31, owner 50% from Feb 1) are refused at save: primary
    // credit must total 100% on every date (lintCreditingRules), so an admin states the February
    // half credit as a declared 50% team rule over A's one-person unit, from Feb 1.
    const t = await tenantWith([rule('owner', { id: 'a', effectiveTo: '2026-01-31' })], ['2026-01', '2026-02']);
    const refused = await t.admin.put('/api/v1/incentives/crediting-rules', {
      rules: [rule('owner', { id: 'a', effectiveTo: '2026-01-31' }), rule('owner', { id: 'b', pct: '50', effectiveFrom: '2026-02-01' })],
    });
    expect(refused.statusCode).toBe(422);
    expect((refused.json() as { error: { details: Array<{ path: string; rule: string }> } }).error.details.map((d) => [d.path, d.rule])).toEqual([['/1/pct', 'split_not_100']]);
    await t.rules([rule('owner', { id: 'a', effectiveTo: '2026-01-31' }), rule('team', { id: 'b', pct: '50', effectiveFrom: '2026-02-01' })]);
    await t.unit('AU');
    const g = t.scope('g11');
    await g.person('A', { unit: 'AU' });
    // owner 100% in January: 1,000 × 10% = 100.00; February: credit 500 × 10% = 50.00
    const r = await (
      await simple(
        t,
        'g11',
        [rate('0.1')],
        [
          { owner: 'A', amount: '1000', date: '2026-01-10' },
          { owner: 'A', amount: '1000', date: '2026-02-10' },
        ],
      )
    ).run(['2026-01', '2026-02']);
    expect(r.amount('A', 'commission', 'earning', '2026-01')).toBe('100.00');
    expect(r.amount('A', 'commission', 'earning', '2026-02')).toBe('50.00');
  });
});

describe('golden: clawbacks, adjustments, draws across a close (one tenant, January closed once)', () => {
  let t: GoldenTenant;
  const cases: Record<string, GoldenCase> = {};
  let janPayoutG45 = '';
  const claw = plan([rate('0.05')], { clawback: { days: 60 } });
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
  const drawPlan = plan([rate('0.1')], { draw: { type: 'recoverable', amount: '3000', from: '2026-01', to: '2026-03' } });

  beforeAll(async () => {
    // What each case had in January (the golden `jan` runs), then January closed (their `frozenUpTo(JAN)`).
    t = await tenantWith([rule('owner')]);
    const setup = async (prefix: string, doc: typeof claw, orders: Array<[string, Parameters<GoldenCase['order']>[0]]>) => {
      const g = (cases[prefix] = t.scope(prefix));
      await g.plan(doc);
      for (const [key, o] of orders) await g.order(o, key);
      await g.assignAll();
    };
    await setup('g45', claw, [['o_refund', { owner: 'A', amount: '10000', date: '2026-01-01' }]]);
    await setup('g46', claw, [['o_late', { owner: 'A', amount: '10000', date: '2026-01-01' }]]);
    for (const p of ['g48', 'g49', 'g50']) await setup(p, ppaPlan, [['j1', { owner: 'A', amount: '10000', date: '2026-01-10' }]]);
    await setup('g52', drawPlan, [
      ['d1', { owner: 'A', amount: '10000', date: '2026-01-10' }],
      ['d2', { owner: 'A', amount: '45000', date: '2026-02-10' }],
    ]);
    janPayoutG45 = (await cases.g45!.run(JAN)).payout('A');
    await t.close('2026-01');
  }, 180_000);

  it('G45 clawback after a refund, original period closed', async () => {
    // Jan (closed): 10,000 × 5% = 500.00 paid. Refund Feb 10 (41 days ≤ 60) → Feb: clawback −500.00;
    // new Feb order 4,000 × 5% = 200.00 → Feb payout 200 − 500 = −300.00
    const g = cases.g45!;
    expect(janPayoutG45).toBe('500.00');
    await g.patchOrder('o_refund', { status: 'refunded', reversal_date: '2026-02-10' });
    await g.order({ owner: 'A', amount: '4000', date: '2026-02-05' });
    const feb = await g.run(['2026-02']);
    expect(feb.amount('A', 'commission', 'clawback')).toBe('-500.00');
    expect(feb.amount('A', 'commission')).toBe('200.00');
    expect(feb.payout('A')).toBe('-300.00');
    expect(feb.lines.find((l) => l.kind === 'clawback')?.trace.forPeriod).toBe('2026-01');
  });

  it('G46 refund outside the clawback window keeps the commission', async () => {
    // booked Jan 1, refunded Apr 15 = 104 days > 60 → no clawback: Apr payout 0.00, no adjustment line
    const g = cases.g46!;
    await g.patchOrder('o_late', { status: 'refunded', reversal_date: '2026-04-15' });
    const apr = await g.run(['2026-04']);
    expect(apr.lines.filter((l) => l.kind !== 'earning')).toHaveLength(0);
    expect(apr.payout('A')).toBe('0.00');
  });

  it('G48 prior-period adjustment after close', async () => {
    // Jan closed at 10,000 → 500.00. A late Jan order of 5,000 arrives in Feb: Jan recomputed =
    // 10,000 × 5% + 5,000 × 10% = 1,000 → Feb adjustment +500.00 for Jan; Jan itself is unchanged
    const g = cases.g48!;
    await g.order({ owner: 'A', amount: '5000', date: '2026-01-28' }, 'j2');
    const feb = await g.run(['2026-02']);
    expect(feb.amount('A', 'commission', 'adjustment')).toBe('500.00');
    expect(feb.lines.some((l) => l.period === '2026-01')).toBe(false);
    expect(feb.payout('A', '2026-02')).toBe('500.00');
    expect((await g.run(JAN)).amount('A', 'commission')).toBe('500.00');
  });

  it('G50 adjustments land in the first open period only', async () => {
    // Jan closed; Feb and Mar both open: the +500 lands in Feb, not in Mar
    const g = cases.g50!;
    await g.order({ owner: 'A', amount: '5000', date: '2026-01-28' }, 'j2');
    const r = await g.run(['2026-02', '2026-03']);
    expect([r.amount('A', 'commission', 'adjustment', '2026-02'), r.amount('A', 'commission', 'adjustment', '2026-03')]).toEqual(['500.00', '0.00']);
  });

  it('G52 recoverable draw balance carries over a close', async () => {
    // as G51, but Jan is closed first: Feb reads the 2,000 balance from Jan's frozen payout → Feb 3,000.00
    expect((await cases.g52!.run(['2026-02'])).payout('A', '2026-02')).toBe('3000.00');
  });

  it('G49 an adjustment is booked once (closes February too, so it runs last)', async () => {
    // as G48, then Feb closes with its +500 adjustment; March recomputes Jan = 1,000 = 500 + 500 → nothing more
    const g = cases.g49!;
    await g.order({ owner: 'A', amount: '5000', date: '2026-01-28' }, 'j2');
    expect((await g.run(['2026-02'])).amount('A', 'commission', 'adjustment')).toBe('500.00');
    await t.close('2026-02');
    const mar = await g.run(['2026-03']);
    expect(mar.lines.filter((l) => l.kind === 'adjustment')).toHaveLength(0);
  });
});
