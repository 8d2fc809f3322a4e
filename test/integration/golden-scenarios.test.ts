// The six new golden scenarios of issue #11 (acceptance item 2), each played through HTTP only as
// an admin, finance and the reps would, with the hand arithmetic beside each assertion:
//   1. org changes via REST and via a back-dated import changing roll-ups;
//   2. a 7-way split of 1,000,000.01;
//   3. a USD order converted at an entered rate;
//   4. a clawback for a refund dated inside and outside the window;
//   5. month bucketing in Asia/Shanghai;
//   6. a plan with an invalid rate refused at save.
// One tenant per scenario (made as every HTTP test makes one: the tenant, an admin and a finance
// login through the store; everything after is HTTP — see test/support/golden-api.ts). Reference
// tests of the same behaviour, one module each: packages/server/test/org-service, money-split,
// fx-rates, order-dates, calendar-buckets and plan-checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../support/one-truth-world.ts';
import { GoldenTenant, addDec, money, type GoldenCase } from '../support/golden-api.ts';

let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  server = await startServer();
}, 240_000);
afterAll(async () => {
  await server?.stop();
});

type Rule = Parameters<GoldenTenant['rules']>[0][number];
const rule = (id: string, type: Rule['type'], extra: Partial<Rule> = {}): Rule => ({ kind: 'crediting_rule', id, name: id, label: { en: id }, effectiveFrom: '2020-01-01', type, ...extra });
const ratePlan = (id: string, rate: unknown, v: Record<string, unknown> = {}) => ({
  kind: 'incentive_plan',
  id,
  name: id,
  label: { en: id },
  versions: [
    {
      version: 1,
      effectiveFrom: '2026-01-01',
      currency: 'USD',
      rounding: { scale: 2, mode: 'half_up' },
      measures: [{ name: 'revenue', type: 'sum' }],
      components: [{ name: 'commission', type: 'rate', measure: 'revenue', rate }],
      ...v,
    },
  ],
});
const create = () => GoldenTenant.create(server.app, server.store);

describe('golden scenario 1: org changes via REST and via a back-dated import move roll-ups', () => {
  // Today on the tenant's clock (UTC): a move written on the user record takes effect today.
  const TODAY = new Date().toISOString().slice(0, 10);
  const THIS_MONTH = TODAY.slice(0, 7);
  let t: GoldenTenant;
  let g: GoldenCase;
  const override = async (who: string, period: string): Promise<string> => (await g.run([period])).amount(who, 'commission');

  beforeAll(async () => {
    t = await create();
    await t.rules([rule('owner', 'owner'), rule('rollup', 'rollup', { levels: [{ pct: '100' }] })]);
    await t.open(['2026-01', '2026-02', THIS_MONTH]);
    g = t.scope('s1');
    // M1 and M2 manage; R reports to M1 from the start (a person made by REST counts from the beginning).
    await g.person('M1', { role: 'manager' });
    await g.person('M2', { role: 'manager' });
    await g.person('R', { manager: 'M1' });
    // Managers are paid 1% of what rolls up to them (the plan only counts roll-up credit).
    await g.plan(ratePlan('plan_mgr', '0.01', { measures: [{ name: 'revenue', type: 'sum', filter: { kinds: ['rollup'] } }] }) as never);
    await g.assign('plan_mgr', [
      { payee: 'M1', from: '2020-01-01' },
      { payee: 'M2', from: '2020-01-01' },
    ]);
    await g.order({ owner: 'R', amount: '1000', date: '2026-01-10' }, 'jan');
    await g.order({ owner: 'R', amount: '2000', date: '2026-02-10' }, 'feb');
  }, 180_000);

  it('before any move, M1 gets the roll-up of both months', async () => {
    // M1: January 1,000 × 1% = 10.00; February 2,000 × 1% = 20.00; M2: nothing
    expect([await override('M1', '2026-01'), await override('M1', '2026-02'), await override('M2', '2026-02')]).toEqual(['10.00', '20.00', '0.00']);
  });

  it("a move written on the user record (PATCH) counts from today: past roll-ups stay, today's order rolls up to M2", async () => {
    await t.write(t.admin.patch(`/api/v1/objects/user/${g.id('R')}`, { manager_id: g.id('M2') }), 'move R to M2');
    await g.order({ owner: 'R', amount: '3000', date: TODAY }, 'today');
    // January and February unchanged (10.00, 20.00 for M1); today's 3,000 × 1% = 30.00 for M2, 0.00 for M1
    expect([await override('M1', '2026-01'), await override('M1', '2026-02')]).toEqual(['10.00', '20.00']);
    expect([await override('M2', THIS_MONTH), await override('M1', THIS_MONTH)]).toEqual(['30.00', '0.00']);
  });

  it("a back-dated import (POST /goals/org/import) moves R under M2 from 1 February: February's roll-up moves, January's stays", async () => {
    const unit = t.units.Company;
    await t.write(t.admin.post('/api/v1/goals/org/import', { rows: [{ user_id: g.id('R'), org_unit_id: unit, manager_id: g.id('M2'), valid_from: '2026-02-01' }] }), 'import');
    // January: 1,000 × 1% = 10.00 still M1's; February: 2,000 × 1% = 20.00 now M2's, 0.00 for M1;
    // this month: 3,000 × 1% = 30.00 stays M2's
    expect([await override('M1', '2026-01'), await override('M2', '2026-01')]).toEqual(['10.00', '0.00']);
    expect([await override('M1', '2026-02'), await override('M2', '2026-02')]).toEqual(['0.00', '20.00']);
    expect(await override('M2', THIS_MONTH)).toBe('30.00');
    // The org history says the same: M1 until 1 February, M2 from then on.
    const spans = ((await t.admin.get(`/api/v1/org/memberships?user=${g.id('R')}`)).json() as { data: Array<{ manager_id: string | null; valid_from: string; valid_to: string | null }> }).data;
    expect(spans.map((s) => [s.manager_id, s.valid_from, s.valid_to])).toEqual([
      [g.id('M1'), '1900-01-01', '2026-02-01'],
      [g.id('M2'), '2026-02-01', null],
    ]);
  });
});

describe('golden scenario 2: a 7-way split of 1,000,000.01', () => {
  it('pays exactly 1,000,000.01 in total, each payee within a cent of the exact share; a share with too many decimals is refused', async () => {
    const t = await create();
    await t.rules([rule('split', 'split')]);
    await t.open(['2026-03']);
    const g = t.scope('s2');
    const payees = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7'];
    for (const p of payees) await g.person(p);
    // 100% of credited revenue: each payout is exactly the payee's credit
    await g.plan(ratePlan('plan_all', '1') as never);
    await g.assign(
      'plan_all',
      payees.map((payee) => ({ payee, from: '2020-01-01' })),
    );
    const order = await g.order({ owner: 'P1', amount: '1000000.01', date: '2026-03-05' });
    const bad = await t.admin.post('/api/v1/objects/order_split', { order_id: order, payee_id: g.id('P1'), pct: '14.28571' });
    // 14.28571 has five decimals; the share field keeps four → 422 naming /pct and the rule, never rounded
    expect(bad.statusCode).toBe(422);
    expect((bad.json() as { error: { details: Array<{ path: string; rule: string }> } }).error.details.map((d) => [d.path, d.rule])).toEqual([['/pct', 'scale']]);
    // 14.2858% + 6 × 14.2857% = 100.0000%
    const pcts = ['14.2858', '14.2857', '14.2857', '14.2857', '14.2857', '14.2857', '14.2857'];
    for (const [i, pct] of pcts.entries()) await t.write(t.admin.post('/api/v1/objects/order_split', { order_id: order, payee_id: g.id(payees[i]!), pct }), `split ${i}`);
    await t.settle();
    const rows = ((await t.finance.get('/api/v1/incentives/payouts/2026-03')).json() as { data: Array<{ payeeId: string; payout: string }> }).data;
    const paid = payees.map((p) => money(addDec(rows.filter((r) => r.payeeId === g.id(p)).map((r) => r.payout))));
    // 100,000,001 cents × 0.142858 = 14,285,800.14 cents; × 0.142857 = 14,285,700.14 cents each. The floors
    // 14,285,800 + 6 × 14,285,700 = 100,000,000 leave 1 cent, which goes to the largest remainder
    // (P1: 0.142858 of a cent beats 0.142857) → 142,858.01 and six × 142,857.00.
    expect(paid).toEqual(['142858.01', ...Array(6).fill('142857.00')]);
    // Σ = 142,858.01 + 6 × 142,857.00 = 142,858.01 + 857,142.00 = 1,000,000.01
    expect(money(addDec(paid))).toBe('1000000.01');
  });
});

describe('golden scenario 3: a USD order converted at an entered rate', () => {
  it('is a reported problem until finance enters USD→CNY, then converts at that rate to the cent', async () => {
    const t = await create();
    // The tenant keeps its books in CNY (set before the first calculation, as an admin does).
    await t.write(t.admin.put('/api/v1/tenant/settings', { baseCurrency: 'CNY' }), 'settings');
    await t.rules([rule('owner', 'owner')]);
    await t.open(['2026-03']);
    const g = t.scope('s3');
    // No currency on the version: the plan pays in the base currency, CNY.
    const plan = ratePlan('plan_cny', '0.1');
    delete (plan.versions[0] as { currency?: string }).currency;
    await g.plan(plan as never);
    await g.order({ owner: 'R', amount: '1000.55', date: '2026-03-05', currency: 'USD' });
    await g.assign('plan_cny', [{ payee: 'R', from: '2020-01-01' }]);
    // Without a rate: never paid 1:1, a problem naming the pair and the date
    const problems = (await t.problems('fx_missing')).filter((p) => p.txId === g.orders.o1);
    expect(problems.map((p) => p.message)).toEqual(['no exchange rate from USD to CNY on or before 2026-03-05']);
    expect((await g.run(['2026-03'])).amount('R', 'commission')).toBe('0.00');
    await t.rate('USD', '7.1234', '2026-01-01', 'CNY');
    const r = await g.run(['2026-03']);
    // 1,000.55 USD × 7.1234 = 7,127.317870 CNY, rounded once on the order's whole → 7,127.32 CNY;
    // × 10% = 712.732 → 712.73 CNY
    expect(r.amount('R', 'commission')).toBe('712.73');
    expect(r.lines.find((l) => l.component === 'commission')?.trace.measures?.revenue?.value).toBe('7127.32');
    expect(await t.problems('fx_missing')).toEqual([]);
  });
});

describe('golden scenario 4: a clawback for a refund dated inside and outside the window', () => {
  it('claws back the refund dated inside the 60 days, keeps the one dated outside, whenever each is entered', async () => {
    const t = await create();
    await t.rules([rule('owner', 'owner')]);
    await t.open(['2026-01', '2026-02', '2026-03', '2026-04']);
    const g = t.scope('s4');
    await g.plan(ratePlan('plan_claw', '0.05', { clawback: { days: 60 } }) as never);
    await g.order({ owner: 'R', amount: '10000', date: '2026-01-01' }, 'inside');
    await g.order({ owner: 'R', amount: '10000', date: '2026-01-01' }, 'outside');
    await g.assign('plan_claw', [{ payee: 'R', from: '2020-01-01' }]);
    // January: 20,000 × 5% = 1,000.00, paid and closed
    expect((await g.run(['2026-01'])).payout('R')).toBe('1000.00');
    await t.close('2026-01');
    // Both refunds are entered now (December), dated when they happened:
    // inside: refunded 10 Feb = 40 days after 1 Jan ≤ 60 → clawed back in February;
    // outside: refunded 15 Apr = 104 days after 1 Jan > 60 → kept.
    await g.patchOrder('inside', { status: 'refunded', reversal_date: '2026-02-10' });
    await g.patchOrder('outside', { status: 'refunded', reversal_date: '2026-04-15' });
    const r = await g.run(['2026-02', '2026-03', '2026-04']);
    // February: −(10,000 × 5%) = −500.00 for January's commission
    expect(r.amount('R', 'commission', 'clawback', '2026-02')).toBe('-500.00');
    expect(r.lines.find((l) => l.kind === 'clawback')?.trace.forPeriod).toBe('2026-01');
    expect(r.payout('R', '2026-02')).toBe('-500.00');
    // April: nothing clawed back, no line but earnings; payout 0.00
    expect(r.lines.filter((l) => l.period === '2026-04' && l.kind !== 'earning')).toEqual([]);
    expect(r.payout('R', '2026-04')).toBe('0.00');
    // The closed January still shows what was paid: 1,000.00
    expect((await g.run(['2026-01'])).payout('R')).toBe('1000.00');
  });
});

describe('golden scenario 5: month bucketing in Asia/Shanghai', () => {
  it('a visit at 07:30 on 1 March in Shanghai (28 February in UTC) is a March visit; 23:30 UTC on 31 March is April; a date-only order date never shifts', async () => {
    const t = await create();
    await t.write(t.admin.put('/api/v1/tenant/settings', { timeZone: 'Asia/Shanghai' }), 'settings');
    await t.rules([rule('owner', 'owner')]);
    await t.open(['2026-02', '2026-03', '2026-04']);
    const g = t.scope('s5');
    const plan = ratePlan('plan_cal', '0.01');
    // 10.00 per visit (visit records, dated by check_in_at on the tenant's clock) and 1% of orders
    plan.versions[0] = {
      ...plan.versions[0]!,
      measures: [{ name: 'revenue', type: 'sum' }, { name: 'visits', type: 'count', source: { object: 'visit', dateField: 'check_in_at' } } as never],
      components: [...plan.versions[0]!.components, { name: 'visit_bonus', type: 'rate', measure: 'visits', rate: '10' }],
    };
    await g.plan(plan as never);
    const rep = await t.callOf(g.key('R'));
    const customer = await g.customer('R');
    for (const at of ['2026-03-01T07:30:00+08:00', '2026-03-31T23:30:00Z']) await t.write(rep.post('/api/v1/objects/visit', { customer_id: customer, check_in_at: at }), `visit ${at}`);
    await g.order({ owner: 'R', amount: '1000', date: '2026-03-01' });
    await g.assign('plan_cal', [{ payee: 'R', from: '2020-01-01' }]);
    const r = await g.run(['2026-02', '2026-03', '2026-04']);
    // 2026-03-01T07:30+08:00 = 2026-02-28T23:30Z → March in Shanghai: 1 × 10 = 10.00; February 0.00;
    // 2026-03-31T23:30Z = 2026-04-01T07:30+08:00 → April: 1 × 10 = 10.00
    expect(['2026-02', '2026-03', '2026-04'].map((p) => r.amount('R', 'visit_bonus', 'earning', p))).toEqual(['0.00', '10.00', '10.00']);
    // the order of 1 March (a calendar date) is March's: 1,000 × 1% = 10.00
    expect(['2026-02', '2026-03'].map((p) => r.amount('R', 'commission', 'earning', p))).toEqual(['0.00', '10.00']);
  });
});

describe('golden scenario 6: a plan with an invalid rate refused at save', () => {
  it('PUT /incentives/plans and metadata apply refuse it naming the cell and rule, and store nothing', async () => {
    const t = await create();
    for (const bad of ['x', '1e3', '', 0.05]) {
      const res = await t.admin.put('/api/v1/incentives/plans/plan_bad', ratePlan('plan_bad', bad));
      // 422, code plan_invalid, naming /versions/0/components/0/rate
      expect(res.statusCode, JSON.stringify(bad)).toBe(422);
      const error = (res.json() as { error: { code: string; details: Array<{ path: string; rule: string }> } }).error;
      expect(error.code).toBe('plan_invalid');
      expect(error.details[0]?.path).toBe('/versions/0/components/0/rate');
    }
    const applied = await t.admin.post('/api/v1/metadata/apply', { documents: [ratePlan('plan_bad', 'x')], mode: 'merge' });
    expect(applied.statusCode).toBe(422);
    expect(JSON.stringify(applied.json())).toContain('/versions/0/components/0/rate');
    // nothing stored: the plan list does not have it
    expect(((await t.admin.get('/api/v1/incentives/plans')).json() as { data: Array<{ id: string }> }).data.map((p) => p.id)).not.toContain('plan_bad');
    // the same plan with a decimal rate is saved
    expect((await t.admin.put('/api/v1/incentives/plans/plan_bad', ratePlan('plan_bad', '0.05'))).statusCode).toBe(200);
  });
});
