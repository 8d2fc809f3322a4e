// A statement line lists exactly what is behind it (issue #11 item 5): the trace's credit and record
// ids are the drill-down's, the drill-down's values add up to the line's measure, filtered credits
// (another product, a refund inside the clawback window) are not listed, records read by a points
// component are listed as records, and the statement's payout is the sum of its lines. Over HTTP.
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

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await coreTenant(app, store, 'trace');
  const admin = t.call.admin;
  ids.sw = (await admin.post('/api/v1/objects/product', { name: 'Suite', sku: 'SW1', category: 'software', list_price: '1000', unit_cost: '200' })).json().id;
  ids.hw = (await admin.post('/api/v1/objects/product', { name: 'Box', sku: 'HW1', category: 'hardware', list_price: '5000', unit_cost: '3000' })).json().id;
  ids.customer = (await t.call.rep1.post('/api/v1/objects/customer', { name: 'ACME' })).json().id;
  expect(
    (
      await admin.put('/api/v1/incentives/crediting-rules', {
        rules: [{ kind: 'crediting_rule', id: 'split', name: 'split', label: { en: 'Owner or split' }, effectiveFrom: '2020-01-01', type: 'split' }],
      })
    ).statusCode,
  ).toBe(200);
  const plan = {
    kind: 'incentive_plan',
    id: 'plan_t',
    name: 'plan_t',
    label: { en: 'Trace' },
    versions: [
      {
        version: 1,
        effectiveFrom: '2026-01-01',
        currency: 'USD',
        rounding: { scale: 2, mode: 'half_up' },
        clawback: { days: 30 },
        measures: [{ name: 'revenue', type: 'sum' }],
        components: [
          { name: 'commission', type: 'rate', measure: 'revenue', rate: '0.1' },
          { name: 'suite_spif', type: 'spif', perCredit: '100', filter: { products: [ids.sw] } },
          { name: 'visit_points', type: 'points', perCredit: '5', source: { object: 'visit', dateField: 'check_in_at', filter: 'outcome = "positive"' } },
        ],
      },
    ],
  };
  expect((await admin.put('/api/v1/incentives/plans/plan_t', plan)).statusCode).toBe(200);
  expect(
    (
      await admin.put('/api/v1/incentives/plans/plan_t/assignments', {
        assignments: [
          { payeeId: t.ids.rep1, from: '2026-01-01' },
          { payeeId: t.ids.rep2, from: '2026-01-01' },
        ],
      })
    ).statusCode,
  ).toBe(200);
  const rep = t.call.rep1;
  // Order 1: a Suite line and a Box line, split 70/30 with rep2.
  ids.o1 = (await rep.post('/api/v1/objects/order', { order_number: 'T-1', customer_id: ids.customer, order_date: '2026-03-05', status: 'booked', amount: '8000', currency: 'USD' })).json().id;
  await rep.post('/api/v1/objects/order_line', { order_id: ids.o1, product_id: ids.sw, quantity: '3', unit_price: '1000', amount: '3000' });
  await rep.post('/api/v1/objects/order_line', { order_id: ids.o1, product_id: ids.hw, quantity: '1', unit_price: '5000', amount: '5000' });
  await t.call.admin.post('/api/v1/objects/order_split', { order_id: ids.o1, payee_id: t.ids.rep1, pct: '70' });
  await t.call.admin.post('/api/v1/objects/order_split', { order_id: ids.o1, payee_id: t.ids.rep2, pct: '30' });
  // Order 2 was refunded 10 days after booking: inside the clawback window, so behind nothing.
  await rep.post('/api/v1/objects/order', {
    order_number: 'T-2',
    customer_id: ids.customer,
    order_date: '2026-03-10',
    status: 'refunded',
    reversal_date: '2026-03-20',
    amount: '999',
    currency: 'USD',
  });
  // Visits: two positive (5 points each), one negative (not counted).
  for (const outcome of ['positive', 'positive', 'negative']) await rep.post('/api/v1/objects/visit', { customer_id: ids.customer, check_in_at: '2026-03-12T09:00:00Z', outcome });
  await t.drain();
  expect((await t.call.finance.post('/api/v1/incentives/recalculate')).statusCode).toBe(200);
});
afterAll(async () => {
  await app.close();
  await store.close();
});

type Line = {
  key: string;
  component: string;
  amount: string;
  points: string;
  trace: { creditIds: string[]; sourceRecordIds: string[]; creditCount: number; measures: Record<string, { value: string }> };
};

describe('statement lines and their traces agree', () => {
  it('every line lists exactly the credits and records behind it, and they add up', async () => {
    const s = (await t.call.rep1.get(`/api/v1/incentives/statements/${t.ids.rep1}/${MAR}`)).json().data as { lines: Line[]; payouts: Array<{ payout: string; earned: string }> };
    const by = (c: string) => s.lines.find((l) => l.component === c)!;
    // revenue 70% × 8,000 = 5,600 → 560.00; Suite 70% × 100 = 70.00; visits 2 × 5 = 10 points
    expect([by('commission').amount, by('suite_spif').amount, by('visit_points').points]).toEqual(['560', '70', '10']);
    for (const line of s.lines) {
      const drill = (await t.call.rep1.get(`/api/v1/incentives/statements/${t.ids.rep1}/${MAR}/lines/${encodeURIComponent(line.key)}`)).json().data as {
        credits: Array<{ id: string; record_id: string; value: string }>;
        records: Array<{ id: string; value: string }>;
      };
      expect(line.trace.creditIds).toEqual(drill.credits.map((c) => c.id));
      expect(line.trace.creditCount).toBe(drill.credits.length + drill.records.length);
      expect(line.trace.sourceRecordIds.sort()).toEqual([...new Set([...drill.credits.map((c) => c.record_id), ...drill.records.map((r) => r.id)])].sort());
      const total = [...drill.credits, ...drill.records].reduce((a, c) => a + Number(c.value), 0);
      if (line.component === 'commission') expect(total).toBe(Number(line.trace.measures.revenue!.value));
      if (line.component === 'suite_spif') expect(total).toBe(Number(line.amount));
      if (line.component === 'visit_points') expect(total).toBe(Number(line.points));
    }
    // The commission's credits: the two lines of order 1 at 70%, not the refunded order.
    expect(by('commission').trace.creditCount).toBe(2);
    expect(by('commission').trace.sourceRecordIds).toEqual([ids.o1]);
    // The SPIF: only the Suite line.
    expect(by('suite_spif').trace.creditCount).toBe(1);
    // Points: the two positive visits, no credits.
    expect(by('visit_points').trace.creditIds).toEqual([]);
    expect(by('visit_points').trace.sourceRecordIds).toHaveLength(2);
    // The payout is the sum of the lines.
    const lines = s.lines.reduce((a, l) => a + Math.round(Number(l.amount) * 100), 0);
    expect(s.payouts.reduce((a, p) => a + Math.round(Number(p.payout) * 100), 0)).toBe(lines);
  });

  it('a statement read again serves the stored trace ids (no drill-down), and a change the feed recalculates shows at once', async () => {
    const url = `/api/v1/incentives/statements/${t.ids.rep1}/${MAR}`;
    const first = (await t.call.rep1.get(url)).json();
    const sql: string[] = [];
    const listener = (q: { sql: string }) => sql.push(q.sql);
    store.db.knex.on('query', listener);
    let again: unknown;
    try {
      again = (await t.call.rep1.get(url)).json();
    } finally {
      store.db.knex.off('query', listener);
    }
    expect(again).toEqual(first);
    expect(sql.filter((q) => /attain_incentives_(credits|docs)|"visit"/.test(q))).toEqual([]);
    // A third positive visit: its record event recalculates rep1, and the statement lists it with its drill-down.
    await t.call.rep1.post('/api/v1/objects/visit', { customer_id: ids.customer, check_in_at: '2026-03-13T09:00:00Z', outcome: 'positive' });
    await t.drain();
    const line = ((await t.call.rep1.get(url)).json().data.lines as Line[]).find((l) => l.component === 'visit_points')!;
    expect([line.points, line.trace.sourceRecordIds.length]).toEqual(['15', 3]);
    const drill = (await t.call.rep1.get(`${url}/lines/${encodeURIComponent(line.key)}`)).json().data as { records: Array<{ id: string }> };
    expect(line.trace.sourceRecordIds.sort()).toEqual(drill.records.map((r) => r.id).sort());
  });
});
