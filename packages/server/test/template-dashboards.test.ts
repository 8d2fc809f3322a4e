// biome-ignore-all lint/suspicious/noExplicitAny: report answers are JSON of any shape, read field by field
// Every industry template ships dashboards (issue #15): a leader's (managers' Home), a rep's own and
// finance's. Installed on fresh tenants through the operator API, each dashboard answers every
// widget on the template's own sample data, and the leader's first card is the sum the list route
// gives for the same orders.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, login, testServer, type Caller } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

const TOKEN = 'operator-token-for-the-template-dashboards-test';
const saved = process.env.ATTAIN_OPERATOR_TOKEN;
const TEMPLATES = ['saas', 'fmcg', 'insurance'] as const;
let app: FastifyInstance;
let store: Store;
const admins: Record<string, Caller> = {};

beforeAll(async () => {
  process.env.ATTAIN_OPERATOR_TOKEN = TOKEN;
  ({ app, store } = await testServer());
  for (const t of TEMPLATES) {
    const tenant = `dash${t}${process.pid}`;
    const email = `admin@${t}.dash.example`;
    const res = await app.inject({ method: 'POST', url: `/api/v1/operator/templates/${t}/tenants`, headers: { authorization: `Bearer ${TOKEN}` }, payload: { name: tenant, adminEmail: email } });
    if (res.statusCode !== 201) throw new Error(res.body);
    admins[t] = as(app, await login(app, tenant, email, (res.json() as { admin: { password: string } }).admin.password));
  }
}, 300_000);

afterAll(async () => {
  if (saved === undefined) delete process.env.ATTAIN_OPERATOR_TOKEN;
  else process.env.ATTAIN_OPERATOR_TOKEN = saved;
  await app.close();
  await store.close();
});

describe.each(TEMPLATES)('the %s template’s dashboards', (t) => {
  it('ships a leader’s, a rep’s and a finance dashboard, each a role’s Home', async () => {
    const list = (await admins[t]!.get('/api/v1/analytics/dashboards')).json().data as Array<{ name: string }>;
    expect(list).toHaveLength(3);
    const docs = await Promise.all(list.map(async (d) => (await admins[t]!.get(`/api/v1/analytics/dashboards/${d.name}`)).json().data));
    expect(docs.flatMap((d: any) => d.defaultFor).sort()).toEqual(['finance', 'manager', 'rep']);
  });

  it('answers every widget on the sample data, the leader’s first card as the list route sums it', async () => {
    for (const d of (await admins[t]!.get('/api/v1/analytics/dashboards')).json().data as Array<{ name: string }>) {
      const res = await admins[t]!.post(`/api/v1/analytics/dashboards/${d.name}/run`, {});
      expect(res.statusCode, res.body).toBe(200);
      const widgets = res.json().data.widgets as Array<Record<string, any>>;
      for (const w of widgets) expect({ dashboard: d.name, widget: w.id, error: w.error }).toEqual({ dashboard: d.name, widget: w.id, error: null });
      // The sample data lies in the default period (January to June 2026): something to show.
      expect(widgets.some((w) => w.result.rows.length > 0 || Object.values(w.result.totals.values).some((v) => Number(v) > 0))).toBe(true);
    }
    const leader = `${t}_leader`;
    const first = (await admins[t]!.post(`/api/v1/analytics/dashboards/${leader}/run`, {})).json().data.widgets[0];
    const filter = encodeURIComponent(JSON.stringify({ status: { in: ['booked', 'invoiced', 'paid'] }, order_date: { between: ['2026-01-01', '2026-06-30'] } }));
    const orders = (await admins[t]!.get(`/api/v1/objects/order?filter=${filter}&limit=500`)).json().data as Array<{ amount: string }>;
    expect(Number(Object.values(first.result.totals.values)[0])).toBeCloseTo(
      orders.reduce((s, o) => s + Number(o.amount), 0),
      2,
    );
  });
});
