// The FMCG template installed on a fresh tenant through the operator API, its data loaded, and its
// KPIs, payouts and points checked against the hand arithmetic below (issue #14 item 5).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, login, testServer, type Caller } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

const TOKEN = 'operator-token-for-the-fmcg-template-test';
const saved = process.env.ATTAIN_OPERATOR_TOKEN;
let app: FastifyInstance;
let store: Store;
let admin: Caller;
let installMs: number;
const ids: Record<string, string> = {};

beforeAll(async () => {
  process.env.ATTAIN_OPERATOR_TOKEN = TOKEN;
  ({ app, store } = await testServer());
  const tenant = `fmcg${process.pid}`;
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/operator/templates/fmcg/tenants',
    headers: { authorization: `Bearer ${TOKEN}` },
    payload: { name: tenant, adminEmail: 'admin@fmcg.example' },
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  const body = res.json() as { admin: { password: string }; ms: number };
  installMs = body.ms;
  admin = as(app, await login(app, tenant, 'admin@fmcg.example', body.admin.password));
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

describe('fmcg template', () => {
  it('installs with its routes, audits and sell-out reports', async () => {
    console.log(`fmcg template install: ${installMs} ms`);
    const count = async (object: string) => ((await admin.get(`/api/v1/objects/${object}?count=true&limit=1`)).json() as { total: number }).total;
    // 3 reps × 6 months: 4 route stops and visits, 3 shelf audits and 1 sell-out report each month.
    expect(await count('visit')).toBe(72);
    expect(await count('route_stop')).toBe(72);
    expect(await count('shelf_audit')).toBe(54);
    expect(await count('sell_out')).toBe(18);
  });

  it('KPIs and monthly territory targets by hand', async () => {
    // 2,400,000 a year → 200,000 a month; 上海 3 : 杭州 1 → 150,000 and 50,000; the two Shanghai reps
    // share theirs equally: 75,000 each a month; 周强 has Hangzhou's 50,000.
    expect((await kpi('sell_in', '2026-01', 'zhao.lei')).target).toBe(75000);
    expect((await kpi('sell_in', '2026-01', 'zhou.qiang')).target).toBe(50000);
    // 赵磊 January sell-in: one order of 70,000; June: 60,000 + the new launch 6,000 = 66,000.
    expect((await kpi('sell_in', '2026-01', 'zhao.lei')).actual).toBe(70000);
    expect((await kpi('sell_in', '2026-06', 'zhao.lei')).actual).toBe(66000);
    // Sell-out: Hongda reported 80% of January's regular sell-in: 56,000.
    expect((await kpi('sell_out', '2026-01', 'zhao.lei')).actual).toBe(56000);
    // Four visits a month, the 26th never checked out: 3 completed; 3 audits, 2 with a photo.
    expect((await kpi('visits_done', '2026-03', 'sun.li')).actual).toBe(3);
    expect((await kpi('audits_with_photo', '2026-Q1', 'sun.li')).actual).toBe(6);
  });

  it('payouts and points by hand', async () => {
    // 赵磊 January: 70,000 on 75,000 = 93.3% ≥ 80%: 70,000 × 3% = 2,100. No new launch yet.
    // Points: 3 completed visits × 10 + 2 audits with a photo × 5 = 40.
    expect(await statement('zhao.lei', '2026-01')).toEqual({ lines: { sell_in_commission: '2100' }, payout: '2100', points: '40' });
    // 孙丽 January: 80,000 on 75,000: 75,000 × 3% + 5,000 × 5% = 2,250 + 250 = 2,500.
    expect(await statement('sun.li', '2026-01')).toMatchObject({ lines: { sell_in_commission: '2500' }, payout: '2500' });
    // 孙丽 March: 40,000 + 6,000 = 46,000 on 75,000 = 61% < 80%: no commission; the new-launch SPIF 50.
    expect(await statement('sun.li', '2026-03')).toMatchObject({ lines: { new_launch_spif: '50' }, payout: '50' });
    // 赵磊 June: 66,000 on 75,000 = 88%: 66,000 × 3% = 1,980; SPIF 50. Total 2,030.
    expect(await statement('zhao.lei', '2026-06')).toMatchObject({ lines: { sell_in_commission: '1980', new_launch_spif: '50' }, payout: '2030' });
    // 周强 May: 61,000 + 6,000 = 67,000 on 50,000 = 134%: 50,000 × 3% + 17,000 × 5% = 1,500 + 850 = 2,350; SPIF 50.
    expect(await statement('zhou.qiang', '2026-05')).toMatchObject({ lines: { sell_in_commission: '2350', new_launch_spif: '50' }, payout: '2400' });
    // 周强 June: 30,000 + 6,000 = 36,000 on 50,000 = 72% < 80%: only the SPIF 50.
    expect(await statement('zhou.qiang', '2026-06')).toMatchObject({ payout: '50', points: '40' });
  });
});
