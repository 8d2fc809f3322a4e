// The goals routes the studio screens use besides the core API: reopening a saved version,
// bottom-up reconciliation, a rep's own rank, alert rules and each user's goal alerts.
import { beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { addUser, as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

const won = {
  kind: 'kpi',
  id: 'kpi_won_s',
  name: 'won_revenue',
  label: { en: 'Won revenue' },
  object: 'deal',
  measure: { aggregate: 'sum', value: 'amount', filter: 'stage = "won"' },
  dateField: 'close_date',
  unit: 'money',
};

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;
let mgr: Caller;
let rep: Caller;

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'goalsscr');
  admin = as(app, await login(app, t.name, t.users.admin.email));
  mgr = as(app, await login(app, t.name, t.users.mgrEast.email));
  rep = as(app, await login(app, t.name, t.users.repEast.email));
  expect((await admin.put('/api/v1/goals/kpis/won_revenue', won)).statusCode).toBe(200);
  const plan = { kind: 'target_plan', id: 'plan_s', name: 'east_2026', label: { en: 'East 2026' }, kpi: 'won_revenue', year: 2026, total: '12000', orgUnit: t.orgUnits.east1 };
  expect((await admin.post('/api/v1/metadata/apply', { documents: [plan] })).statusCode).toBe(200);
});

describe('goals routes for the screens', () => {
  it('reopens a saved version with its method and locks', async () => {
    const lock = { node: t.users.repEast.id, month: '2026-02', value: '700.00' };
    const saved = await admin.post('/api/v1/goals/plans/east_2026/versions', { method: 'equal', locks: [lock] });
    expect(saved.statusCode).toBe(200);
    const id = saved.json().version.id;
    const back = await mgr.get(`/api/v1/goals/plans/east_2026/versions/${id}`);
    expect(back.statusCode).toBe(200);
    expect(back.json().request).toEqual({ total: '12000.00', method: 'equal', weights: {}, locks: [lock] });
    expect((await mgr.get('/api/v1/goals/plans/east_2026/versions/nope')).statusCode).toBe(400);
    expect((await mgr.get('/api/v1/goals/plans/east_2026/versions/00000000-0000-0000-0000-000000000001')).statusCode).toBe(404);
    // A second admin submits; the first decides (nobody decides their own version).
    const admin2 = as(app, await login(app, t.name, (await addUser(store, t, 'Admin2', 'admin')).email));
    const sub = await admin2.post(`/api/v1/goals/plans/east_2026/versions/${id}/submit`);
    expect(sub.json().status, sub.body).toBe('submitted');
    expect((await admin.post(`/api/v1/goals/plans/east_2026/versions/${id}/approve`)).json().status).toBe('active');
  });

  it('reconciles bottom-up numbers against the top-down split, with the gap per row', async () => {
    const months = Array.from({ length: 12 }, () => '400.00');
    const res = await mgr.post('/api/v1/goals/plans/east_2026/reconcile', { bottomUp: { [t.users.repEast.id]: months, [t.users.repEast2.id]: months } });
    expect(res.statusCode).toBe(200);
    const top = res.json().data.find((r: { node: string }) => r.node === t.orgUnits.east1);
    expect(top.topDown[0]).toBe('1000.00');
    expect(top.bottomUp[0]).toBe('800.00');
    expect(top.gap[0]).toBe('200.00');
    expect(top.gapYear).toBe('2400.00');
    const bad = await mgr.post('/api/v1/goals/plans/east_2026/reconcile', { bottomUp: { [t.users.repEast.id]: ['x'] } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details[0].path).toBe(`/bottomUp/${t.users.repEast.id}`);
    const badCell = await mgr.post('/api/v1/goals/plans/east_2026/reconcile', { bottomUp: { [t.users.repEast.id]: [...months.slice(1), 'lots'] } });
    expect(badCell.json().error.details[0].path).toBe(`/bottomUp/${t.users.repEast.id}/2026-12`);
    expect((await mgr.post('/api/v1/goals/plans/east_2026/reconcile', { bottomUp: [] })).statusCode).toBe(400);
  });

  it("tells a rep their rank among their unit's people without their numbers", async () => {
    const records = await store.records(t.name);
    await records.create('deal', { name: 'D1', amount: '600.00', stage: 'won', close_date: '2026-03-03', owner_id: t.users.repEast.id }, { userId: null });
    await records.create('deal', { name: 'D2', amount: '900.00', stage: 'won', close_date: '2026-03-04', owner_id: t.users.repEast2.id }, { userId: null });
    await admin.post('/api/v1/goals/recompute');
    // Warm (the first request after the writes also catches up with the change feed), then counted.
    expect((await rep.get('/api/v1/goals/attainment?kpi=won_revenue&period=2026-03&asOf=2026-03-16')).statusCode).toBe(200);
    const sql: string[] = [];
    const listener = (q: { sql: string }) => sql.push(q.sql);
    store.db.knex.on('query', listener);
    let res: Awaited<ReturnType<Caller['get']>>;
    try {
      res = await rep.get('/api/v1/goals/attainment?kpi=won_revenue&period=2026-03&asOf=2026-03-16');
    } finally {
      store.db.knex.off('query', listener);
    }
    // The caller's unit with its people, their actuals, targets, the caller's name.
    expect(sql).toHaveLength(4);
    expect(res.json().myUnit).toBe(t.orgUnits.east1);
    expect(res.json().data).toHaveLength(1);
    expect(res.json().peers).toEqual({ rank: 2, of: 2 });
    const other = await mgr.get(`/api/v1/goals/attainment?kpi=won_revenue&period=2026-03&asOf=2026-03-16&person=${t.users.repEast.id}`);
    expect(other.json().peers).toBeNull();
    // One truth: the rep's own row (read with the unit's, for the rank) is the row their manager reads.
    expect(res.json().data).toEqual(other.json().data);
    expect(res.json().data[0]).toMatchObject({ subject: { kind: 'person', id: t.users.repEast.id, name: 'RepEast' }, actual: 600, rank: 1 });
  });

  it("reads a team board's sub-units, members and the viewer's unit in one query, and the board in five", async () => {
    const path = `/api/v1/goals/attainment?kpi=won_revenue&period=2026-03&asOf=2026-03-16&team=${t.orgUnits.east}`;
    expect((await mgr.get(path)).statusCode).toBe(200);
    const sql: string[] = [];
    const listener = (q: { sql: string }) => sql.push(q.sql);
    store.db.knex.on('query', listener);
    let res: Awaited<ReturnType<Caller['get']>>;
    try {
      res = await mgr.get(path);
    } finally {
      store.db.knex.off('query', listener);
    }
    // The unit's sub-unit first, then its members; the manager's own unit beside.
    expect(res.json().data.map((r: { subject: { kind: string; id: string; name: string } }) => [r.subject.kind, r.subject.id, r.subject.name])).toEqual([
      ['unit', t.orgUnits.east1, 'East 1'],
      ['person', t.users.mgrEast.id, 'MgrEast'],
    ]);
    expect(res.json().myUnit).toBe(t.orgUnits.east);
    // Team and viewer's unit, unit actuals, targets, people's actuals, names.
    expect(sql).toHaveLength(5);
    // A board of a unit with no sub-units: its members only; an admin outside it still gets their own unit.
    const east1 = (await admin.get(`/api/v1/goals/attainment?kpi=won_revenue&period=2026-03&asOf=2026-03-16&team=${t.orgUnits.east1}`)).json();
    expect(east1.data.map((r: { subject: { id: string } }) => r.subject.id).sort()).toEqual([t.users.repEast.id, t.users.repEast2.id].sort());
    expect(east1.myUnit).toBe(t.orgUnits.root);
  });

  it('keeps alert rules (admin only) and shows each user their goal alerts', async () => {
    expect((await rep.put('/api/v1/goals/alerts/rules/slow', { name: 'slow' })).statusCode).toBe(403);
    const bad = await admin.put('/api/v1/goals/alerts/rules/slow', { name: 'slow', kind: 'pacing_below', kpi: 'won_revenue', threshold: 99 });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details[0]).toMatchObject({ path: '/threshold', rule: 'range' });
    expect((await admin.put('/api/v1/goals/alerts/rules/slow', { name: 'other' })).statusCode).toBe(400);
    // Day 1 of every month counts, so the rule fires whenever the test runs.
    const ok = await admin.put('/api/v1/goals/alerts/rules/slow', { name: 'slow', kind: 'pacing_below', kpi: 'won_revenue', threshold: 5, fromDay: 1, pacing: 'linear' });
    expect(ok.statusCode).toBe(200);
    expect((await admin.get('/api/v1/goals/alerts/rules')).json().data.map((r: { name: string }) => r.name)).toEqual(['slow']);
    const run = await admin.post('/api/v1/goals/alerts/run');
    expect(run.statusCode).toBe(200);
    expect(run.json().evaluated).toBe(1);
    const notes = await rep.get('/api/v1/goals/notifications');
    expect(notes.statusCode).toBe(200);
    const mine = notes.json();
    if (run.json().fired.some((f: { subject: string }) => f.subject === t.users.repEast.id)) {
      expect(mine.data[0]).toMatchObject({ kind: 'pacing_below', rule: 'slow', subject_id: t.users.repEast.id });
      expect((await mgr.get('/api/v1/goals/notifications')).json().data.some((n: { subject_id: string }) => n.subject_id === t.users.repEast.id)).toBe(true);
    }
    expect((await rep.post('/api/v1/goals/notifications/read', { ids: 'all' })).json().read).toBe(mine.unread);
    expect((await rep.post('/api/v1/goals/notifications/read', { ids: 5 })).statusCode).toBe(400);
    expect((await rep.del('/api/v1/goals/alerts/rules/slow')).statusCode).toBe(403);
    expect((await admin.del('/api/v1/goals/alerts/rules/slow')).statusCode).toBe(204);
    expect((await admin.del('/api/v1/goals/alerts/rules/slow')).statusCode).toBe(404);
    expect((await admin.get('/api/v1/goals/alerts/rules')).json().data).toEqual([]);
  });
});
