// biome-ignore-all lint/suspicious/noExplicitAny: funnel answers are JSON read field by field in assertions
// The sales funnel (issue #15, item 4) through HTTP: deals moved through stages at known dates by two
// reps, the stage history kept from record events by the module's own job, and every figure checked
// against hand arithmetic written beside it; a rep sees only their own deals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Caller, TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';
import { AS_OF, setupFunnel } from './analytics-funnel-fixture.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;
let rep: Caller;

beforeAll(async () => {
  ({ app, store, t, admin, rep } = await setupFunnel());
}, 120_000);
afterAll(async () => {
  await app?.close();
  await store?.close();
});

const funnel = async (c: Caller, query: string) => {
  const res = await c.get(`/api/v1/analytics/funnel?object=deal&asOf=${AS_OF}${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
};
const stage = (f: any, name: string) => f.stages.find((s: any) => s.stage === name);

describe('funnel', () => {
  it('counts reached, conversion, drop-off and where deals are now, per stage', async () => {
    const data = await funnel(admin, '');
    expect(data.stages).toEqual({ open: ['lead', 'qualified', 'proposal'], won: ['won'], lost: ['lost'] });
    expect(data.asOf).toBe('2026-03-11T00:00:00.000Z');
    const f = data.total;
    // six deals; open now: a3 (qualified), b3 (lead); won: a1, b1; lost: a2, b2
    expect([f.records, f.open, f.won, f.lost]).toEqual([6, 2, 2, 2]);
    // furthest reached: a1 won, a2 qualified, a3 qualified, b1 won, b2 lead, b3 lead
    // lead: all 6; qualified: a1 a2 a3 b1 = 4; proposal: a1 b1 = 2; won: 2
    expect(f.stages.map((s: any) => [s.stage, s.kind, s.reached, s.current])).toEqual([
      ['lead', 'open', 6, 1],
      ['qualified', 'open', 4, 1],
      ['proposal', 'open', 2, 0],
      ['won', 'won', 2, 2],
      ['lost', 'lost', 2, 2],
    ]);
    // lead → qualified 4/6, qualified → proposal 2/4, proposal → won 2/2; to won: 2/6, 2/4, 2/2
    expect(stage(f, 'lead')).toMatchObject({ toNext: 0.6667, toWon: 0.3333, dropOff: 2, lostHere: 1 });
    expect(stage(f, 'qualified')).toMatchObject({ toNext: 0.5, toWon: 0.5, dropOff: 2, lostHere: 1 });
    expect(stage(f, 'proposal')).toMatchObject({ toNext: 1, toWon: 1, dropOff: 0, lostHere: 0 });
  });

  it('measures time in stage (completed stays) and the aging of open deals, in days', async () => {
    const f = (await funnel(admin, '')).total;
    // lead stays: a1 Jan 1→5 = 4, a2 Jan 10→20 = 10, a3 Feb 1→3 = 2, b1 Jan 15→17 = 2, b2 Feb 10→20 = 10 (to lost)
    // average 28 / 5 = 5.6, median of 2 2 4 10 10 = 4; b3 is still in lead since Mar 1: 10 days to Mar 11
    expect(stage(f, 'lead')).toMatchObject({ stays: 5, avgDays: 5.6, medianDays: 4, aging: { records: 1, avgDays: 10, maxDays: 10 } });
    // qualified stays: a1 Jan 5→11 = 6, a2 Jan 20→Feb 1 = 12, b1 Jan 17→25 = 8: average 26 / 3 = 8.67, median 8
    // a3 has been qualified since Feb 3: 25 days of February + 11 of March = 36
    expect(stage(f, 'qualified')).toMatchObject({ stays: 3, avgDays: 8.67, medianDays: 8, aging: { records: 1, avgDays: 36, maxDays: 36 } });
    // proposal: a1 Jan 11→21 = 10, b1 Jan 25→Feb 14 = 20: average and median 15; nobody in it now
    expect(stage(f, 'proposal')).toMatchObject({ stays: 2, avgDays: 15, medianDays: 15, aging: { records: 0, avgDays: null, maxDays: null } });
    expect(stage(f, 'won')).toMatchObject({ stays: 0, avgDays: null, aging: { records: 0 } });
  });

  it('gives win rate, average won amount, cycle length and velocity', async () => {
    const f = (await funnel(admin, '')).total;
    // won 2 of 4 closed = 0.5; won amounts (1000 + 2000) / 2 = 1500.00
    // cycle: a1 Jan 1→21 = 20 days, b1 Jan 15→Feb 14 = 30 days: 25; velocity 0.5 × 1500 / 25 = 30 a day
    expect(f).toMatchObject({ winRate: 0.5, avgWonAmount: '1500.00', avgCycleDays: 25, velocity: 30 });
  });

  it('groups by owner (labels from the users the caller may read) and by source', async () => {
    const byOwner = await funnel(admin, '&by=owner');
    expect(byOwner.by).toBe('owner_id');
    const of = (key: string) => byOwner.groups.find((g: any) => g.key === key);
    const east = of(t.users.repEast.id);
    const west = of(t.users.repWest.id);
    expect(byOwner.groups).toHaveLength(2);
    expect(east.label).toBe('RepEast');
    // RepEast: a1 won, a2 lost, a3 open; reached lead 3, qualified 3, proposal 1 (a1), won 1
    expect(east.funnel.stages.slice(0, 4).map((s: any) => s.reached)).toEqual([3, 3, 1, 1]);
    // qualified → proposal 1/3; win rate 1/2; won amount 1000.00 over 20 days: 0.5 × 1000 / 20 = 25
    expect(stage(east.funnel, 'qualified').toNext).toBe(0.3333);
    expect(east.funnel).toMatchObject({ records: 3, winRate: 0.5, avgWonAmount: '1000.00', avgCycleDays: 20, velocity: 25 });
    // RepWest: b1 won, b2 lost, b3 open; 0.5 × 2000 / 30 = 33.33
    expect(west.funnel.stages.slice(0, 4).map((s: any) => s.reached)).toEqual([3, 1, 1, 1]);
    expect(west.funnel).toMatchObject({ records: 3, winRate: 0.5, avgWonAmount: '2000.00', avgCycleDays: 30, velocity: 33.33 });
    // per owner time in stage: RepEast's lead stays 4, 10, 2 → 16 / 3 = 5.33
    expect(stage(east.funnel, 'lead')).toMatchObject({ stays: 3, avgDays: 5.33, medianDays: 4 });
    // the total is the same as without grouping
    expect(byOwner.total.records).toBe(6);

    // by team: the owners' org units now (RepEast in East 1, RepWest in West), titles as labels
    const byTeam = await funnel(admin, '&by=team');
    expect(byTeam.by).toBe('team');
    expect(byTeam.groups.map((g: any) => [g.key, g.label, g.funnel.records, g.funnel.velocity])).toEqual(
      [
        [t.orgUnits.east1, 'East 1', 3, 25],
        [t.orgUnits.west, 'West', 3, 33.33],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );

    // by the stage itself: each key's records are all in that stage now
    const byStage = await funnel(admin, '&by=stage');
    expect(byStage.groups.map((g: any) => [g.key, g.funnel.records])).toEqual([
      ['lead', 1],
      ['lost', 2],
      ['qualified', 1],
      ['won', 2],
    ]);
    // the two lost deals: a2 left lead after 10 days, b2 after 10: average 10
    expect(stage(byStage.groups[1].funnel, 'lead')).toMatchObject({ stays: 2, avgDays: 10 });

    const bySource = await funnel(admin, '&by=source');
    const src = (key: string) => bySource.groups.find((g: any) => g.key === key).funnel;
    // web: a1 (won), a3 (open), b1 (won): win rate 2/2; event: a2, b2 lost, b3 open: 0/2
    expect(src('web')).toMatchObject({ records: 3, won: 2, lost: 0, winRate: 1 });
    expect(src('event')).toMatchObject({ records: 3, won: 0, lost: 2, winRate: 0, avgWonAmount: null, velocity: null });
  });

  it('answers the cohort: deals created per month and the stage they are in now', async () => {
    const data = await funnel(admin, '&cohort=month');
    // January: a1 won, a2 lost, b1 won; February: a3 qualified, b2 lost; March: b3 lead
    expect(data.cohort).toEqual([
      { month: '2026-01', created: 3, stages: { won: 2, lost: 1 } },
      { month: '2026-02', created: 2, stages: { qualified: 1, lost: 1 } },
      { month: '2026-03', created: 1, stages: { lead: 1 } },
    ]);
    expect((await funnel(admin, '')).cohort).toBeNull();
  });

  it('counts only deals created in the period', async () => {
    const data = await funnel(admin, '&from=2026-02-01&to=2026-02-28');
    // a3 and b2: reached lead 2, qualified 1 (a3); b2 lost at lead
    expect(data.period).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(data.total).toMatchObject({ records: 2, open: 1, won: 0, lost: 1, winRate: 0 });
    expect(stage(data.total, 'lead')).toMatchObject({ reached: 2, toNext: 0.5, lostHere: 1 });
    // open ends: from February on (a3, b2, b3); up to January (a1, a2, b1)
    const since = await funnel(admin, '&from=2026-02-01');
    expect([since.period, since.total.records]).toEqual([{ from: '2026-02-01', to: null }, 3]);
    expect((await funnel(admin, '&to=2026-01-31')).total.records).toBe(3);
    // the calendar's ends
    expect((await funnel(admin, '&from=1900-01-01&to=9998-12-31')).total.records).toBe(6);
  });

  it('shows a rep only their own deals, as the list routes do', async () => {
    const data = await funnel(rep, '&by=owner&cohort=month');
    const listed = (await rep.get('/api/v1/objects/deal?limit=100')).json().data;
    expect(listed).toHaveLength(3);
    // RepEast's a1, a2, a3 only: the figures of the owner group above
    expect(data.total).toMatchObject({ records: 3, winRate: 0.5, avgWonAmount: '1000.00', velocity: 25 });
    expect(data.groups.map((g: any) => g.key)).toEqual([t.users.repEast.id]);
    expect(data.cohort).toEqual([
      { month: '2026-01', created: 2, stages: { won: 1, lost: 1 } },
      { month: '2026-02', created: 1, stages: { qualified: 1 } },
    ]);
    // a field hidden from reps is refused as a grouping
    const hidden = await rep.get('/api/v1/analytics/funnel?object=deal&by=margin');
    expect(hidden.statusCode).toBe(403);
    expect(hidden.json().error.code).toBe('field_hidden');
  });

  it('refuses bad questions with stable codes', async () => {
    const code = async (query: string) => {
      const res = await admin.get(`/api/v1/analytics/funnel?${query}`);
      return [res.statusCode, res.json().error.code, res.json().error.details?.[0]?.path];
    };
    expect(await code('object=customer')).toEqual([400, 'invalid_funnel', '/object']);
    expect(await code('object=nope')).toEqual([404, 'unknown_object', undefined]);
    expect(await code('object=deal&from=2026-02-30')).toEqual([400, 'invalid_funnel', '/from']);
    expect(await code('object=deal&from=2026-03-01&to=2026-02-01')).toEqual([400, 'invalid_funnel', '/from']);
    expect(await code('object=deal&by=nope')).toEqual([400, 'invalid_funnel', '/by']);
    expect(await code('object=deal&by=amount')).toEqual([400, 'invalid_funnel', '/by']);
    expect(await code('object=deal&by=toString')).toEqual([400, 'invalid_funnel', '/by']);
    expect(await code('object=deal&by=__proto__')).toEqual([400, 'invalid_funnel', '/by']);
    expect(await code('object=deal&asOf=2026-13-01')).toEqual([400, 'invalid_funnel', '/asOf']);
    expect(await code('object=deal&from=0001-01-01')).toEqual([400, 'invalid_funnel', '/from']);
    expect(await code('object=deal&to=9999-12-31')).toEqual([400, 'invalid_funnel', '/to']);
    expect((await admin.get('/api/v1/analytics/funnel?object=deal&cohort=week')).statusCode).toBe(400);
    expect((await admin.get('/api/v1/analytics/funnel')).statusCode).toBe(400);
  });
});
