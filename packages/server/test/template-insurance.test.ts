// The insurance template installed on a fresh tenant through the operator API, its data loaded, and its
// KPIs and commissions checked against the hand arithmetic below (issue #14 item 5).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, login, testServer, type Caller } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

const TOKEN = 'operator-token-for-the-insurance-template-test-1';
const saved = process.env.ATTAIN_OPERATOR_TOKEN;
let app: FastifyInstance;
let store: Store;
let admin: Caller;
let installMs: number;
const ids: Record<string, string> = {};

beforeAll(async () => {
  process.env.ATTAIN_OPERATOR_TOKEN = TOKEN;
  ({ app, store } = await testServer());
  const tenant = `insurance${process.pid}`;
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/operator/templates/insurance/tenants',
    headers: { authorization: `Bearer ${TOKEN}` },
    payload: { name: tenant, adminEmail: 'admin@ins.example' },
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  const body = res.json() as { admin: { password: string }; ms: number };
  installMs = body.ms;
  admin = as(app, await login(app, tenant, 'admin@ins.example', body.admin.password));
  for (const u of ((await admin.get('/api/v1/objects/user?limit=50')).json() as { data: Array<{ id: string; email: string }> }).data) ids[u.email.split('@')[0]!] = u.id;
}, 300_000);

afterAll(async () => {
  if (saved === undefined) delete process.env.ATTAIN_OPERATOR_TOKEN;
  else process.env.ATTAIN_OPERATOR_TOKEN = saved;
  await app.close();
  await store.close();
});

const statement = async (who: string, period: string) => {
  const res = await admin.get(`/api/v1/incentives/statements/${ids[who]}/${period}`);
  if (res.statusCode === 404) return { lines: {}, payout: undefined, points: undefined };
  expect(res.statusCode).toBe(200);
  const data = res.json().data as { lines: Array<{ component: string; amount: string; kind: string }>; payouts: Array<{ payout: string; points: string }> };
  return {
    lines: Object.fromEntries(data.lines.filter((l) => l.kind === 'earning' && l.amount !== '0').map((l) => [l.component, l.amount])),
    payout: data.payouts[0]?.payout,
    points: data.payouts[0]?.points,
  };
};
const kpi = async (name: string, period: string, person: string) => {
  const res = await admin.get(`/api/v1/goals/attainment?kpi=${name}&period=${period}&person=${ids[person]}&asOf=2026-06-30`);
  expect(res.statusCode).toBe(200);
  return (res.json() as { data: Array<{ actual: number; target: number | null }> }).data[0]!;
};

describe('insurance template', () => {
  it('installs with its agency hierarchy, licences and policies', async () => {
    console.log(`insurance template install: ${installMs} ms`);
    const orders = (await admin.get('/api/v1/objects/order?count=true&limit=1')).json() as { total: number };
    expect(orders.total).toBe(10);
    const gao = (await admin.get(`/api/v1/objects/user/${ids['gao.yuan']}`)).json() as { licence_to: string };
    expect(gao.licence_to).toBe('2026-02-28');
  });

  it('KPIs by hand', async () => {
    // 何丽 first-year premium in H1: P-001 12,000 + P-002 20,000 + P-005 9,000 = 41,000;
    // P-004 (15,000) lapsed 2 months after issue and does not count.
    expect((await kpi('first_year_premium', '2026', 'he.li')).actual).toBe(41000);
    // 13-month persistency: 41,000 in force over 56,000 written = 0.7321…
    expect((await kpi('persistency', '2026', 'he.li')).actual).toBeCloseTo(41000 / 56000, 6);
    expect((await kpi('renewal_premium', '2026-Q1', 'xu.bin')).actual).toBe(10000);
    // Targets: 1,200,000 → 100,000 a month; Unit 1 2 : Unit 2 1 → 二部 33,333.33 a month, all 高远's.
    expect((await kpi('first_year_premium', '2026-01', 'gao.yuan')).target).toBeCloseTo(33333.33, 6);
  });

  it('agent commission: first-year 30%, renewal 5%, lapses and licences by hand', async () => {
    // 何丽 January: P-001 12,000 × 30% = 3,600.
    expect(await statement('he.li', '2026-01')).toMatchObject({ lines: { first_year: '3600' }, payout: '3600' });
    // 何丽 March: renewal P-003 8,000 × 5% = 400.
    expect(await statement('he.li', '2026-03')).toMatchObject({ lines: { renewal: '400' }, payout: '400' });
    // 何丽 April: P-004 lapsed within 13 months: no first-year commission.
    expect((await statement('he.li', '2026-04')).lines).toEqual({});
    // 许斌 January: P-101 30,000 × 30% = 9,000.
    expect((await statement('xu.bin', '2026-01')).payout).toBe('9000');
    // 高远 January, licensed: P-201 10,000 × 30% = 3,000; March, licence expired 2026-02-28: P-202 earns nothing.
    expect((await statement('gao.yuan', '2026-01')).payout).toBe('3000');
    expect((await statement('gao.yuan', '2026-03')).lines).toEqual({});
  });

  it('overrides three levels up by hand', async () => {
    // January first-year premium: 一部 (何丽 12,000 + 许斌 30,000) = 42,000; 二部 (高远) 10,000.
    // 郑洁 (level 1 of 一部): 42,000 × 5% = 2,100; 马骏 (level 1 of 二部): 10,000 × 5% = 500;
    // 林峰 (level 2): 52,000 × 60% × 5% = 1,560; 黄海 (level 3): 52,000 × 20% × 5% = 520.
    expect((await statement('zheng.jie', '2026-01')).payout).toBe('2100');
    expect((await statement('ma.jun', '2026-01')).payout).toBe('500');
    expect((await statement('lin.feng', '2026-01')).payout).toBe('1560');
    expect((await statement('huang.hai', '2026-01')).payout).toBe('520');
    // April: P-004 (15,000) lapsed 71 days after issue, inside the 395-day clawback: no override on it.
    expect((await statement('zheng.jie', '2026-04')).lines).toEqual({});
    // March: only P-202 16,000 (二部) is first-year: 马骏 800, 林峰 480, 黄海 160; renewals carry no override.
    expect((await statement('ma.jun', '2026-03')).payout).toBe('800');
    expect((await statement('lin.feng', '2026-03')).payout).toBe('480');
    expect((await statement('huang.hai', '2026-03')).payout).toBe('160');
    expect((await statement('zheng.jie', '2026-03')).lines).toEqual({});
  });
});
