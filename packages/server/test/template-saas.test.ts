// The SaaS template installed on a fresh tenant through the operator API, its data loaded, and its
// KPIs and payouts checked against the hand arithmetic below (issue #14 item 5).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, login, testServer, type Caller } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

const TOKEN = 'operator-token-for-the-saas-template-test';
const saved = process.env.ATTAIN_OPERATOR_TOKEN;
let app: FastifyInstance;
let store: Store;
let admin: Caller;
let tenant: string;
let installMs: number;
const ids: Record<string, string> = {};

beforeAll(async () => {
  process.env.ATTAIN_OPERATOR_TOKEN = TOKEN;
  ({ app, store } = await testServer());
  tenant = `saas${process.pid}`;
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/operator/templates/saas/tenants',
    headers: { authorization: `Bearer ${TOKEN}` },
    payload: { name: tenant, adminEmail: 'admin@saas.example', adminName: 'SaaS Admin' },
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  const body = res.json() as { admin: { password: string }; ms: number };
  installMs = body.ms;
  admin = as(app, await login(app, tenant, 'admin@saas.example', body.admin.password));
  const users = (await admin.get('/api/v1/objects/user?limit=50')).json() as { data: Array<{ id: string; email: string }> };
  for (const u of users.data) ids[u.email.split('@')[0]!] = u.id;
}, 300_000);

afterAll(async () => {
  if (saved === undefined) delete process.env.ATTAIN_OPERATOR_TOKEN;
  else process.env.ATTAIN_OPERATOR_TOKEN = saved;
  await app.close();
  await store.close();
});

const pay = async (who: string, period: string) => {
  const res = await admin.get(`/api/v1/incentives/statements/${ids[who]}/${period}`);
  expect(res.statusCode).toBe(200);
  const data = res.json().data as { lines: Array<{ component: string; amount: string; kind: string }>; payouts: Array<{ earned: string; payout: string }> };
  return { lines: Object.fromEntries(data.lines.filter((l) => l.kind === 'earning' && l.amount !== '0').map((l) => [l.component, l.amount])), payout: data.payouts[0]?.payout };
};

describe('saas template', () => {
  it('installs with its people, units, records and the template recorded', async () => {
    console.log(`saas template install: ${installMs} ms`);
    expect(Object.keys(ids)).toEqual(expect.arrayContaining(['admin', 'zhang.wei', 'li.na', 'tom.chen', 'wang.fang', 'liu.yang']));
    const orders = (await admin.get('/api/v1/objects/order?count=true&limit=1')).json() as { total: number };
    expect(orders.total).toBe(13);
    const list = (await admin.get('/api/v1/templates')).json() as { installed: Array<{ name: string; version: string }>; data: Array<{ name: string }> };
    expect(list.installed).toEqual([expect.objectContaining({ name: 'saas', version: '1.0.0' })]);
    expect(list.data.map((t) => t.name)).toEqual(expect.arrayContaining(['demo', 'saas']));
  });

  it('KPIs: new ARR, expansion ARR and NRR by hand', async () => {
    const kpi = async (name: string, period: string, person: string) => {
      const res = await admin.get(`/api/v1/goals/attainment?kpi=${name}&period=${period}&person=${ids[person]}&asOf=2026-06-30`);
      expect(res.statusCode).toBe(200);
      return (res.json() as { data: Array<{ actual: number; target: number | null }> }).data[0]!;
    };
    // Li Na Q1 new: SO-1001 120,000 + SO-1002 100,000 (36 months, first-year ACV) = 220,000.
    expect((await kpi('new_arr', '2026-Q1', 'li.na')).actual).toBe(220000);
    // Tom Chen Q1 new: SO-1004 90,000; SO-1005 60,000 was refunded and does not count.
    expect((await kpi('new_arr', '2026-Q1', 'tom.chen')).actual).toBe(90000);
    // Tom Chen H1 expansion: SO-2004 25,000.
    expect((await kpi('expansion_arr', '2026', 'tom.chen')).actual).toBe(25000);
    // Li Na NRR over H1: (SO-1003 expansion 40,000 + SO-2002 renewal 110,000) / (0 + 100,000) = 1.5.
    expect((await kpi('nrr', '2026', 'li.na')).actual).toBeCloseTo(1.5, 6);
    // The approved target plan: 1,800,000, weights among siblings at each level: Sales → Enterprise 7,
    // Mid-Market 2 (the VP and the analyst 0); Enterprise → Li Na 4, Tom Chen 3.
    // Months are split evenly (150,000 each) and every month down the tree to the cent, the
    // remainder cent going to the largest fraction: Enterprise 116,666.67, Mid-Market 33,333.33;
    // Li Na 116,666.67 × 4/7 = 66,666.67, Tom Chen 50,000.00; Wang Fang 33,333.33.
    // Year: Li Na 12 × 66,666.67 = 800,000.04; Wang Fang 12 × 33,333.33 = 399,999.96.
    expect((await kpi('new_arr', '2026', 'li.na')).target).toBeCloseTo(800000.04, 6);
    expect((await kpi('new_arr', '2026', 'tom.chen')).target).toBeCloseTo(600000, 6);
    expect((await kpi('new_arr', '2026', 'wang.fang')).target).toBeCloseTo(399999.96, 6);
  });

  it('payouts by hand, quarter by quarter', async () => {
    // Li Na Q1: new 220,000 on a 200,000 quota: 200,000 × 10% + 20,000 × 15% = 23,000;
    // expansion 40,000 × 8% = 3,200. Total 26,200.
    expect(await pay('li.na', '2026-Q1')).toEqual({ lines: { new_business: '23000', expansion: '3200' }, payout: '26200' });
    // Li Na Q2: new 150,000 (24 months, paid on first-year ACV) on 200,000: 15,000; renewal 110,000 × 3% = 3,300.
    expect(await pay('li.na', '2026-Q2')).toEqual({ lines: { new_business: '15000', renewal: '3300' }, payout: '18300' });
    // Tom Chen Q1: new 90,000 (SO-1005 refunded 69 days after booking: clawed back) on 150,000: 9,000;
    // renewal 80,000 × 3% = 2,400. Total 11,400.
    expect(await pay('tom.chen', '2026-Q1')).toEqual({ lines: { new_business: '9000', renewal: '2400' }, payout: '11400' });
    // Tom Chen Q2: new 240,000 on 150,000 = 160%: 150,000 × 10% + 75,000 × 15% + 15,000 × 20%
    // = 15,000 + 11,250 + 3,000 = 29,250; expansion 25,000 × 8% = 2,000. Total 31,250.
    expect(await pay('tom.chen', '2026-Q2')).toEqual({ lines: { new_business: '29250', expansion: '2000' }, payout: '31250' });
    // Wang Fang: Q1 75,000 × 10% = 7,500; Q2 80,000 × 10% = 8,000.
    expect((await pay('wang.fang', '2026-Q1')).payout).toBe('7500');
    expect((await pay('wang.fang', '2026-Q2')).payout).toBe('8000');
    // Zhang Wei, 1% of the team's first-year ACV: Q1 (260,000 + 170,000 + 75,000) = 505,000 → 5,050;
    // Q2 (260,000 + 265,000 + 80,000) = 605,000 → 6,050.
    expect((await pay('zhang.wei', '2026-Q1')).payout).toBe('5050');
    expect((await pay('zhang.wei', '2026-Q2')).payout).toBe('6050');
  });
});
