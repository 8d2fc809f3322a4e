// biome-ignore-all lint/suspicious/noExplicitAny: report rows and fixture documents are JSON of any shape, read and compared whole
// Dashboards (issue #15, part 2) through HTTP: dashboards as metadata, shared by role with a default
// per role; every widget runs in the caller's own scope (the list routes' records), dashboard
// filters reach the widgets they fit, a widget over an object the caller cannot read is blank for
// them alone; bad filters are refused with stable codes; GraphQL answers the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import { baseDocs } from './fixtures/metadata.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;
let mgr: Caller;
let rep: Caller;
let finance: Caller;
const actor = { userId: null, label: 'test' };

function docs(): unknown[] {
  const all = baseDocs() as Array<Record<string, any>>;
  const deal = all.find((d) => d.name === 'deal') as Record<string, any>;
  deal.schema.properties.region = { type: 'string', enum: ['north', 'south', 'east', 'west'], 'x-attain': { id: 'fld_deal_region', label: { en: 'Region' } } };
  return all;
}

// owner, region, close date, amount, stage — the hand arithmetic below reads from this table.
const DEALS: Array<[string, 'repEast' | 'repEast2' | 'repWest', string, string, string, string]> = [
  ['d1', 'repEast', 'north', '2026-01-15', '100.10', 'won'],
  ['d2', 'repEast', 'north', '2026-02-10', '200.20', 'won'],
  ['d3', 'repEast', 'south', '2026-02-20', '50.00', 'lost'],
  ['d4', 'repEast', 'east', '2025-02-05', '300.00', 'won'],
  ['d5', 'repWest', 'west', '2026-01-31', '400.40', 'won'],
  ['d6', 'repWest', 'south', '2026-02-28', '25.25', 'open'],
  ['d7', 'repWest', 'north', '2025-01-10', '10.00', 'won'],
  ['d8', 'repEast2', 'east', '2026-03-01', '60.00', 'open'],
  ['d9', 'repEast2', 'west', '2026-02-14', '5.00', 'won'],
];
const Q1 = { from: '2026-01-01', to: '2026-03-31' };

const amountByRegion = {
  kind: 'analytics.report',
  id: 'rpt_amount_by_region',
  name: 'amount_by_region',
  label: { en: 'Amount by region' },
  object: 'deal',
  period: { field: 'close_date', range: 'this_quarter' },
  groups: [{ field: 'region' }],
  measures: [{ name: 'amount', op: 'sum', field: 'amount' }],
  chart: 'bar',
};

const leader = {
  kind: 'analytics.dashboard',
  id: 'dash_sales_leader',
  name: 'sales_leader',
  label: { en: 'Sales leader', 'zh-CN': '销售负责人' },
  filters: [
    { name: 'period', type: 'period', label: { en: 'Period' }, default: Q1 },
    { name: 'owner', type: 'field', field: 'owner_id' },
    { name: 'region', type: 'field', field: 'region' },
  ],
  widgets: [
    { id: 'by_region', report: 'amount_by_region', layout: { x: 0, y: 0, w: 6, h: 4 } },
    {
      id: 'by_stage',
      title: { en: 'Deals by stage' },
      chart: 'pie',
      question: { object: 'deal', groups: [{ field: 'stage' }], measures: [{ name: 'deals', op: 'count' }] },
      layout: { x: 6, y: 0, w: 6, h: 4 },
    },
    { id: 'units', title: { en: 'Org units' }, chart: 'kpi', question: { object: 'org_unit', measures: [{ name: 'units', op: 'count' }] }, layout: { x: 0, y: 4, w: 3, h: 2 } },
    {
      id: 'total',
      title: { en: 'Amount this period' },
      chart: 'gauge',
      target: '1000',
      question: { object: 'deal', period: { field: 'close_date', range: 'this_month' }, measures: [{ name: 'amount', op: 'sum', field: 'amount' }] },
      layout: { x: 3, y: 4, w: 3, h: 2 },
    },
  ],
  sharedWith: ['manager', 'rep'],
  defaultFor: ['manager'],
};
const financeBoard = {
  kind: 'analytics.dashboard',
  id: 'dash_finance',
  name: 'finance_only',
  label: { en: 'Finance' },
  widgets: [{ id: 'all', question: { object: 'deal', measures: [{ name: 'amount', op: 'sum', field: 'amount' }] }, layout: { x: 0, y: 0, w: 12, h: 3 } }],
  sharedWith: ['finance'],
  defaultFor: ['finance'],
};

const runAs = async (c: Caller, name: string, body: Record<string, unknown> = {}) => {
  const res = await c.post(`/api/v1/analytics/dashboards/${name}/run`, body);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data as { widgets: Array<Record<string, any>> };
};
const widget = (data: { widgets: Array<Record<string, any>> }, id: string) => data.widgets.find((w) => w.id === id) as Record<string, any>;
const rowsOf = (w: Record<string, any>) => w.result.rows.map((r: any) => [...r.keys, Number(Object.values(r.values)[0])]);

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'dash');
  await store.metadata.apply(t.name, [...docs(), amountByRegion, leader, financeBoard], { actor });
  const records = await store.records(t.name);
  for (const [name, owner, region, close, amount, stage] of DEALS) {
    await records.create('deal', { name, owner_id: t.users[owner].id, region, close_date: close, amount, stage }, actor);
  }
  admin = as(app, await login(app, t.name, t.users.admin.email));
  mgr = as(app, await login(app, t.name, t.users.mgrEast.email));
  rep = as(app, await login(app, t.name, t.users.repEast.email));
  finance = as(app, await login(app, t.name, t.users.finance.email));
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('dashboards as metadata', () => {
  it('lists what is shared with each role; a role sees its default; others get 404, not a hint', async () => {
    const names = async (c: Caller) => ((await c.get('/api/v1/analytics/dashboards')).json().data as Array<{ name: string }>).map((d) => d.name).sort();
    expect(await names(admin)).toEqual(['finance_only', 'sales_leader']);
    expect(await names(rep)).toEqual(['sales_leader']);
    expect(await names(finance)).toEqual(['finance_only']);
    expect((await mgr.get('/api/v1/analytics/dashboards/default')).json().data.name).toBe('sales_leader');
    expect((await finance.get('/api/v1/analytics/dashboards/default')).json().data.name).toBe('finance_only');
    expect((await rep.get('/api/v1/analytics/dashboards/default')).json().data).toBeNull();
    const hidden = await rep.get('/api/v1/analytics/dashboards/finance_only');
    expect(hidden.statusCode).toBe(404);
    expect((await rep.post('/api/v1/analytics/dashboards/finance_only/run', {})).statusCode).toBe(404);
    const doc = (await rep.get('/api/v1/analytics/dashboards/sales_leader')).json().data;
    expect(doc.widgets.map((w: any) => w.id)).toEqual(['by_region', 'by_stage', 'units', 'total']);
  });

  it('runs every widget with the default filters, each by hand arithmetic', async () => {
    const data = await runAs(admin, 'sales_leader', { asOf: '2026-02-15' });
    const byRegion = widget(data, 'by_region');
    // The period filter's default (Q1 2026) replaces the report's own "this quarter".
    expect(byRegion.applied).toEqual(['period']);
    expect(byRegion.chart).toBe('bar');
    expect(byRegion.result.period).toEqual(Q1);
    // east 60.00 (d8); north 100.10 + 200.20 (d1, d2); south 50.00 + 25.25 (d3, d6); west 400.40 + 5.00 (d5, d9)
    expect(rowsOf(byRegion)).toEqual([
      ['east', 60],
      ['north', 300.3],
      ['south', 75.25],
      ['west', 405.4],
    ]);
    // No period on this question: the period filter does not reach it; all nine deals by stage.
    const byStage = widget(data, 'by_stage');
    expect(byStage.applied).toEqual([]);
    expect(rowsOf(byStage)).toEqual([
      ['lost', 1],
      ['open', 2],
      ['won', 6],
    ]);
    // Org units: the harness tenant's root, east, east1 and west.
    expect(widget(data, 'units').result.totals.values.units).toBe(4);
    // The gauge's own "this month" is replaced by the period filter too: the Q1 total, 840.95, against its target.
    const total = widget(data, 'total');
    expect(total).toMatchObject({ chart: 'gauge', target: '1000', applied: ['period'] });
    expect(Number(total.result.totals.values.amount)).toBe(840.95);
  });

  it("runs in the caller's scope: a rep sees their own deals, and a widget over an unreadable object is blank for them alone", async () => {
    const data = await runAs(rep, 'sales_leader');
    // repEast's Q1 deals: d1 + d2 north, d3 south.
    expect(rowsOf(widget(data, 'by_region'))).toEqual([
      ['north', 300.3],
      ['south', 50],
    ]);
    // The same figures as the list route gives the rep for the same question.
    const list = (await rep.get(`/api/v1/objects/deal?filter=${encodeURIComponent(JSON.stringify({ close_date: { between: [Q1.from, Q1.to] } }))}&limit=100`)).json().data as Array<{ amount: string }>;
    expect(list.reduce((s, d) => s + Number(d.amount), 0)).toBeCloseTo(350.3, 2);
    const units = widget(data, 'units');
    expect(units.result).toBeNull();
    expect(units.error.code).toBe('forbidden');
    expect(widget(data, 'by_stage').error).toBeNull();
  });

  it('applies dashboard filters where they fit, and says which reached each widget', async () => {
    const data = await runAs(admin, 'sales_leader', { filters: { region: ['north', 'west'], owner: t.users.repEast.id, period: 'this_year' }, asOf: '2026-06-30' });
    // repEast in north or west in 2026: d1 + d2.
    expect(rowsOf(widget(data, 'by_region'))).toEqual([['north', 300.3]]);
    expect(widget(data, 'by_region').applied).toEqual(['period', 'owner', 'region']);
    // Deals by stage has no period: owner and region still apply (d1, d2 won; d4 is east).
    expect(rowsOf(widget(data, 'by_stage'))).toEqual([['won', 2]]);
    // Org units have neither field: no filter reaches them.
    expect(widget(data, 'units').applied).toEqual([]);
    expect(widget(data, 'units').result.totals.values.units).toBe(4);
  });

  it('refuses unknown filters and ill-typed values with stable codes', async () => {
    const unknown = await admin.post('/api/v1/analytics/dashboards/sales_leader/run', { filters: { colour: 'red' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatchObject({ code: 'unknown_filter', details: [{ path: '/filters/colour', rule: 'unknown_filter' }] });
    const period = await admin.post('/api/v1/analytics/dashboards/sales_leader/run', { filters: { period: 'banana' } });
    expect(period.statusCode).toBe(400);
    expect(period.json().error).toMatchObject({ code: 'invalid_filter', details: [{ path: '/filters/period', rule: 'period' }] });
    const owner = await admin.post('/api/v1/analytics/dashboards/sales_leader/run', { filters: { owner: { from: 'x', to: 'y' } } });
    expect(owner.statusCode).toBe(400);
    expect(owner.json().error.details[0]).toMatchObject({ path: '/filters/owner', rule: 'type' });
    const asOf = await admin.post('/api/v1/analytics/dashboards/sales_leader/run', { asOf: '2026-02-31' });
    expect(asOf.statusCode).toBe(400);
  });

  it('checks dashboards at plan time: unknown reports and roles, grid overflow', async () => {
    const bad = {
      ...leader,
      id: 'dash_bad',
      name: 'bad',
      widgets: [
        { id: 'a', report: 'no_such_report', layout: { x: 0, y: 0, w: 6, h: 2 } },
        { id: 'a', question: { object: 'deal', measures: [{ name: 'n', op: 'count' }] }, layout: { x: 8, y: 0, w: 6, h: 2 } },
      ],
      sharedWith: ['nobody'],
    };
    const res = await admin.post('/api/v1/metadata/plan', { documents: [bad] });
    expect(res.statusCode).toBe(422);
    const details = res.json().error.details as Array<{ path: string; rule: string }>;
    expect(details.map((d) => `${d.path} ${d.rule}`)).toEqual(
      expect.arrayContaining(['/widgets/0/report unknown_reference', '/widgets/1/id unique', '/widgets/1/layout grid', '/sharedWith/0 unknown_reference']),
    );
  });

  it('answers the same over GraphQL', async () => {
    const rest = await runAs(mgr, 'sales_leader', { filters: { region: 'north' } });
    const res = await mgr.post('/graphql', { query: 'query($f: JSON) { analyticsDashboard(name: "sales_leader", filters: $f) }', variables: { f: { region: 'north' } } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data.analyticsDashboard.widgets).toEqual(rest.widgets);
  });
});

describe('dashboards people build', () => {
  const built = {
    label: { en: 'East team' },
    filters: [{ name: 'region', type: 'field', field: 'region' }],
    widgets: [
      { id: 'by_region', report: 'amount_by_region', layout: { x: 0, y: 0, w: 6, h: 4 } },
      { id: 'count', chart: 'kpi', question: { object: 'deal', measures: [{ name: 'deals', op: 'count' }] }, layout: { x: 6, y: 0, w: 6, h: 2 } },
    ],
    team: true,
  };

  it("a manager builds one and shares it with the team: the team's reps see it in their own scope, others do not", async () => {
    const res = await mgr.post('/api/v1/analytics/dashboards', built);
    expect(res.statusCode, res.body).toBe(201);
    const name = res.json().data.name as string;
    expect(name).toMatch(/^u_[0-9a-f]{12}$/);
    expect(res.json().meta).toMatchObject({ source: 'user', team: true, version: 1 });
    const listed = (await rep.get('/api/v1/analytics/dashboards')).json().data.find((d: any) => d.name === name);
    expect(listed).toMatchObject({ source: 'user', mine: false, editable: false, team: true });
    // repEast's own deals: all four (the report's "this quarter" as of 2026-02-15 is Q1: d1, d2, d3).
    const data = await runAs(rep, name, { asOf: '2026-02-15' });
    expect(rowsOf(widget(data, 'by_region'))).toEqual([
      ['north', 300.3],
      ['south', 50],
    ]);
    expect(widget(data, 'count').result.totals.values.deals).toBe(4);
    // The manager's team: repEast's and repEast2's deals (d1–d4, d8, d9).
    expect(widget(await runAs(mgr, name, { asOf: '2026-02-15' }), 'count').result.totals.values.deals).toBe(6);
    // repWest is not in mgrEast's team: not listed, and 404 rather than a hint.
    const west = as(app, await login(app, t.name, t.users.repWest.email));
    expect(((await west.get('/api/v1/analytics/dashboards')).json().data as Array<{ name: string }>).map((d) => d.name)).not.toContain(name);
    expect((await west.post(`/api/v1/analytics/dashboards/${name}/run`, {})).statusCode).toBe(404);
  });

  it('checks what is built like metadata, lets only the owner or an admin change it, and audits every change', async () => {
    const bad = await rep.post('/api/v1/analytics/dashboards', {
      ...built,
      widgets: [{ id: 'x', question: { object: 'nothing', measures: [{ name: 'n', op: 'count' }] }, layout: { x: 0, y: 0, w: 4, h: 2 } }],
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error).toMatchObject({ code: 'dashboard_invalid', details: [{ path: '/widgets/0/question/object', rule: 'unknown_reference' }] });
    const shape = await rep.post('/api/v1/analytics/dashboards', { ...built, widgets: [{ id: 'x', layout: { x: 0, y: 0, w: 4, h: 2 } }] });
    expect(shape.statusCode).toBe(422);
    const roles = await rep.post('/api/v1/analytics/dashboards', { ...built, sharedWith: ['rep'] });
    expect(roles.statusCode).toBe(403);

    const name = (await mgr.post('/api/v1/analytics/dashboards', built)).json().data.name as string;
    expect((await rep.put(`/api/v1/analytics/dashboards/${name}`, { ...built, label: { en: 'Mine now' } })).statusCode).toBe(403);
    expect((await rep.del(`/api/v1/analytics/dashboards/${name}`)).statusCode).toBe(403);
    const changed = await mgr.put(`/api/v1/analytics/dashboards/${name}`, { ...built, label: { en: 'East team, v2' }, version: 1 });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().meta.version).toBe(2);
    const stale = await mgr.put(`/api/v1/analytics/dashboards/${name}`, { ...built, version: 1 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('conflict');
    expect((await admin.put('/api/v1/analytics/dashboards/sales_leader', built)).json().error.code).toBe('metadata_dashboard');
    expect((await mgr.del(`/api/v1/analytics/dashboards/${name}`)).statusCode).toBe(204);
    expect((await mgr.get(`/api/v1/analytics/dashboards/${name}`)).statusCode).toBe(404);

    const audit = (await admin.get('/api/v1/audit?object=analytics_dashboard&limit=50')).json().data as Array<{ action: string; after: any; before: any }>;
    const mineOnly = audit.filter((e) => (e.after ?? e.before)?.name === name).map((e) => e.action);
    expect(mineOnly.sort()).toEqual(['analytics.dashboard.create', 'analytics.dashboard.delete', 'analytics.dashboard.update']);
  });
});
