// A split pays the whole to the cent: a 1,000,000.01 order split seven ways through the records
// API is credited and paid exactly 1,000,000.01 in total (largest remainder by share, one routine
// in JS and SQL), each payee within a cent of the exact share. Shares are kept exactly: a share
// with more decimals than the field keeps is refused, never rounded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { fromUnits, parseDecimal, unitsAt } from '@attain/meta';
import { testServer } from './helpers.ts';
import { coreTenant, type CoreTenant, type Person } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
const MAR = '2026-03';
let payees: string[] = [];
let orderId = '';

// Payouts come as decimal text without trailing zeros ("142857"); compare them as cents.
const cents = (text: string) => unitsAt(parseDecimal(text)!, 2);
const money = (text: string | undefined) => (text === undefined ? undefined : fromUnits(cents(text), 2));

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await coreTenant(app, store, 'monsplit');
  const admin = t.call.admin;
  const seventh = await admin.post('/api/v1/objects/user', { name: 'rep7', email: `rep7@${t.name}.test`, role: 'rep' });
  expect(seventh.statusCode).toBe(201);
  payees = [...(['rep1', 'rep2', 'spec', 'manager', 'finance', 'admin'] as Person[]).map((p) => t.ids[p]), seventh.json().id as string];
  const rules = [{ kind: 'crediting_rule', id: 'split', name: 'split', label: { en: 'Owner or split' }, effectiveFrom: '2020-01-01', type: 'split' }];
  expect((await admin.put('/api/v1/incentives/crediting-rules', { rules })).statusCode).toBe(200);
  // 100% of credited revenue, so each payout is exactly the payee's credit.
  const plan = {
    kind: 'incentive_plan',
    id: 'plan_all',
    name: 'plan_all',
    label: { en: 'All of it' },
    versions: [
      {
        version: 1,
        effectiveFrom: '2026-01-01',
        currency: 'USD',
        rounding: { scale: 2, mode: 'half_up' },
        measures: [{ name: 'revenue', type: 'sum', filter: { kinds: ['direct', 'split'] } }],
        components: [{ name: 'commission', type: 'rate', measure: 'revenue', rate: '1' }],
      },
    ],
  };
  expect((await admin.put('/api/v1/incentives/plans/plan_all', plan)).statusCode).toBe(200);
  expect((await admin.put('/api/v1/incentives/plans/plan_all/assignments', { assignments: payees.map((payeeId) => ({ payeeId, from: '2020-01-01' })) })).statusCode).toBe(200);
  const customer = (await admin.post('/api/v1/objects/customer', { name: 'ACME' })).json().id;
  const order = await admin.post('/api/v1/objects/order', { order_number: 'SO-7', customer_id: customer, order_date: '2026-03-05', status: 'booked', amount: '1000000.01', currency: 'USD' });
  expect(order.statusCode).toBe(201);
  orderId = order.json().id;
  await t.drain();
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('splitting money', () => {
  it('refuses a share with more decimals than the field keeps instead of rounding it', async () => {
    const res = await t.call.admin.post('/api/v1/objects/order_split', { order_id: orderId, payee_id: payees[0], pct: '14.28571' });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details).toEqual([expect.objectContaining({ path: '/pct', rule: 'scale' })]);
    const number = await t.call.admin.post('/api/v1/objects/order_split', { order_id: orderId, payee_id: payees[0], pct: 100 / 7 });
    expect(number.json().error.details).toEqual([expect.objectContaining({ path: '/pct', rule: 'scale' })]);
    expect((await t.call.admin.get(`/api/v1/objects/order_split?filter=${encodeURIComponent(JSON.stringify({ order_id: { eq: orderId } }))}&count=true`)).json().total).toBe(0);
  });

  it('a 7-way split of 1,000,000.01 pays exactly 1,000,000.01, each payee within a cent of the exact share', async () => {
    // 14.2858% + 6 × 14.2857% = 100%, kept exactly as entered
    const pcts = ['14.2858', ...Array(6).fill('14.2857')] as string[];
    for (const [i, pct] of pcts.entries()) {
      const res = await t.call.admin.post('/api/v1/objects/order_split', { order_id: orderId, payee_id: payees[i], pct });
      expect(res.statusCode).toBe(201);
      expect(res.json().pct).toBe(pct);
    }
    await t.drain();
    const paid = await t.call.finance.get(`/api/v1/incentives/payouts/${MAR}`);
    expect(paid.statusCode).toBe(200);
    const rows = paid.json().data as Array<{ payeeId: string; payout: string }>;
    const byPayee = new Map(rows.map((r) => [r.payeeId, r.payout]));
    const got = payees.map((p) => money(byPayee.get(p) ?? '0'));
    // 100,000,001 cents × 14.2858% = 14,285,800.14…; × 14.2857% = 14,285,700.14… each. Floors sum to
    // 100,000,000; the one cent left goes to the largest remainder (0.142858 > 0.142857).
    expect(got).toEqual(['142858.01', ...Array(6).fill('142857.00')]);
    expect(got.reduce((a, v) => a + cents(v!), 0n)).toBe(100000001n);
    // each within a cent of the exact share (cents × pct / 100, exactly)
    got.forEach((v, i) => {
      const exactTimes1e6 = 100000001n * BigInt(pcts[i]!.replace('.', '')); // cents × pct × 10^4 ÷ 100 → × 10^6 scale
      const diff = cents(v!) * 1000000n - exactTimes1e6;
      expect(diff < 0n ? -diff : diff).toBeLessThan(1000000n);
    });
    // the credits behind each statement line are those same cents
    let credited = 0n;
    for (const p of payees) {
      const s = (await t.call.finance.get(`/api/v1/incentives/statements/${p}/${MAR}`)).json().data as { lines: Array<{ key: string }> };
      const line = s.lines[0]!;
      const drill = (await t.call.finance.get(`/api/v1/incentives/statements/${p}/${MAR}/lines/${encodeURIComponent(line.key)}`)).json().data as { credits: Array<{ amount: string }> };
      for (const c of drill.credits) credited += cents(String(c.amount));
    }
    expect(credited).toBe(100000001n);
  });

  it('a full recalculation (the SQL crediting) gives the same cents', async () => {
    expect((await t.call.finance.post('/api/v1/incentives/recalculate')).statusCode).toBe(200);
    const rows = (await t.call.finance.get(`/api/v1/incentives/payouts/${MAR}`)).json().data as Array<{ payeeId: string; payout: string }>;
    const byPayee = new Map(rows.map((r) => [r.payeeId, r.payout]));
    expect(payees.map((p) => money(byPayee.get(p)))).toEqual(['142858.01', ...Array(6).fill('142857.00')]);
  });
});
