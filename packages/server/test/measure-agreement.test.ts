// One measure pipeline (issue #11 "One truth", item 5): a plan measure that is a KPI is computed by
// the same code as the KPI itself, so *My goals*, the team board and the statement show the same
// number for the same person and period — and follow a record change together. Through HTTP only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { JobRunner } from '@attain/store';
import { testServer, type Caller } from './helpers.ts';
import { coreTenant, startDerivation, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
let runner: JobRunner;

const WAIT = 'waitMs=20000';
const positionOf = (res: LightMyRequestResponse): string => {
  expect(res.statusCode, res.body).toBeLessThan(300);
  const p = res.headers['x-attain-position'];
  expect(typeof p).toBe('string');
  return p as string;
};

const kpi = {
  kind: 'kpi',
  id: 'kpi_paid_revenue',
  name: 'paid_revenue',
  label: { en: 'Paid revenue' },
  object: 'order',
  dateField: 'paid_date',
  unit: 'money',
  measure: { aggregate: 'sum', value: 'amount', filter: 'status = "paid"' },
};
// Tiers in measure units: 2% of the first 100,000, 5% above (marginal).
const plan = {
  kind: 'incentive_plan',
  id: 'plan_paid',
  name: 'plan_paid',
  label: { en: 'Paid revenue plan' },
  versions: [
    {
      version: 1,
      effectiveFrom: '2026-01-01',
      currency: 'USD',
      rounding: { scale: 2, mode: 'half_up' },
      measures: [{ name: 'revenue', type: 'kpi', kpi: 'paid_revenue' }],
      components: [
        {
          name: 'commission',
          type: 'tiered',
          measure: 'revenue',
          tierBasis: 'value',
          tierMode: 'marginal',
          tiers: [
            { from: '0', to: '100000', rate: '0.02' },
            { from: '100000', rate: '0.05' },
          ],
        },
      ],
    },
  ],
};

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await coreTenant(app, store, 'agree');
  runner = startDerivation(store);
});
afterAll(async () => {
  await runner.stop();
  await app.close();
  await store.close();
});

/** Waits until everything derived from a write is computed (a plan applied as metadata reaches the engine). */
async function settle(caller: Caller, position: string): Promise<void> {
  const res = await caller.get(`/api/v1/sync?position=${position}&wait=20000`);
  expect(res.json()).toMatchObject({ reflected: true, failed: [] });
}

interface Line {
  key: string;
  component: string;
  amount: string;
  trace: { measures: Record<string, { value: string }> };
}

async function statementLine(caller: Caller, payee: string, period: string, position: string): Promise<Line> {
  const res = await caller.get(`/api/v1/incentives/statements/${payee}/${period}?waitFor=${position}&${WAIT}`);
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['x-attain-reflected']).toBe('true');
  const line = (res.json().data.lines as Line[]).find((l) => l.component === 'commission');
  expect(line).toBeDefined();
  return line as Line;
}

async function myGoals(caller: Caller, period: string, position: string): Promise<{ actual: number; myUnit: string }> {
  const res = await caller.get(`/api/v1/goals/attainment?kpi=paid_revenue&period=${period}&asOf=2026-12-31&waitFor=${position}&${WAIT}`);
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['x-attain-reflected']).toBe('true');
  return { actual: res.json().data[0].actual, myUnit: res.json().myUnit };
}

async function board(caller: Caller, unit: string, period: string, position: string): Promise<Map<string, number>> {
  const res = await caller.get(`/api/v1/goals/attainment?kpi=paid_revenue&period=${period}&asOf=2026-12-31&team=${unit}&waitFor=${position}&${WAIT}`);
  expect(res.statusCode, res.body).toBe(200);
  return new Map((res.json().data as Array<{ subject: { id: string }; actual: number }>).map((r) => [r.subject.id, r.actual]));
}

async function drill(caller: Caller, payee: string, period: string, key: string, object = 'order'): Promise<string[]> {
  const res = await caller.get(`/api/v1/incentives/statements/${payee}/${period}/lines/${encodeURIComponent(key)}`);
  expect(res.statusCode, res.body).toBe(200);
  return (res.json().data.records as Array<{ id: string; object: string }>).map((r) => {
    expect(r.object).toBe(object);
    return r.id;
  });
}

describe('a plan measure that is a KPI', () => {
  it('refuses a KPI that does not exist, naming the measure', async () => {
    const bad = { ...plan, id: 'plan_bad', name: 'plan_bad', versions: [{ ...plan.versions[0], measures: [{ name: 'revenue', type: 'kpi', kpi: 'no_such_kpi' }] }] };
    const applied = await t.call.admin.post('/api/v1/metadata/apply', { documents: [bad], mode: 'merge' });
    expect(applied.statusCode).toBe(422);
    expect(JSON.stringify(applied.json().error.details)).toContain('/versions/0/measures/0/kpi');
    const put = await t.call.admin.put('/api/v1/incentives/plans/plan_bad', bad);
    expect(put.statusCode, put.body).toBe(422);
    expect(put.json().error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/versions/0/measures/0/kpi', rule: 'unknown_reference' })]));
    expect((await t.call.admin.get('/api/v1/incentives/plans')).json().data.some((p: { id: string }) => p.id === 'plan_bad')).toBe(false);
  });

  it('gives My goals, the team board and the statement the same value, drilled down to the same records, and they move together', async () => {
    const { admin, rep1, rep2, manager } = t.call;
    const order = async (rep: Caller, customer: string, n: string, fields: Record<string, unknown>) => {
      const res = await rep.post('/api/v1/objects/order', { order_number: n, customer_id: customer, currency: 'USD', ...fields });
      expect(res.statusCode, res.body).toBe(201);
      return { id: res.json().id as string, position: positionOf(res) };
    };
    const c1 = (await rep1.post('/api/v1/objects/customer', { name: 'Rep1 Co' })).json().id as string;
    const c2 = (await rep2.post('/api/v1/objects/customer', { name: 'Rep2 Co' })).json().id as string;
    await settle(admin, positionOf(await admin.post('/api/v1/metadata/apply', { documents: [kpi, plan], mode: 'merge' })));
    positionOf(
      await admin.put('/api/v1/incentives/plans/plan_paid/assignments', {
        assignments: [
          { payeeId: t.ids.rep1, from: '2026-01-01' },
          { payeeId: t.ids.rep2, from: '2026-01-01' },
        ],
      }),
    );

    // rep1 in December: A and B paid (100,000 + 80,000); C booked, not paid; D paid in November,
    // E paid in January. rep2: F paid in December.
    const a = await order(rep1, c1, 'A', { order_date: '2026-11-20', status: 'paid', paid_date: '2026-12-05', amount: '100000' });
    const b = await order(rep1, c1, 'B', { order_date: '2026-12-01', status: 'paid', paid_date: '2026-12-20', amount: '80000' });
    const c = await order(rep1, c1, 'C', { order_date: '2026-12-10', status: 'booked', amount: '50000' });
    await order(rep1, c1, 'D', { order_date: '2026-11-02', status: 'paid', paid_date: '2026-11-15', amount: '30000' });
    await order(rep1, c1, 'E', { order_date: '2026-12-28', status: 'paid', paid_date: '2027-01-03', amount: '20000' });
    const f = await order(rep2, c2, 'F', { order_date: '2026-12-02', status: 'paid', paid_date: '2026-12-07', amount: '12345.67' });
    const last = f.position;

    const mine = await myGoals(rep1, '2026-12', last);
    expect(mine.actual).toBe(180000);
    const team = await board(manager, mine.myUnit, '2026-12', last);
    expect(team.get(t.ids.rep1)).toBe(180000);
    expect(team.get(t.ids.rep2)).toBe(12345.67);
    const line1 = await statementLine(rep1, t.ids.rep1, '2026-12', last);
    expect(line1.trace.measures.revenue?.value).toBe('180000');
    // 100,000 × 2% + 80,000 × 5% = 2,000 + 4,000
    expect(line1.amount).toBe('6000');
    expect((await statementLine(rep2, t.ids.rep2, '2026-12', last)).trace.measures.revenue?.value).toBe('12345.67');
    expect((await myGoals(rep2, '2026-12', last)).actual).toBe(12345.67);
    // November: D alone, in both.
    expect((await myGoals(rep1, '2026-11', last)).actual).toBe(30000);
    expect((await statementLine(rep1, t.ids.rep1, '2026-11', last)).trace.measures.revenue?.value).toBe('30000');
    // The line's drill-down lists exactly the KPI's records: December's paid orders, by date.
    expect(await drill(rep1, t.ids.rep1, '2026-12', line1.key)).toEqual([a.id, b.id]);
    expect((line1 as Line & { trace: { sourceRecordIds: string[] } }).trace.sourceRecordIds).toEqual([a.id, b.id]);

    // C is paid on December 15: both move by 50,000, and C joins the drill-down.
    const paid = await rep1.patch(`/api/v1/objects/order/${c.id}`, { status: 'paid', paid_date: '2026-12-15' });
    const p2 = positionOf(paid);
    expect((await myGoals(rep1, '2026-12', p2)).actual).toBe(230000);
    expect((await board(manager, mine.myUnit, '2026-12', p2)).get(t.ids.rep1)).toBe(230000);
    const line2 = await statementLine(rep1, t.ids.rep1, '2026-12', p2);
    expect(line2.trace.measures.revenue?.value).toBe('230000');
    // 2,000 + 130,000 × 5% = 8,500
    expect(line2.amount).toBe('8500');
    expect(await drill(rep1, t.ids.rep1, '2026-12', line2.key)).toEqual([a.id, c.id, b.id]);

    // B is refunded: out of both, and out of the drill-down.
    const p3 = positionOf(await rep1.patch(`/api/v1/objects/order/${b.id}`, { status: 'refunded', reversal_date: '2026-12-22' }));
    expect((await myGoals(rep1, '2026-12', p3)).actual).toBe(150000);
    expect((await statementLine(rep1, t.ids.rep1, '2026-12', p3)).trace.measures.revenue?.value).toBe('150000');
    expect(await drill(rep1, t.ids.rep1, '2026-12', line2.key)).toEqual([a.id, c.id]);
  });

  it('a quarterly plan over a ratio KPI: the quarter is its months, as in attainment', async () => {
    const { admin, rep1, manager } = t.call;
    // Paid amount per order with an amount, by order date: num = paid amounts, den = orders.
    const perOrder = {
      ...kpi,
      id: 'kpi_paid_per_order',
      name: 'paid_per_order',
      label: { en: 'Paid per order' },
      dateField: 'order_date',
      measure: { aggregate: 'ratio', value: 'amount', filter: 'status = "paid"', denominator: { filter: 'amount > 0' } },
    };
    const quarterly = {
      ...plan,
      id: 'plan_q',
      name: 'plan_q',
      label: { en: 'Quarterly' },
      versions: [
        {
          ...plan.versions[0],
          frequency: 'quarterly',
          measures: [{ name: 'per_order', type: 'kpi', kpi: 'paid_per_order' }],
          components: [{ name: 'bonus', type: 'rate', measure: 'per_order', rate: '0.1' }],
        },
      ],
    };
    await settle(admin, positionOf(await admin.post('/api/v1/metadata/apply', { documents: [perOrder, quarterly], mode: 'merge' })));
    positionOf(await admin.put('/api/v1/incentives/plans/plan_q/assignments', { assignments: [{ payeeId: t.ids.rep1, from: '2026-01-01' }] }));
    const customer = (await rep1.post('/api/v1/objects/customer', { name: 'Rep1 Q Co' })).json().id as string;
    // rep1's Q4 orders so far (by order date): A 100,000 paid, B 80,000 refunded, C 50,000 paid,
    // D 30,000 paid, E 20,000 paid; now G 40,000 paid in October: 240,000 paid over 6 orders.
    const g = positionOf(
      await rep1.post('/api/v1/objects/order', { order_number: 'G', customer_id: customer, currency: 'USD', order_date: '2026-10-05', status: 'paid', paid_date: '2026-10-05', amount: '40000' }),
    );
    const att = await rep1.get(`/api/v1/goals/attainment?kpi=paid_per_order&period=2026-Q4&asOf=2026-12-31&waitFor=${g}&${WAIT}`);
    expect(att.statusCode, att.body).toBe(200);
    expect(att.json().data[0].actual).toBe(40000);
    const team = await manager.get(`/api/v1/goals/attainment?kpi=paid_per_order&period=2026-Q4&asOf=2026-12-31&team=${att.json().myUnit}`);
    expect((team.json().data as Array<{ subject: { id: string }; actual: number }>).find((r) => r.subject.id === t.ids.rep1)?.actual).toBe(40000);
    const res = await rep1.get(`/api/v1/incentives/statements/${t.ids.rep1}/2026-Q4?waitFor=${g}&${WAIT}`);
    expect(res.statusCode, res.body).toBe(200);
    const line = (res.json().data.lines as Line[]).find((l) => l.component === 'bonus');
    expect(line?.trace.measures.per_order?.value).toBe('40000');
    expect(line?.amount).toBe('4000');
    // The drill-down: every order in the numerator or the denominator of the quarter.
    expect(await drill(rep1, t.ids.rep1, '2026-Q4', line!.key)).toHaveLength(6);
  });
  it('a KPI over any object (opportunities) keeps the statement current on each record change', async () => {
    const { admin, rep2 } = t.call;
    const won = {
      ...kpi,
      id: 'kpi_won',
      name: 'won_amount',
      label: { en: 'Won' },
      object: 'opportunity',
      dateField: 'close_date',
      measure: { aggregate: 'sum', value: 'amount', filter: 'stage = "closed_won"' },
    };
    const wonPlan = {
      ...plan,
      id: 'plan_won',
      name: 'plan_won',
      label: { en: 'Won' },
      versions: [{ ...plan.versions[0], measures: [{ name: 'won', type: 'kpi', kpi: 'won_amount' }], components: [{ name: 'won_bonus', type: 'rate', measure: 'won', rate: '0.01' }] }],
    };
    await settle(admin, positionOf(await admin.post('/api/v1/metadata/apply', { documents: [won, wonPlan], mode: 'merge' })));
    positionOf(await admin.put('/api/v1/incentives/plans/plan_won/assignments', { assignments: [{ payeeId: t.ids.rep2, from: '2026-01-01' }] }));
    const customer = (await rep2.post('/api/v1/objects/customer', { name: 'Rep2 Opp Co' })).json().id as string;
    const opp = await rep2.post('/api/v1/objects/opportunity', { name: 'Big deal', customer_id: customer, amount: 50000, stage: 'negotiation', close_date: '2026-09-10' });
    const p1 = positionOf(opp);
    const open = await rep2.get(`/api/v1/incentives/statements/${t.ids.rep2}/2026-09?waitFor=${p1}&${WAIT}`);
    expect(open.statusCode, open.body).toBe(200);
    const p2 = positionOf(await rep2.patch(`/api/v1/objects/opportunity/${opp.json().id as string}`, { stage: 'closed_won' }));
    const att = await rep2.get(`/api/v1/goals/attainment?kpi=won_amount&period=2026-09&asOf=2026-09-30&waitFor=${p2}&${WAIT}`);
    expect(att.json().data[0].actual).toBe(50000);
    const res = await rep2.get(`/api/v1/incentives/statements/${t.ids.rep2}/2026-09?waitFor=${p2}&${WAIT}`);
    const line = (res.json().data.lines as Line[]).find((l) => l.component === 'won_bonus');
    expect(line?.trace.measures.won?.value).toBe('50000');
    expect(line?.amount).toBe('500');
    expect(await drill(rep2, t.ids.rep2, '2026-09', line!.key, 'opportunity')).toEqual([opp.json().id]);
  });
  it('a changed KPI definition moves My goals and the statement together, with no recalculation call', async () => {
    const { admin, rep1 } = t.call;
    // December so far: A 100,000 and C 50,000 paid (B refunded). Only orders above 60,000 now count.
    const p = positionOf(await admin.post('/api/v1/metadata/apply', { documents: [{ ...kpi, measure: { ...kpi.measure, filter: 'status = "paid" AND amount > 60000' } }], mode: 'merge' }));
    await settle(admin, p);
    expect((await myGoals(rep1, '2026-12', p)).actual).toBe(100000);
    const line = await statementLine(rep1, t.ids.rep1, '2026-12', p);
    expect(line.trace.measures.revenue?.value).toBe('100000');
    expect(line.amount).toBe('2000');
  });
});
