// A plan states which rate converts a transaction in another currency (fxRule): the one in effect
// on the transaction date (default), on the last day of the plan period, or the average of the
// period's daily rates. One USD order in a CNY tenant, three plans; figures by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testServer } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;

const plan = (id: string, fxRule: string | undefined) => ({
  kind: 'incentive_plan',
  id,
  name: id,
  label: { en: id },
  versions: [
    {
      version: 1,
      effectiveFrom: '2027-01-01',
      ...(fxRule ? { fxRule } : {}),
      rounding: { scale: 2, mode: 'half_up' },
      measures: [{ name: 'revenue', type: 'sum', filter: { kinds: ['direct', 'split'] } }],
      components: [{ name: `commission_${id}`, type: 'rate', measure: 'revenue', rate: '0.1' }],
    },
  ],
});
const plans = [plan('p_tx', undefined), plan('p_end', 'period_end'), plan('p_avg', 'period_average')];

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await coreTenant(app, store, 'fxrule', { baseCurrency: 'CNY' });
  const admin = t.call.admin;
  expect(
    (await admin.put('/api/v1/incentives/crediting-rules', { rules: [{ kind: 'crediting_rule', id: 'owner', name: 'owner', label: { en: 'Owner' }, effectiveFrom: '2020-01-01', type: 'split' }] }))
      .statusCode,
  ).toBe(200);
  for (const p of plans) {
    const saved = await admin.put(`/api/v1/incentives/plans/${p.id}`, p);
    expect(saved.statusCode, saved.body).toBe(200);
    expect((await admin.put(`/api/v1/incentives/plans/${p.id}/assignments`, { assignments: [{ payeeId: t.ids.rep1, from: '2020-01-01' }] })).statusCode).toBe(200);
  }
  for (const r of [
    { rate: '7', effectiveFrom: '2027-01-01' },
    { rate: '7.5', effectiveFrom: '2027-03-20' },
  ]) {
    expect((await t.call.finance.post('/api/v1/fx/rates', { from: 'USD', to: 'CNY', ...r })).statusCode).toBe(201);
  }
  const customer = (await t.call.rep1.post('/api/v1/objects/customer', { name: 'ACME' })).json().id;
  expect(
    (await t.call.rep1.post('/api/v1/objects/order', { order_number: 'SO-1', customer_id: customer, order_date: '2027-03-05', status: 'booked', amount: '100', currency: 'USD' })).statusCode,
  ).toBe(201);
  await t.drain();
  expect((await t.call.finance.post('/api/v1/incentives/recalculate')).statusCode).toBe(200);
});
afterAll(async () => {
  await app.close();
  await store.close();
});

async function amounts(): Promise<Record<string, string>> {
  const res = await t.call.rep1.get(`/api/v1/incentives/statements/${t.ids.rep1}/2027-03`);
  expect(res.statusCode).toBe(200);
  return Object.fromEntries(
    (res.json().data.lines as Array<{ component: string; amount: string }>).filter((l) => l.component?.startsWith('commission_')).map((l) => [l.component, Number(l.amount).toFixed(2)]),
  );
}

describe('the plan states the exchange-rate rule', () => {
  it('transaction date, period end and period average each convert at their rate', async () => {
    // transaction date (5 March): 100 × 7 = 700 × 10% = 70.00
    // period end (31 March): 100 × 7.5 = 750 × 10% = 75.00
    // period average: 19 days at 7 and 12 at 7.5 → 223 ÷ 31 = 7.1935483871 → 719.35483871 × 10% = 71.94
    expect(await amounts()).toEqual({ commission_p_tx: '70.00', commission_p_end: '75.00', commission_p_avg: '71.94' });
  });

  it('a what-if of a plan switched to the period average shows what the recalculated statement pays', async () => {
    // p_tx edited to convert at the period average: its what-if is p_avg's recalculated figure.
    const edited = plan('p_tx', 'period_average');
    const res = await t.call.admin.post('/api/v1/incentives/whatif', { period: '2027-03', planId: 'p_tx', plan: edited, payees: [t.ids.rep1] });
    expect(res.statusCode, res.body).toBe(200);
    const w = res.json().data as { rows: Array<{ component: string; live: string; whatif: string }> };
    const row = w.rows.find((r) => r.component === 'commission_p_tx');
    expect([Number(row?.live).toFixed(2), Number(row?.whatif).toFixed(2)]).toEqual(['70.00', (await amounts()).commission_p_avg]);
    // and the stored period-average plan previews exactly what it was paid
    const same = (await t.call.admin.post('/api/v1/incentives/whatif', { period: '2027-03', planId: 'p_avg', payees: [t.ids.rep1] })).json().data as { rows: Array<{ live: string; whatif: string }> };
    expect(same.rows.map((r) => [Number(r.live).toFixed(2), Number(r.whatif).toFixed(2)])).toEqual([['71.94', '71.94']]);
  });

  it('a period average with a day before the first rate is a reported problem, not an average of fewer days', async () => {
    // Move the first rate to 2 March: 1 March has no rate, so the March average cannot be formed.
    const list = (await t.call.finance.get('/api/v1/fx/rates?from=USD')).json().data as Array<{ id: string; effectiveFrom: string }>;
    const first = list.find((r) => r.effectiveFrom === '2027-01-01')!;
    expect((await t.call.finance.del(`/api/v1/fx/rates/${first.id}`)).statusCode).toBe(200);
    expect((await t.call.finance.post('/api/v1/fx/rates', { from: 'USD', to: 'CNY', rate: '7', effectiveFrom: '2027-03-02' })).statusCode).toBe(201);
    expect((await t.call.finance.post('/api/v1/incentives/recalculate')).statusCode).toBe(200);
    // transaction date and period end still have their rates; the average is left out and reported.
    const got = await amounts();
    expect([got.commission_p_tx, got.commission_p_end, got.commission_p_avg ?? '0.00']).toEqual(['70.00', '75.00', '0.00']);
    const problems = (await t.call.finance.get('/api/v1/incentives/problems?code=plan_fx_missing')).json().data as Array<{ planId: string; currency: string; message: string }>;
    expect(problems.map((p) => [p.planId, p.currency])).toEqual([['p_avg', 'USD']]);
    expect(problems[0]?.message).toContain('period average');
    expect((await t.call.finance.post('/api/v1/incentives/periods/2027-03/status', { status: 'approved' })).json().error.code).toBe('fx_missing');
  });

  it('a pair between two currencies other than the base is used as entered, before the route through the base', async () => {
    // A EUR plan, a USD order, a CNY tenant: USD → EUR was entered (0.9), so 100 × 0.9 = 90 × 10% = 9.00 EUR;
    // without it the order would go USD → CNY → EUR, and with no EUR/CNY rate it is reported, never 1:1.
    const eur = { ...plan('p_eur', undefined), versions: plan('p_eur', undefined).versions.map((v) => ({ ...v, currency: 'EUR' })) };
    expect((await t.call.admin.put('/api/v1/incentives/plans/p_eur', eur)).statusCode).toBe(200);
    expect((await t.call.admin.put('/api/v1/incentives/plans/p_eur/assignments', { assignments: [{ payeeId: t.ids.rep1, from: '2020-01-01' }] })).statusCode).toBe(200);
    expect((await t.call.finance.post('/api/v1/incentives/recalculate')).statusCode).toBe(200);
    expect((await amounts()).commission_p_eur ?? '0.00').toBe('0.00');
    const missing = (await t.call.finance.get('/api/v1/incentives/problems?code=plan_fx_missing')).json().data as Array<{ planId: string; currency: string }>;
    expect(missing.filter((p) => p.planId === 'p_eur').map((p) => p.currency)).toEqual(['EUR']);
    expect((await t.call.finance.post('/api/v1/fx/rates', { from: 'USD', to: 'EUR', rate: '0.9', effectiveFrom: '2027-01-01' })).statusCode).toBe(201);
    expect((await t.call.finance.post('/api/v1/incentives/recalculate')).statusCode).toBe(200);
    expect((await amounts()).commission_p_eur).toBe('9.00');
    const after = (await t.call.finance.get('/api/v1/incentives/problems?code=plan_fx_missing')).json().data as Array<{ planId: string }>;
    expect(after.filter((p) => p.planId === 'p_eur')).toEqual([]);
  });
});
