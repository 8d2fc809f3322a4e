// biome-ignore-all lint/suspicious/noExplicitAny: report answers are JSON of any shape, read field by field
// The demo template's shipped dashboards (issue #15): each role's Home is its own dashboard, every
// widget answers for every role it is shared with, each in that role's scope, and a rep's paid
// revenue card is the paid_revenue KPI's measure for the same month — by hand and through goals.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, login, PASSWORD, testServer, type Caller } from './helpers.ts';
import { hashPassword, readTemplateDir, SHIPPED_TEMPLATES_DIR } from '../src/index.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
const tenant = `demodash${process.pid}`;
const users: Record<string, { id: string; email: string }> = {};
const callers: Record<string, Caller> = {};
const tokens: Record<string, string> = {};
const actor = { userId: null, label: 'test' };
const AS_OF = '2026-03-20';

// owner, month day, amount, status: the hand arithmetic below reads from this table.
const ORDERS: Array<[string, string, string, string]> = [
  ['rep1', '2026-03-02', '1000.00', 'paid'],
  ['rep1', '2026-03-10', '250.50', 'paid'],
  ['rep1', '2026-03-12', '400.00', 'booked'],
  ['rep1', '2026-02-27', '999.00', 'paid'],
  ['rep2', '2026-03-05', '700.00', 'paid'],
  ['rep2', '2026-03-06', '80.00', 'cancelled'],
];

beforeAll(async () => {
  ({ app, store } = await testServer());
  await store.tenants.create(tenant);
  const demo = await readTemplateDir(join(SHIPPED_TEMPLATES_DIR, 'demo'));
  await store.metadata.apply(tenant, demo.documents, { actor });
  const records = await store.records(tenant);
  const root = await records.create('org_unit', { name: 'Company' }, actor);
  const east = await records.create('org_unit', { name: 'East', parent_id: root.id }, actor);
  const west = await records.create('org_unit', { name: 'West', parent_id: root.id }, actor);
  const hash = await hashPassword(PASSWORD, { N: 1024 });
  const mk = async (key: string, role: string, org: string, manager?: string) => {
    const email = `${key}@${tenant}.test`;
    const user = await records.create('user', { name: key, email, role, org_unit_id: org, ...(manager ? { manager_id: manager } : {}), active: true }, actor);
    await store.auth.upsertCredential({ tenant, userId: user.id, email, passwordHash: hash, active: true });
    users[key] = { id: user.id, email };
  };
  await mk('admin', 'admin', root.id);
  await mk('mgr', 'manager', east.id);
  await mk('rep1', 'rep', east.id, users.mgr?.id);
  await mk('rep2', 'rep', west.id);
  await mk('fin', 'finance', root.id);
  const customer = await records.create('customer', { name: 'Acme', region: 'East', province: '浙江省', owner_id: users.rep1?.id }, actor);
  let n = 0;
  for (const [owner, date, amount, status] of ORDERS) {
    await records.create('order', { order_number: `SO-${++n}`, customer_id: customer.id, order_date: date, amount, status, owner_id: users[owner]?.id }, actor);
  }
  await records.create('opportunity', { name: 'Acme upgrade', customer_id: customer.id, amount: '5000.00', close_date: '2026-03-25', stage: 'proposal', owner_id: users.rep1?.id }, actor);
  for (const key of Object.keys(users)) {
    tokens[key] = await login(app, tenant, users[key]!.email);
    callers[key] = as(app, tokens[key]);
  }
});
afterAll(async () => {
  await app.close();
  await store.close();
});

const run = async (who: string, name: string) => {
  const res = await callers[who]!.post(`/api/v1/analytics/dashboards/${name}/run`, { asOf: AS_OF });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data.widgets as Array<Record<string, any>>;
};
const total = (widgets: Array<Record<string, any>>, id: string) => {
  const w = widgets.find((x) => x.id === id)!;
  return Number(Object.values(w.result.totals.values)[0]);
};

describe('the demo template ships dashboards', () => {
  it("words a widget's labels in the language the client asks for, else the user's own", async () => {
    const runIn = async (locale?: string) => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/analytics/dashboards/sales_leader/run',
        headers: { authorization: `Bearer ${tokens.fin}`, ...(locale ? { 'x-attain-locale': locale } : {}) },
        payload: { asOf: AS_OF },
      });
      const widgets = res.json().data.widgets as Array<Record<string, any>>;
      const w = widgets.find((x) => x.id === 'by_province')!;
      // A pick-list key (the opportunity's stage) reads as its option's label in that language.
      const stages = widgets.find((x) => x.id === 'pipeline_by_stage')!.result.rows.map((r: any) => [r.keys[0], r.labels[0]]);
      return [w.result.groups[0].label, w.result.measures[0].label, stages];
    };
    expect(await runIn('zh-CN')).toEqual(['省份', '收入', [['proposal', '方案报价']]]);
    expect(await runIn('en')).toEqual(['Province', 'Revenue', [['proposal', 'Proposal']]]);
    // A language Attain does not speak is ignored: the profile's (none here: English).
    expect(await runIn('fr')).toEqual(['Province', 'Revenue', [['proposal', 'Proposal']]]);
    expect(await runIn()).toEqual(['Province', 'Revenue', [['proposal', 'Proposal']]]);
  });

  it("opens each role's own dashboard on Home", async () => {
    const home = async (who: string) => (await callers[who]!.get('/api/v1/analytics/dashboards/default')).json().data?.name;
    expect(await home('rep1')).toBe('my_sales');
    expect(await home('mgr')).toBe('sales_leader');
    expect(await home('fin')).toBe('finance');
    const all = (await callers.admin!.get('/api/v1/analytics/dashboards'))
      .json()
      .data.map((d: any) => d.name)
      .sort();
    expect(all).toEqual(['finance', 'my_sales', 'sales_leader']);
  });

  it('answers every widget for every role it is shared with', async () => {
    const shared: Record<string, string[]> = { my_sales: ['rep1', 'mgr', 'admin'], sales_leader: ['mgr', 'fin', 'admin'], finance: ['fin', 'admin'] };
    for (const [name, who] of Object.entries(shared)) {
      for (const w of who) {
        for (const widget of await run(w, name)) expect({ who: w, name, id: widget.id, error: widget.error }).toEqual({ who: w, name, id: widget.id, error: null });
      }
    }
  });

  it("a rep's paid revenue card is the paid_revenue KPI for the month: by hand, and through goals", async () => {
    const widgets = await run('rep1', 'my_sales');
    // rep1's paid orders in March 2026: 1000.00 + 250.50 (the February one and rep2's are not theirs or not this month).
    expect(total(widgets, 'paid')).toBe(1250.5);
    // booked, invoiced or paid in March: SO-1, SO-2, SO-3.
    expect(total(widgets, 'orders')).toBe(3);
    const measure = await callers.rep1!.get('/api/v1/goals/measure?kpi=paid_revenue&start=2026-03-01&end=2026-03-31');
    expect(measure.statusCode, measure.body).toBe(200);
    expect(JSON.stringify(measure.json().data)).toMatch(/1250\.5/);
  });

  it("scopes the leader's dashboard to the manager's team and finance's to the company", async () => {
    // The manager leads East: rep1's booked revenue this quarter, 1000.00 + 250.50 + 400.00 + 999.00 (February is in Q1).
    expect(total(await run('mgr', 'sales_leader'), 'revenue')).toBe(2649.5);
    // Finance sees everyone: that and rep2's 700.00 paid (the cancelled order is not revenue).
    expect(total(await run('fin', 'sales_leader'), 'revenue')).toBe(3349.5);
    // Paid this year across the company: 1000.00 + 250.50 + 999.00 + 700.00.
    expect(total(await run('fin', 'finance'), 'paid')).toBe(2949.5);
    expect(total(await run('fin', 'finance'), 'lost')).toBe(80);
  });

  it("colours the leader's province map from the customers' provinces, as the region bar sums them", async () => {
    const widgets = await run('fin', 'sales_leader');
    const map = widgets.find((w) => w.id === 'by_province')!;
    expect(map.chart).toBe('map');
    // Every order is Acme's, in 浙江省: the quarter's revenue, 2649.50 + 700.00, on one province.
    expect(map.result.rows.map((r: any) => [r.keys[0], r.values.revenue])).toEqual([['浙江省', '3349.50']]);
    const region = widgets.find((w) => w.id === 'by_region')!;
    expect(region.result.totals.values.revenue).toBe(map.result.totals.values.revenue);
    // The server's snapshot draws the map too (its shapes registered on the server's ECharts).
    const png = await callers.fin!.get(`/api/v1/analytics/dashboards/sales_leader/export?format=png&asOf=${AS_OF}`);
    expect(png.statusCode, png.body).toBe(200);
    expect(png.rawPayload.subarray(1, 4).toString()).toBe('PNG');
  });
});
