import { beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { JobRunner } from '@attain/store';
import { goalsBackground } from '@attain/engine';
import { addUser, as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

const wonRevenue = {
  kind: 'kpi',
  id: 'kpi_won',
  name: 'won_revenue',
  label: { en: 'Won revenue' },
  object: 'deal',
  measure: { aggregate: 'sum', value: 'amount', filter: 'stage = "won"' },
  dateField: 'close_date',
  unit: 'money',
};
const plan = { kind: 'target_plan', id: 'plan_2026', name: 'revenue_2026', label: { en: 'Revenue 2026' }, kpi: 'won_revenue', year: 2026, total: '1000000.01' };

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;
let rep: Caller;
let mgr: Caller;
let runner: JobRunner;

beforeAll(async () => {
  ({ app, store } = await testServer());
  const bg = goalsBackground(store as never);
  for (const s of bg.subscriptions ?? []) store.events.subscribe(s);
  runner = new JobRunner(store.jobs, { handlers: bg.handlers, batch: 200 });
  t = await createTenant(store, 'goals');
  admin = as(app, await login(app, t.name, t.users.admin.email));
  rep = as(app, await login(app, t.name, t.users.repEast.email));
  // A second admin submits what the first decides: nobody decides their own version.
  mgr = as(app, await login(app, t.name, (await addUser(store, t, 'Admin2', 'admin')).email));
});

describe('goals API', () => {
  it('adds a KPI and refuses one whose formula does not type-check, naming the field', async () => {
    const bad = await admin.put('/api/v1/goals/kpis/won_revenue', { ...wonRevenue, measure: { aggregate: 'sum', value: 'amount + stage' } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.code).toBe('kpi_invalid');
    expect(bad.json().error.details[0].path).toBe('/measure/value');
    const unknown = await admin.put('/api/v1/goals/kpis/won_revenue', { ...wonRevenue, measure: { aggregate: 'sum', value: 'amountt' } });
    expect(unknown.json().error.details[0]).toMatchObject({ path: '/measure/value', rule: 'formula' });
    const badDate = await admin.put('/api/v1/goals/kpis/won_revenue', { ...wonRevenue, dateField: 'name' });
    expect(badDate.json().error.details[0]).toMatchObject({ path: '/dateField' });
    expect((await admin.get('/api/v1/goals/kpis')).json().data).toEqual([]);
    expect((await rep.put('/api/v1/goals/kpis/won_revenue', wonRevenue)).statusCode).toBe(403);
    const ok = await admin.put('/api/v1/goals/kpis/won_revenue', wonRevenue);
    expect(ok.statusCode).toBe(200);
    const withPlan = await admin.post('/api/v1/metadata/apply', { documents: [{ ...plan, orgUnit: t.orgUnits.root }] });
    expect(withPlan.statusCode).toBe(200);
  });

  it('splits, saves, submits and approves a plan; reps see attainment and pacing', async () => {
    const preview = await admin.post('/api/v1/goals/plans/revenue_2026/preview', { locks: [{ node: t.users.repEast.id, month: '2026-01', value: '5000.00' }] });
    if (preview.statusCode !== 200) console.log('PREVIEW', preview.body);
    expect(preview.statusCode).toBe(200);
    const grid = preview.json();
    const top = grid.rows[0];
    expect(top.year).toBe('1000000.01');
    const repRow = grid.rows.find((r: { node: string }) => r.node === t.users.repEast.id);
    expect(repRow.cells[0]).toBe('5000.00');
    expect(repRow.locked[0]).toBe('5000.00');
    const saved = await admin.post('/api/v1/goals/plans/revenue_2026/versions', { locks: [{ node: t.users.repEast.id, month: '2026-01', value: '5000.00' }] });
    expect(saved.statusCode).toBe(200);
    const id = saved.json().version.id;
    expect((await admin.post(`/api/v1/goals/plans/revenue_2026/versions/${id}/approve`)).statusCode).toBe(409);
    expect((await mgr.post(`/api/v1/goals/plans/revenue_2026/versions/${id}/submit`)).json().status).toBe('submitted');
    expect((await rep.post(`/api/v1/goals/plans/revenue_2026/versions/${id}/approve`)).statusCode).toBe(403);
    expect((await admin.post(`/api/v1/goals/plans/revenue_2026/versions/${id}/approve`)).json().status).toBe('active');
    expect((await admin.post(`/api/v1/goals/plans/revenue_2026/versions/${id}/nope`)).statusCode).toBe(400);
    // Target plan saves and decisions are in the audit log: who, which version, its status after.
    const audit = (await admin.get('/api/v1/audit?object=target_plan_version')).json().data as Array<{
      action: string;
      recordId: string;
      actor: { userId: string };
      after: { status: string; version: number };
    }>;
    expect(audit.filter((e) => e.recordId === id).map((e) => [e.action, e.after.status])).toEqual([
      ['goals.target_plan.approve', 'active'],
      ['goals.target_plan.submit', 'submitted'],
      ['goals.target_plan.save', 'draft'],
    ]);
    expect(audit[0]?.actor.userId).toBe(t.users.admin.id);
    // Nobody decides their own version, admins included (issue #12, finding 5): without an approval
    // flow the admin decides through this API, but not a version they submitted themselves.
    const own = (await admin.post('/api/v1/goals/plans/revenue_2026/versions', {})).json().version.id as string;
    expect((await admin.post(`/api/v1/goals/plans/revenue_2026/versions/${own}/submit`)).json().status).toBe('submitted');
    for (const action of ['approve', 'reject']) {
      const self = await admin.post(`/api/v1/goals/plans/revenue_2026/versions/${own}/${action}`);
      expect(self.statusCode).toBe(403);
      expect(self.json().error.code).toBe('self_approval');
    }
    expect((await admin.get('/api/v1/goals/plans/revenue_2026/versions')).json().data.find((v: { id: string }) => v.id === own).status).toBe('submitted');
    // The approved version and the one its submitter could not decide.
    expect((await admin.get('/api/v1/goals/plans/revenue_2026/versions')).json().data).toHaveLength(2);

    const records = await store.records(t.name);
    await records.create('deal', { name: 'Big', amount: '2500.00', stage: 'won', close_date: '2026-01-10', owner_id: t.users.repEast.id }, { userId: null });
    await runner.drain();
    const mine = await rep.get('/api/v1/goals/attainment?kpi=won_revenue&period=2026-01&asOf=2026-01-16');
    expect(mine.statusCode).toBe(200);
    const row = mine.json().data[0];
    expect(row.actual).toBe(2500);
    expect(row.target).toBe(5000);
    expect(row.attainment).toBe(0.5);
    expect(row.pacing).toBeCloseTo(2500 / ((5000 * 16) / 31), 6);
    expect(row.projection).toBeCloseTo((2500 * 31) / 16, 6);
    const unit = await admin.get(`/api/v1/goals/attainment?kpi=won_revenue&period=2026&unit=${t.orgUnits.east}&asOf=2026-01-16`);
    expect(unit.json().data[0].actual).toBe(2500);
    const board = await admin.get(`/api/v1/goals/attainment?kpi=won_revenue&period=2026-Q1&team=${t.orgUnits.east1}&asOf=2026-01-16`);
    expect(
      board
        .json()
        .data.map((r: { rank: number }) => r.rank)
        .sort(),
    ).toEqual([1, 2]);
    expect((await rep.get(`/api/v1/goals/attainment?kpi=won_revenue&period=2026&person=${t.users.repWest.id}`)).statusCode).toBe(403);
    expect((await rep.get('/api/v1/goals/attainment?kpi=won_revenue')).statusCode).toBe(400);
    expect((await rep.get('/api/v1/goals/attainment?kpi=won_revenue&period=2026-W01')).statusCode).toBe(400);
    const live = await rep.get('/api/v1/goals/measure?kpi=won_revenue&start=2026-01-05&end=2026-01-12');
    expect(live.json().data[0].value).toBe(2500);
    const liveUnit = await admin.get(`/api/v1/goals/measure?kpi=won_revenue&start=2026-01-01&end=2026-02-01&unit=${t.orgUnits.root}`);
    expect(liveUnit.json().data[0].value).toBe(2500);
    expect((await admin.post('/api/v1/goals/recompute')).json().rows.won_revenue).toBeGreaterThan(0);
  });

  it('refuses bad split input with the cell named, and changes nothing', async () => {
    const count = async () => (await admin.get('/api/v1/goals/plans/revenue_2026/versions')).json().data.length;
    const before = await count();
    const neg = await admin.post('/api/v1/goals/plans/revenue_2026/versions', { method: 'weights', weights: { [t.users.repEast.id]: '-1' } });
    expect(neg.statusCode).toBe(422);
    expect(neg.json().error.details[0]).toMatchObject({ path: `/weights/${t.users.repEast.id}`, rule: 'negative_weight' });
    const zero = await admin.post('/api/v1/goals/plans/revenue_2026/versions', { method: 'weights', weights: { [t.orgUnits.east]: '0', [t.orgUnits.west]: '0' } });
    expect(zero.json().error.details[0].rule).toBe('zero_weights');
    const over = await admin.post('/api/v1/goals/plans/revenue_2026/versions', {
      locks: [
        { node: t.users.repEast.id, month: '2026-02', value: '90000' },
        { node: t.users.repEast2.id, month: '2026-02', value: '90000' },
      ],
    });
    expect(
      over
        .json()
        .error.details.map((d: { path: string }) => d.path)
        .sort(),
    ).toEqual([`/cells/${t.users.repEast.id}/2026-02`, `/cells/${t.users.repEast2.id}/2026-02`].sort());
    const text = await admin.post('/api/v1/goals/plans/revenue_2026/versions', { total: 'lots' });
    expect(text.json().error.details[0]).toMatchObject({ path: '/total' });
    expect((await admin.post('/api/v1/goals/plans/revenue_2026/versions', { method: 'magic' })).statusCode).toBe(400);
    expect((await admin.post('/api/v1/goals/plans/nope/preview', {})).statusCode).toBe(404);
    expect((await admin.post('/api/v1/goals/periods/2026-13/close')).statusCode).toBe(400);
    expect((await admin.post('/api/v1/goals/periods/2026-01/close')).statusCode).toBe(200);
    const closed = await admin.post('/api/v1/goals/plans/revenue_2026/versions', { total: '2000000.00' });
    expect(closed.statusCode).toBe(422);
    expect(closed.json().error.details[0]).toMatchObject({ rule: 'closed_period' });
    expect(closed.json().error.details[0].path).toMatch(/\/cells\/.+\/2026-01$/);
    const lockClosed = await admin.post('/api/v1/goals/plans/revenue_2026/versions', { locks: [{ node: t.users.repEast.id, month: '2026-01', value: '1.00' }] });
    expect(lockClosed.json().error.details[0]).toMatchObject({ path: `/cells/${t.users.repEast.id}/2026-01`, rule: 'closed_period' });
    expect(await count()).toBe(before);
  });

  it('imports back-dated moves and refuses a person in two units at once', async () => {
    const rows = [
      { user_id: t.users.repEast.id, org_unit_id: t.orgUnits.east1, valid_from: '2026-01-01' },
      { user_id: t.users.repEast.id, org_unit_id: t.orgUnits.west, valid_from: '2026-01-01' },
    ];
    const two = await admin.post('/api/v1/goals/org/import', { rows });
    expect(two.statusCode).toBe(422);
    expect(two.json().error.details[0]).toMatchObject({ path: '/rows/1/org_unit_id', rule: 'overlap' });
    const dry = await admin.post('/api/v1/goals/org/import', { rows: [{ user_id: t.users.repEast.id, org_unit_id: t.orgUnits.west, valid_from: '2026-01-05' }], dryRun: true });
    expect(dry.json().changes[0].after.at(-1).org_unit_id).toBe(t.orgUnits.west);
    const done = await admin.post('/api/v1/goals/org/import', { rows: [{ user_id: t.users.repEast.id, org_unit_id: t.orgUnits.west, valid_from: '2026-01-05' }] });
    expect(done.statusCode).toBe(200);
    const west = await admin.get(`/api/v1/goals/attainment?kpi=won_revenue&period=2026-01&unit=${t.orgUnits.west}`);
    expect(west.json().data[0].actual).toBe(2500);
    const east = await admin.get(`/api/v1/goals/attainment?kpi=won_revenue&period=2026-01&unit=${t.orgUnits.east}`);
    expect(east.json().data[0].actual).toBe(0);
    expect((await rep.post('/api/v1/goals/org/import', { rows: [] })).statusCode).toBe(403);
    expect((await admin.post('/api/v1/goals/org/import', { rows: 'x' })).statusCode).toBe(400);
  });
});
