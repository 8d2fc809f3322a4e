// Territory (customer → payee) and specialist (category → payee) assignments over the API: admin
// writes, finance reads, reps are refused; bad rows are refused naming the cell; a list of one kind
// is replaced whole, keeping plan assignments and the other kind; a save recomputes what it affects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testServer } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
const c: string[] = [];
const NOBODY = '00000000-0000-4000-8000-000000000000';

const plan = {
  kind: 'incentive_plan',
  id: 'plan_t',
  name: 'plan_t',
  label: { en: 'Territory plan' },
  versions: [
    {
      version: 1,
      effectiveFrom: '2026-01-01',
      currency: 'USD',
      rounding: { scale: 2, mode: 'half_up' },
      measures: [{ name: 'revenue', type: 'sum', filter: { kinds: ['direct', 'split', 'assignment'] } }],
      components: [{ name: 'commission', type: 'rate', measure: 'revenue', rate: '0.1' }],
    },
  ],
};
// The owner keeps 80%; the territory's payee gets the other 20% of each sale.
const rules = [
  { kind: 'crediting_rule', id: 'own', name: 'owner', label: { en: 'Owner 80%' }, effectiveFrom: '2020-01-01', type: 'split', pct: '80' },
  { kind: 'crediting_rule', id: 'terr', name: 'territory', label: { en: 'Territory 20%' }, effectiveFrom: '2020-01-01', type: 'assignment', pct: '20' },
];

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await coreTenant(app, store, 'incter');
  // rep1 owns the customers: a rep may only reference records it can read (issue #12).
  for (const name of ['ACME', 'Globex']) c.push((await t.call.admin.post('/api/v1/objects/customer', { name, owner_id: t.ids.rep1 })).json().id);
  expect((await t.call.admin.put('/api/v1/incentives/crediting-rules', { rules })).statusCode).toBe(200);
  expect((await t.call.admin.put('/api/v1/incentives/plans/plan_t', plan)).statusCode).toBe(200);
  expect((await t.call.admin.put('/api/v1/incentives/plans/plan_t/assignments', { assignments: [t.ids.rep1, t.ids.spec].map((payeeId) => ({ payeeId, from: '2026-01-01' })) })).statusCode).toBe(200);
  await t.drain();
});
afterAll(async () => {
  await app.close();
  await store.close();
});

const payout = async (who: 'rep1' | 'spec') => {
  const data = (await t.call.finance.get(`/api/v1/incentives/statements/${t.ids[who]}/2026-03`)).json().data as { payouts: Array<{ payout: string }> };
  return Number(data.payouts.reduce((a, p) => a + Number(p.payout), 0)).toFixed(2);
};

describe('territories and specialists', () => {
  it('admin writes, finance reads, reps are refused', async () => {
    for (const path of ['/api/v1/incentives/territories', '/api/v1/incentives/specialists']) {
      expect((await t.call.rep1.get(path)).statusCode).toBe(403);
      expect((await t.call.manager.get(path)).statusCode).toBe(403);
      expect((await t.call.rep1.put(path, { territories: [], specialists: [] })).statusCode).toBe(403);
      expect((await t.call.finance.put(path, { territories: [], specialists: [] })).statusCode).toBe(403);
      const read = await t.call.finance.get(path);
      expect([read.statusCode, read.json().data]).toEqual([200, []]);
    }
  });

  it('bad rows are refused naming the cell, and nothing changes', async () => {
    const ok = { customerId: c[0], payeeId: t.ids.rep1, from: '2026-01-01' };
    const bad = await t.call.admin.put('/api/v1/incentives/territories', {
      territories: [ok, ok, { ...ok, to: null }, { ...ok, from: '2026-02-30' }, { payeeId: t.ids.rep1, from: '2026-01-01', to: '2025-12-31' }, { ...ok, to: 'soon' }],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.map((d: { path: string; rule: string }) => `${d.path} ${d.rule}`)).toEqual([
      '/territories/3/from format',
      '/territories/4/customerId required',
      '/territories/4/to range',
      '/territories/5/to format',
    ]);
    expect((await t.call.admin.put('/api/v1/incentives/territories', {})).json().error.details).toEqual([{ path: '/territories', rule: 'type', message: 'must be an array' }]);
    // a customer or payee that does not exist, a category that is not one, the same span twice
    const unknown = await t.call.admin.put('/api/v1/incentives/territories', {
      territories: [ok, { ...ok, customerId: NOBODY }, { ...ok, customerId: c[1], payeeId: NOBODY }, { ...ok, from: '2026-06-01' }],
    });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.details.map((d: { path: string; rule: string }) => `${d.path} ${d.rule}`)).toEqual([
      '/territories/1/customerId exists',
      '/territories/2/payeeId exists',
      '/territories/3/from overlap',
    ]);
    const category = await t.call.admin.put('/api/v1/incentives/specialists', {
      specialists: [
        { category: 'software', payeeId: t.ids.spec, from: '2026-01-01' },
        { category: 'toys', payeeId: t.ids.spec, from: '2026-01-01' },
      ],
    });
    expect([category.statusCode, category.json().error.details[0]]).toEqual([422, expect.objectContaining({ path: '/specialists/1/category', rule: 'enum' })]);
    expect((await t.call.finance.get('/api/v1/incentives/territories')).json().data).toEqual([]);
  });

  it("a save recomputes the payees of the customer's transactions; replacing one kind keeps plan assignments and the other kind", async () => {
    const order = await t.call.rep1.post('/api/v1/objects/order', { order_number: 'SO-T1', customer_id: c[0], order_date: '2026-03-05', status: 'booked', amount: '1000', currency: 'USD' });
    expect(order.statusCode).toBe(201);
    await t.drain();
    // rep1: 80% of 1,000 = 800 × 10% = 80.00; no territory payee yet
    expect([await payout('rep1'), await payout('spec')]).toEqual(['80.00', '0.00']);
    expect((await t.call.admin.put('/api/v1/incentives/specialists', { specialists: [{ category: 'software', payeeId: t.ids.spec, from: '2026-01-01', to: '2026-12-31' }] })).statusCode).toBe(200);
    const saved = await t.call.admin.put('/api/v1/incentives/territories', {
      territories: [
        { customerId: String(c[0]).toUpperCase(), payeeId: t.ids.spec, from: '2026-01-01' },
        { customerId: c[1], payeeId: t.ids.rep1, from: '2026-01-01', to: '2026-06-30' },
      ],
    });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toEqual({
      data: [
        { customerId: c[0], payeeId: t.ids.spec, from: '2026-01-01', to: null },
        { customerId: c[1], payeeId: t.ids.rep1, from: '2026-01-01', to: '2026-06-30' },
      ],
      recomputed: { transactions: 1, payees: 2, periods: ['2026-03'] },
    });
    // spec, the territory's payee: 20% of 1,000 = 200 × 10% = 20.00 — without a recalculation
    expect([await payout('rep1'), await payout('spec')]).toEqual(['80.00', '20.00']);
    expect((await t.call.finance.get('/api/v1/incentives/specialists')).json().data).toEqual([{ category: 'software', payeeId: t.ids.spec, from: '2026-01-01', to: '2026-12-31' }]);
    expect(
      (await t.call.finance.get('/api/v1/incentives/plans/plan_t/assignments'))
        .json()
        .data.map((a: { payeeId: string }) => a.payeeId)
        .sort(),
    ).toEqual([t.ids.rep1, t.ids.spec].sort());
    // Replacing the specialists keeps the territories; a plan's assignments keep both.
    expect((await t.call.admin.put('/api/v1/incentives/specialists', { specialists: [] })).json().recomputed).toEqual({ transactions: 0, payees: 0, periods: [] });
    expect((await t.call.finance.get('/api/v1/incentives/territories')).json().data).toHaveLength(2);
    expect((await t.call.admin.put('/api/v1/incentives/plans/plan_t/assignments', { assignments: [t.ids.rep1, t.ids.spec].map((payeeId) => ({ payeeId, from: '2026-01-01' })) })).statusCode).toBe(200);
    expect((await t.call.finance.get('/api/v1/incentives/territories')).json().data).toHaveLength(2);
    // An unchanged list recomputes nothing; emptying it takes the territory's credit back.
    expect((await t.call.admin.put('/api/v1/incentives/territories', { territories: saved.json().data })).json().recomputed.transactions).toBe(0);
    expect((await t.call.admin.put('/api/v1/incentives/territories', { territories: [] })).json().recomputed.transactions).toBe(1);
    expect([await payout('rep1'), await payout('spec')]).toEqual(['80.00', '0.00']);
  });

  it('a plan that cannot be computed (no target for a payee) is a problem naming the cell; the territories are saved and everything else computed', async () => {
    const other = await coreTenant(app, store, 'incterq');
    const customer = (await other.call.admin.post('/api/v1/objects/customer', { name: 'Initech', owner_id: other.ids.rep1 })).json().id as string;
    const quota = {
      ...plan,
      id: 'plan_q',
      name: 'plan_q',
      versions: [{ ...plan.versions[0], components: [{ name: 'commission', type: 'tiered', measure: 'revenue', target: 'quota', tierBasis: 'attainment', tiers: [{ from: '0', rate: '0.1' }] }] }],
    };
    expect((await other.call.admin.put('/api/v1/incentives/crediting-rules', { rules })).statusCode).toBe(200);
    expect((await other.call.admin.put('/api/v1/incentives/plans/plan_q', quota)).statusCode).toBe(200);
    expect((await other.call.admin.put('/api/v1/incentives/plans/plan_q/assignments', { assignments: [{ payeeId: other.ids.rep1, from: '2026-01-01' }] })).statusCode).toBe(200);
    await other.call.rep1.post('/api/v1/objects/order', { order_number: 'SO-Q1', customer_id: customer, order_date: '2026-03-05', status: 'booked', amount: '1000', currency: 'USD' });
    await other.drain();
    const saved = await other.call.admin.put('/api/v1/incentives/territories', { territories: [{ customerId: customer, payeeId: other.ids.spec, from: '2026-01-01' }] });
    expect(saved.statusCode).toBe(200);
    // The plan that cannot be computed for rep1 is a problem of that plan and payee; the run goes on.
    expect(saved.json().recomputed).toMatchObject({ transactions: 1, periods: ['2026-03'] });
    expect(saved.json().recomputed.error).toBeUndefined();
    expect((await other.call.finance.get('/api/v1/incentives/territories')).json().data).toHaveLength(1);
    const run = await other.call.finance.post('/api/v1/incentives/recalculate');
    expect(run.statusCode).toBe(200);
    const problems = (await other.call.finance.get('/api/v1/incentives/problems')).json().data as Array<{ code: string; planId?: string; payeeId?: string; message: string }>;
    const failed = problems.find((p) => p.code === 'plan_calc_failed');
    expect(failed).toMatchObject({ planId: 'plan_q', payeeId: other.ids.rep1 });
    expect(failed?.message).toMatch(/no target "quota"/);
    expect(failed?.message).toMatch(/target|commission/);
  });
});
