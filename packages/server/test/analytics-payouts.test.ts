// biome-ignore-all lint/suspicious/noExplicitAny: report, statement and dashboard answers are JSON read field by field
// Reports agree with the KPIs and the statements (issue #15), over REST only: orders booked by two
// reps across two months, the demo's paid_revenue KPI, a 5% commission plan run for both months.
// Revenue by month and rep from a report == hand arithmetic == GET /goals/measure == the
// statements' measure; payout cost from the `incentives.payout` dataset == Σ the statements'
// payouts == hand arithmetic; the finance dashboard's combo widget shows the same figures. A rep
// sees only their own payouts, a manager their team's, finance everyone's.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { JobRunner } from '@attain/store';
import { incentivesBackground } from '@attain/engine';
import { as, login, PASSWORD, testServer, type Caller } from './helpers.ts';
import { hashPassword, readTemplateDir, SHIPPED_TEMPLATES_DIR } from '../src/index.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let runner: JobRunner;
const tenant = `payouts${process.pid}`;
const ids: Record<string, string> = {};
const call: Record<string, Caller> = {};
const actor = { userId: null, label: 'test' };
const AS_OF = '2026-03-20';

// rep, order date, amount (all paid, in USD): the hand arithmetic below reads from this table.
const ORDERS: Array<[string, string, string]> = [
  ['rep1', '2026-02-03', '1000.00'],
  ['rep1', '2026-03-02', '1250.50'],
  ['rep1', '2026-03-10', '400.00'],
  ['rep2', '2026-02-14', '333.33'],
  ['rep2', '2026-03-05', '700.00'],
];
// Revenue per rep and month, by hand.
const REVENUE: Record<string, Record<string, string>> = {
  rep1: { '2026-02': '1000.00', '2026-03': '1650.50' },
  rep2: { '2026-02': '333.33', '2026-03': '700.00' },
};
// 5% of each, rounded half up to the cent per statement: 50.00, 82.525 → 82.53, 16.6665 → 16.67, 35.00.
const PAYOUT: Record<string, Record<string, string>> = {
  rep1: { '2026-02': '50.00', '2026-03': '82.53' },
  rep2: { '2026-02': '16.67', '2026-03': '35.00' },
};
const MONTHS = ['2026-02', '2026-03'];

const plan = {
  kind: 'incentive_plan',
  id: 'flat',
  name: 'flat',
  label: { en: 'Flat 5%' },
  versions: [
    {
      version: 1,
      effectiveFrom: '2026-01-01',
      currency: 'USD',
      frequency: 'monthly',
      rounding: { scale: 2, mode: 'half_up' },
      measures: [{ name: 'revenue', type: 'sum', field: 'amount', filter: { objects: ['order'] } }],
      components: [{ name: 'commission', type: 'rate', measure: 'revenue', rate: '0.05' }],
    },
  ],
};

beforeAll(async () => {
  ({ app, store } = await testServer());
  const bg = incentivesBackground(store as never);
  for (const s of bg.subscriptions ?? []) store.events.subscribe(s);
  runner = new JobRunner(store.jobs as never, { handlers: bg.handlers, batch: 200 });
  await store.tenants.create(tenant, { baseCurrency: 'USD' });
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
    ids[key] = user.id;
    call[key] = as(app, await login(app, tenant, email));
  };
  await mk('admin', 'admin', root.id);
  await mk('mgr', 'manager', east.id);
  await mk('rep1', 'rep', east.id, ids.mgr);
  await mk('rep2', 'rep', west.id);
  await mk('fin', 'finance', root.id);

  // Everything from here is a client's: crediting, the plan and who is on it, the orders, the run.
  const ok = async (p: Promise<LightMyRequestResponse>, status = 200) => {
    const res = await p;
    expect(res.statusCode, res.body).toBe(status);
    return res;
  };
  await ok(
    call.admin!.put('/api/v1/incentives/crediting-rules', { rules: [{ kind: 'crediting_rule', id: 'own', name: 'owner', label: { en: 'Owner' }, effectiveFrom: '2020-01-01', type: 'owner' }] }),
  );
  await ok(call.admin!.put('/api/v1/incentives/plans/flat', plan));
  await ok(call.admin!.put('/api/v1/incentives/plans/flat/assignments', { assignments: [ids.rep1, ids.rep2].map((payeeId) => ({ payeeId, from: '2026-01-01' })) }));
  const customers: Record<string, string> = {};
  for (const rep of ['rep1', 'rep2']) customers[rep] = (await ok(call[rep]!.post('/api/v1/objects/customer', { name: `Customer of ${rep}` }), 201)).json().id;
  let n = 0;
  for (const [rep, date, amount] of ORDERS) {
    await ok(call[rep]!.post('/api/v1/objects/order', { order_number: `PO-${++n}`, customer_id: customers[rep], order_date: date, amount, currency: 'USD', status: 'paid' }), 201);
  }
  await runner.drain();
  await ok(call.fin!.post('/api/v1/incentives/recalculate'));
});
afterAll(async () => {
  await app.close();
  await store.close();
});

const sum = (xs: string[]) => (xs.reduce((a, x) => a + Math.round(Number(x) * 100), 0) / 100).toFixed(2);
const cents = (v: unknown) => (v === null || v === undefined ? '0.00' : Number(v).toFixed(2));

async function query(who: string, report: Record<string, unknown>) {
  const res = await call[who]!.post('/api/v1/analytics/query', { report, asOf: AS_OF });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
}

const payoutByMonth = {
  object: 'incentives.payout',
  period: { field: 'period_end', range: 'this_year' },
  groups: [{ field: 'period_end', bucket: 'month' }],
  measures: [
    { name: 'payout', op: 'sum', field: 'payout' },
    { name: 'rows', op: 'count' },
  ],
};

describe('reports agree with KPIs and statements', () => {
  it('revenue by month and rep == hand arithmetic == the KPI (GET /goals/measure) == the statements’ measure', async () => {
    const report = await query('fin', {
      object: 'order',
      filter: { status: { eq: 'paid' } },
      period: { field: 'order_date', range: 'this_year' },
      groups: [{ field: 'owner_id' }, { field: 'order_date', bucket: 'month' }],
      measures: [{ name: 'revenue', op: 'sum', field: 'amount' }],
    });
    const byReport = new Map<string, string>(report.rows.map((r: any) => [`${r.keys[0]}|${r.keys[1]}`, cents(r.values.revenue)]));
    for (const rep of ['rep1', 'rep2']) {
      for (const month of MONTHS) {
        const hand = REVENUE[rep]![month]!;
        expect(byReport.get(`${ids[rep]}|${month}`)).toBe(hand);
        // The KPI for the rep and the month, as goals measures it (the rep asks for their own; `end` is exclusive).
        const next = month === '2026-02' ? '2026-03-01' : '2026-04-01';
        const kpi = await call[rep]!.get(`/api/v1/goals/measure?kpi=paid_revenue&start=${month}-01&end=${next}`);
        expect(kpi.statusCode, kpi.body).toBe(200);
        expect(kpi.json().data).toHaveLength(1);
        expect(cents(kpi.json().data[0].value)).toBe(hand);
        // The statement's commission line measured the same revenue.
        const s = await call[rep]!.get(`/api/v1/incentives/statements/${ids[rep]}/${month}`);
        expect(s.statusCode, s.body).toBe(200);
        const line = (s.json().data.lines as any[]).find((l) => l.component === 'commission');
        expect(cents(line.trace.measures.revenue.value)).toBe(hand);
      }
    }
    expect(cents(report.totals.values.revenue)).toBe(sum(ORDERS.map((o) => o[2])));
  });

  it('payout cost by month from the payout dataset == Σ the statements’ payouts == hand arithmetic', async () => {
    const answer = await query('fin', payoutByMonth);
    expect(answer.object).toBe('incentives.payout');
    for (const month of MONTHS) {
      const hand = sum(['rep1', 'rep2'].map((rep) => PAYOUT[rep]![month]!));
      const statements = await Promise.all(['rep1', 'rep2'].map(async (rep) => (await call.fin!.get(`/api/v1/incentives/statements/${ids[rep]}/${month}`)).json().data.payouts as any[]));
      const fromStatements = sum(statements.flat().map((p) => p.payout));
      const row = answer.rows.find((r: any) => r.keys[0] === month);
      expect({ month, report: cents(row?.values.payout), statements: fromStatements }).toEqual({ month, report: hand, statements: hand });
      expect(row.values.rows).toBe(2);
    }
    // Per payee and plan, with the payee's name as the label (finance may read users).
    const byPayee = await query('fin', { ...payoutByMonth, groups: [{ field: 'payee_id' }, { field: 'plan_id' }] });
    const rep1 = byPayee.rows.find((r: any) => r.keys[0] === ids.rep1);
    expect(rep1.labels).toEqual(['rep1', 'flat']);
    expect(cents(rep1.values.payout)).toBe(sum(Object.values(PAYOUT.rep1!)));
  });

  it("the finance dashboard's payout cost vs revenue widget shows the same figures", async () => {
    const res = await call.fin!.post('/api/v1/analytics/dashboards/finance/run', { asOf: AS_OF });
    expect(res.statusCode, res.body).toBe(200);
    const w = (res.json().data.widgets as any[]).find((x) => x.id === 'payout_vs_revenue');
    expect(w.chart).toBe('combo');
    expect(w.applied).toEqual(['period']);
    const revenue = new Map<string, string>(w.result.rows.map((r: any) => [r.keys[0], cents(r.values.revenue)]));
    const cost = w.series[0];
    expect(cost).toMatchObject({ id: 'payout_cost', object: 'incentives.payout', applied: ['period'], error: null });
    const payout = new Map<string, string>(cost.result.rows.map((r: any) => [r.keys[0], cents(r.values.payout)]));
    for (const month of MONTHS) {
      expect(revenue.get(month)).toBe(sum(['rep1', 'rep2'].map((rep) => REVENUE[rep]![month]!)));
      expect(payout.get(month)).toBe(sum(['rep1', 'rep2'].map((rep) => PAYOUT[rep]![month]!)));
    }
    // Payouts live in the incentives module's tables, which the change feed does not version: a
    // dashboard with a payout series is run afresh every time: it has no cache key at all.
    const again = await call.fin!.post('/api/v1/analytics/dashboards/finance/run', { asOf: AS_OF });
    expect(again.statusCode).toBe(200);
    expect(again.headers['x-attain-cache']).toBeUndefined();
  });
});

describe('payouts are scoped like the statements', () => {
  const totalOf = async (who: string) => cents((await query(who, payoutByMonth)).totals.values.payout);
  const everyone = () => sum(['rep1', 'rep2'].flatMap((rep) => Object.values(PAYOUT[rep]!)));

  it('a rep sees only their own payouts; their manager their team; finance and admins everyone', async () => {
    expect(await totalOf('rep1')).toBe(sum(Object.values(PAYOUT.rep1!)));
    expect(await totalOf('rep2')).toBe(sum(Object.values(PAYOUT.rep2!)));
    // The manager leads East: rep1 (and themselves, who has no payout).
    expect(await totalOf('mgr')).toBe(sum(Object.values(PAYOUT.rep1!)));
    expect(await totalOf('fin')).toBe(everyone());
    expect(await totalOf('admin')).toBe(everyone());
    // Grouped by payee, a rep's answer has one key: themselves.
    const byPayee = await query('rep2', { ...payoutByMonth, groups: [{ field: 'payee_id' }] });
    expect(byPayee.rows.map((r: any) => r.keys[0])).toEqual([ids.rep2]);
  });

  it('a saved report over the dataset is listed for everyone and runs in each caller’s scope', async () => {
    const report = { kind: 'analytics.report', id: 'rpt_payout_month', name: 'payout_month', label: { en: 'Payout cost by month' }, ...payoutByMonth };
    const broken = { ...report, id: 'rpt_bad', name: 'payout_bad', measures: [{ name: 'x', op: 'sum', field: 'nope' }] };
    const refused = await call.admin!.post('/api/v1/metadata/apply', { documents: [broken], mode: 'merge' });
    expect(refused.statusCode).toBe(422);
    expect(JSON.stringify(refused.json().error.details)).toContain('/measures/0/field');
    const applied = await call.admin!.post('/api/v1/metadata/apply', { documents: [report], mode: 'merge' });
    expect(applied.statusCode, applied.body).toBe(200);
    const listed = (await call.rep2!.get('/api/v1/analytics/reports')).json().data as any[];
    expect(listed.find((r) => r.name === 'payout_month')).toMatchObject({ object: 'incentives.payout' });
    const mine = await call.rep2!.get(`/api/v1/analytics/reports/payout_month/run?asOf=${AS_OF}`);
    expect(mine.statusCode, mine.body).toBe(200);
    expect(cents(mine.json().data.totals.values.payout)).toBe(sum(Object.values(PAYOUT.rep2!)));
  });

  it("a rep running the finance dashboard's widget, or the payout report, sees only their own", async () => {
    // The finance dashboard is not shared with reps: they cannot open it.
    expect((await call.rep1!.post('/api/v1/analytics/dashboards/finance/run', { asOf: AS_OF })).statusCode).toBe(404);
    // Its widget as a rep's own dashboard: their revenue and their payout cost only.
    const doc = (await call.admin!.get('/api/v1/analytics/dashboards/finance')).json().data;
    const widget = doc.widgets.find((x: any) => x.id === 'payout_vs_revenue');
    const built = await call.rep1!.post('/api/v1/analytics/dashboards', { label: { en: 'Mine' }, widgets: [widget] });
    expect(built.statusCode, built.body).toBe(201);
    const run = await call.rep1!.post(`/api/v1/analytics/dashboards/${built.json().data.name}/run`, { asOf: AS_OF });
    expect(run.statusCode, run.body).toBe(200);
    const w = run.json().data.widgets[0];
    for (const month of MONTHS) {
      expect(cents(w.result.rows.find((r: any) => r.keys[0] === month)?.values.revenue)).toBe(REVENUE.rep1![month]);
      expect(cents(w.series[0].result.rows.find((r: any) => r.keys[0] === month)?.values.payout)).toBe(PAYOUT.rep1![month]);
    }
  });
});

describe('questions over a dataset are checked like any report', () => {
  it('lists the datasets and their fields for anyone signed in', async () => {
    const res = await call.rep1!.get('/api/v1/analytics/datasets');
    expect(res.statusCode, res.body).toBe(200);
    const payout = (res.json().data as any[]).find((d) => d.name === 'incentives.payout');
    expect(payout.fields.map((f: any) => f.name)).toEqual(
      expect.arrayContaining(['payee_id', 'plan_id', 'period', 'period_start', 'period_end', 'status', 'currency', 'earned', 'adjustments', 'payout']),
    );
    expect(payout.fields.find((f: any) => f.name === 'payee_id')).toMatchObject({ storage: 'ref', ref: 'user' });
    expect(payout.fields.find((f: any) => f.name === 'status').values).toEqual(['open', 'calculated', 'approved', 'paid', 'closed']);
  });

  it('names the path and rule of a bad question', async () => {
    const bad = async (report: Record<string, unknown>) => {
      const res = await call.fin!.post('/api/v1/analytics/query', { report });
      return { status: res.statusCode, code: res.json().error?.code, details: res.json().error?.details };
    };
    expect(await bad({ ...payoutByMonth, measures: [{ name: 'x', op: 'sum', field: 'nope' }] })).toMatchObject({
      status: 400,
      code: 'invalid_report',
      details: [{ path: '/measures/0/field', rule: 'unknown_field' }],
    });
    expect(await bad({ ...payoutByMonth, groups: [{ field: 'plan_id', bucket: 'month' }] })).toMatchObject({ status: 400, details: [{ path: '/groups/0/bucket', rule: 'not_date' }] });
    expect(await bad({ ...payoutByMonth, measures: [{ name: 'x', op: 'sum', formula: 'payout * 2' }] })).toMatchObject({
      status: 400,
      details: [{ path: '/measures/0/formula', rule: 'not_supported' }],
    });
    expect(await bad({ ...payoutByMonth, period: { field: 'plan_id', range: 'this_year' } })).toMatchObject({ status: 400, details: [{ path: '/period/field', rule: 'date_field' }] });
    expect(await bad({ ...payoutByMonth, object: 'incentives.nothing' })).toMatchObject({ status: 404, code: 'unknown_object' });
    expect(await bad({ ...payoutByMonth, object: 'Incentives.payout' })).toMatchObject({ status: 400, code: 'invalid_body' });
    // Summing text is refused by the report code, as on an object.
    expect(await bad({ ...payoutByMonth, measures: [{ name: 'x', op: 'sum', field: 'currency' }] })).toMatchObject({ status: 400, details: [{ path: '/measures/0/field', rule: 'not_numeric' }] });
  });

  it('a saved dashboard over an unknown dataset is refused naming the widget path; a dataset cell cannot be drilled into', async () => {
    const res = await call.fin!.post('/api/v1/analytics/dashboards', {
      label: { en: 'Bad' },
      widgets: [{ id: 'w', layout: { x: 0, y: 0, w: 6, h: 2 }, question: { ...payoutByMonth, object: 'incentives.nope' } }],
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/widgets/0/question/object', rule: 'unknown_reference' })]));
    const drill = await call.fin!.post('/api/v1/analytics/drill', { report: payoutByMonth, cell: { keys: { 0: '2026-02' } } });
    expect(drill.statusCode).toBe(400);
    expect(drill.json().error.details[0]).toMatchObject({ path: '/object', rule: 'not_drillable' });
  });
});
