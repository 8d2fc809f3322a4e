// Orders booked through the records API, end to end: lines become transactions (a SPIF on a
// product, a specialist overlay by category, margin), split rows split every line, and split rows
// that do not total 100% are a calculation problem finance can list. Figures by hand above each assertion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testServer } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
const ids: Record<string, string> = {};
const MAR = '2026-03';

const rules = [
  { kind: 'crediting_rule', id: 'split', name: 'split', label: { en: 'Owner or split' }, effectiveFrom: '2020-01-01', type: 'split' },
  { kind: 'crediting_rule', id: 'spec', name: 'specialist', label: { en: 'Specialist' }, effectiveFrom: '2020-01-01', type: 'overlay', pct: '50' },
];
const version = (measures: unknown[], components: unknown[]) => ({ version: 1, effectiveFrom: '2026-01-01', currency: 'USD', rounding: { scale: 2, mode: 'half_up' }, measures, components });

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await coreTenant(app, store, 'incord');
  const admin = t.call.admin;
  ids.sw = (await admin.post('/api/v1/objects/product', { name: 'Suite', sku: 'SW1', category: 'software', list_price: '1000', unit_cost: '200' })).json().id;
  ids.hw = (await admin.post('/api/v1/objects/product', { name: 'Box', sku: 'HW1', category: 'hardware', list_price: '5000', unit_cost: '3000' })).json().id;
  // rep1 owns the customer it books orders for: a reference must point at a record the writer may read (issue #12).
  ids.customer = (await admin.post('/api/v1/objects/customer', { name: 'ACME', owner_id: t.ids.rep1 })).json().id;
  expect((await admin.put('/api/v1/incentives/crediting-rules', { rules })).statusCode).toBe(200);
  const direct = { kinds: ['direct', 'split'] };
  const repPlan = {
    kind: 'incentive_plan',
    id: 'plan_rep',
    name: 'plan_rep',
    label: { en: 'Reps' },
    versions: [
      version(
        [
          { name: 'revenue', type: 'sum', filter: direct },
          { name: 'margin', type: 'sum', field: 'margin', filter: direct },
        ],
        [
          { name: 'commission', type: 'rate', measure: 'revenue', rate: '0.05' },
          { name: 'suite_spif', type: 'spif', perCredit: '100', filter: { products: [ids.sw] } },
          { name: 'margin_bonus', type: 'rate', measure: 'margin', rate: '0.01' },
        ],
      ),
    ],
  };
  const specPlan = {
    kind: 'incentive_plan',
    id: 'plan_spec',
    name: 'plan_spec',
    label: { en: 'Specialists' },
    versions: [version([{ name: 'overlay_revenue', type: 'sum', filter: { kinds: ['overlay'] } }], [{ name: 'overlay', type: 'rate', measure: 'overlay_revenue', rate: '0.02' }])],
  };
  for (const p of [repPlan, specPlan]) expect((await admin.put(`/api/v1/incentives/plans/${p.id}`, p)).statusCode).toBe(200);
  expect((await admin.put('/api/v1/incentives/plans/plan_rep/assignments', { assignments: [t.ids.rep1, t.ids.rep2].map((payeeId) => ({ payeeId, from: '2020-01-01' })) })).statusCode).toBe(200);
  expect((await admin.put('/api/v1/incentives/plans/plan_spec/assignments', { assignments: [{ payeeId: t.ids.spec, from: '2020-01-01' }] })).statusCode).toBe(200);
  expect((await admin.put('/api/v1/incentives/specialists', { specialists: [{ category: 'software', payeeId: t.ids.spec, from: '2020-01-01' }] })).statusCode).toBe(200);
  await t.drain();
});
afterAll(async () => {
  await app.close();
  await store.close();
});

async function statement(who: 'rep1' | 'rep2' | 'spec') {
  const res = await t.call[who].get(`/api/v1/incentives/statements/${t.ids[who]}/${MAR}`);
  expect(res.statusCode).toBe(200);
  const data = res.json().data as { lines: Array<{ key: string; component: string; amount: string }>; payouts: Array<{ payout: string }> };
  const money = (v: string | undefined) => Number(v ?? 0).toFixed(2);
  return { ...data, payout: money(String(data.payouts.reduce((a, p) => a + Number(p.payout), 0))), amount: (c: string) => money(data.lines.find((l) => l.component === c)?.amount) };
}

describe('orders booked through the records API', () => {
  it('a rep books an order with two lines: one transaction per line, a SPIF on the product, the specialist overlay on the category', async () => {
    const rep = t.call.rep1;
    const order = await rep.post('/api/v1/objects/order', { order_number: 'SO-1', customer_id: ids.customer, order_date: '2026-03-05', status: 'booked', amount: '7500', currency: 'USD' });
    expect(order.statusCode).toBe(201);
    ids.order = order.json().id;
    ids.l1 = (await rep.post('/api/v1/objects/order_line', { order_id: ids.order, product_id: ids.sw, quantity: '3', unit_price: '1000', amount: '3000' })).json().id;
    ids.l2 = (await rep.post('/api/v1/objects/order_line', { order_id: ids.order, product_id: ids.hw, quantity: '1', unit_price: '5000', discount: '0.1', amount: '4500' })).json().id;
    await t.drain();
    const s = await statement('rep1');
    // 7,500 × 5% = 375.00; one Suite line × 100 = 100.00; margin (3,000 − 3 × 200) + (4,500 − 3,000) = 3,900 × 1% = 39.00 → 514.00
    expect([s.amount('commission'), s.amount('suite_spif'), s.amount('margin_bonus'), s.payout]).toEqual(['375.00', '100.00', '39.00', '514.00']);
    // the software specialist: 50% × 3,000 = 1,500 × 2% = 30.00
    expect((await statement('spec')).payout).toBe('30.00');
    // The drill-down names the order and the line behind each credit.
    const spif = s.lines.find((l) => l.component === 'suite_spif');
    const drill = await rep.get(`/api/v1/incentives/statements/${t.ids.rep1}/${MAR}/lines/${encodeURIComponent(spif?.key ?? '')}`);
    const credits = (drill.json().data.credits as Array<Record<string, unknown>>).map((c) => [c.object, c.record_id, c.line_id, c.product_id, c.tx_id]);
    // The SPIF pays on the Suite line only, so that is the one credit behind it.
    expect(credits).toEqual([['order', ids.order, ids.l1, ids.sw, `${ids.order}:${ids.l1}`]]);
  });

  it('split rows 60/40 split every line of the order', async () => {
    const admin = t.call.admin;
    ids.s1 = (await admin.post('/api/v1/objects/order_split', { order_id: ids.order, payee_id: t.ids.rep1, pct: '60' })).json().id;
    const second = await admin.post('/api/v1/objects/order_split', { order_id: ids.order, payee_id: t.ids.rep2, pct: '40' });
    expect(second.statusCode).toBe(201);
    ids.s2 = second.json().id;
    await t.drain();
    // rep1: 4,500 × 5% = 225.00 + 60.00 + 2,340 × 1% = 23.40 → 308.40; rep2: 150.00 + 40.00 + 15.60 → 205.60
    expect([(await statement('rep1')).payout, (await statement('rep2')).payout]).toEqual(['308.40', '205.60']);
    // a share outside 0–100 is refused by the record's own validation
    const over = await admin.post('/api/v1/objects/order_split', { order_id: ids.order, payee_id: t.ids.rep2, pct: '140' });
    expect([over.statusCode, over.json().error.details[0]?.path]).toEqual([422, '/pct']);
  });

  it('splits that do not total 100% are calculation problems finance lists; reps may not', async () => {
    await t.call.admin.patch(`/api/v1/objects/order_split/${ids.s2}`, { pct: '30' });
    await t.drain();
    const res = await t.call.finance.get('/api/v1/incentives/problems');
    expect(res.statusCode).toBe(200);
    // 60% + 30% = 90%: each line's transaction is named, with the rule and the date
    const tx = (line: string) => `${ids.order}:${line}`;
    expect(res.json().data).toEqual(
      [ids.l1, ids.l2]
        .map((l) => tx(l as string))
        .sort()
        .map((txId) => ({ code: 'split_total', txId, ruleId: 'split', rule: 'split', date: '2026-03-05', message: 'split credits total 90%, not 100%; mark extra rows as overlay' })),
    );
    expect((await t.call.finance.get('/api/v1/incentives/problems?code=split_total')).json().data).toHaveLength(2);
    expect((await t.call.finance.get('/api/v1/incentives/problems?code=fx_missing')).json().data).toEqual([]);
    expect((await t.call.finance.get(`/api/v1/incentives/problems?txId=${encodeURIComponent(tx(ids.l1 as string))}`)).json().data).toHaveLength(1);
    const bad = await t.call.finance.get('/api/v1/incentives/problems?code=nope');
    expect([bad.statusCode, bad.json().error.details[0].path]).toEqual([400, '/code']);
    expect((await t.call.rep1.get('/api/v1/incentives/problems')).statusCode).toBe(403);
    // nothing is credited for the order meanwhile, and the run says so
    expect((await statement('rep1')).payout).toBe('0.00');
    const run = await t.call.finance.post('/api/v1/incentives/recalculate');
    expect(run.json().data.problems).toBe(2);
    await t.call.admin.patch(`/api/v1/objects/order_split/${ids.s2}`, { pct: '40' });
    await t.drain();
    expect((await t.call.finance.get('/api/v1/incentives/problems')).json().data).toEqual([]);
    expect((await statement('rep1')).payout).toBe('308.40');
  });

  it("deleting the order deletes its lines' transactions", async () => {
    expect((await t.call.admin.del(`/api/v1/objects/order/${ids.order}`)).statusCode).toBe(204);
    await t.drain();
    expect([(await statement('rep1')).payout, (await statement('rep2')).payout, (await statement('spec')).payout]).toEqual(['0.00', '0.00', '0.00']);
  });
});
