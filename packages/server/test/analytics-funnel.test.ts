// biome-ignore-all lint/suspicious/noExplicitAny: funnel answers are JSON read field by field in assertions
// The sales funnel (issue #15, item 4) through HTTP: deals moved through stages at known dates by two
// reps, the stage history kept from record events by the module's own job, and every figure checked
// against hand arithmetic written beside it; a rep sees only their own deals.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { JobRunner } from '@attain/store';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import { baseDocs } from './fixtures/metadata.ts';
import type { Store } from '../src/store-port.ts';
import { applyStageEvent, funnelJobs } from '../src/modules/analytics/funnel-history.ts';
import { funnelTables } from '../src/modules/analytics/funnel-tables.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let runner: JobRunner;
let admin: Caller;
let rep: Caller;
const actor = { userId: null, label: 'test' };
const ids: Record<string, string> = {};

/** Deals with a five-stage funnel (lead → qualified → proposal → won, or lost) and a lead source. */
function docs(): unknown[] {
  const all = baseDocs() as Array<Record<string, any>>;
  const deal = all.find((d) => d.name === 'deal') as Record<string, any>;
  deal.schema.properties.stage = {
    type: 'string',
    enum: ['lead', 'qualified', 'proposal', 'won', 'lost'],
    default: 'lead',
    'x-attain': {
      id: 'fld_deal_stage',
      label: { en: 'Stage' },
      options: [{ value: 'lead' }, { value: 'qualified' }, { value: 'proposal' }, { value: 'won', won: true, closed: true }, { value: 'lost', closed: true }],
    },
  };
  deal.schema.properties.source = { type: 'string', enum: ['web', 'event'], 'x-attain': { id: 'fld_deal_source', label: { en: 'Source' } } };
  return all;
}

const ticket = {
  kind: 'object',
  id: 'obj_ticket',
  name: 'ticket',
  label: { en: 'Ticket' },
  pluralLabel: { en: 'Tickets' },
  'x-attain': { titleField: 'name' },
  schema: {
    type: 'object',
    required: ['name'],
    properties: {
      name: { type: 'string', maxLength: 100, 'x-attain': { id: 'fld_ticket_name' } },
      stage: {
        type: 'string',
        enum: ['new', 'done'],
        'x-attain': { id: 'fld_ticket_stage', options: [{ value: 'new' }, { value: 'done', won: true, closed: true }] },
      },
    },
  },
};

/** Runs one write at a known moment (created_at and the record event's time), then lets the funnel's job record it. */
async function at<T>(day: string, write: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(`${day}T00:00:00Z`));
  try {
    return await write();
  } finally {
    vi.useRealTimers();
    await runner.drain();
  }
}

// name, owner, source, amount, then the stage moves: [day, stage] (the first is the creation).
const DEALS: Array<[string, 'repEast' | 'repWest', 'web' | 'event', string, Array<[string, string]>]> = [
  [
    'a1',
    'repEast',
    'web',
    '1000.00',
    [
      ['2026-01-01', 'lead'],
      ['2026-01-05', 'qualified'],
      ['2026-01-11', 'proposal'],
      ['2026-01-21', 'won'],
    ],
  ],
  [
    'a2',
    'repEast',
    'event',
    '500.00',
    [
      ['2026-01-10', 'lead'],
      ['2026-01-20', 'qualified'],
      ['2026-02-01', 'lost'],
    ],
  ],
  [
    'a3',
    'repEast',
    'web',
    '300.00',
    [
      ['2026-02-01', 'lead'],
      ['2026-02-03', 'qualified'],
    ],
  ],
  [
    'b1',
    'repWest',
    'web',
    '2000.00',
    [
      ['2026-01-15', 'lead'],
      ['2026-01-17', 'qualified'],
      ['2026-01-25', 'proposal'],
      ['2026-02-14', 'won'],
    ],
  ],
  [
    'b2',
    'repWest',
    'event',
    '800.00',
    [
      ['2026-02-10', 'lead'],
      ['2026-02-20', 'lost'],
    ],
  ],
  ['b3', 'repWest', 'event', '100.00', [['2026-03-01', 'lead']]],
];
const AS_OF = '2026-03-11';

beforeAll(async () => {
  ({ app, store } = await testServer());
  const bg = funnelJobs({ store });
  for (const s of bg.subscriptions ?? []) store.events.subscribe(s);
  runner = new JobRunner(store.jobs, { handlers: bg.handlers, batch: 200 });
  t = await createTenant(store, 'fnl');
  // The metadata change reaches the funnel's job as a durable job too: it backfills deal and ticket
  // when it runs (after the tickets below are written, as a worker that was behind would).
  await store.metadata.apply(t.name, [...docs(), ticket], { actor });
  admin = as(app, await login(app, t.name, t.users.admin.email));
  rep = as(app, await login(app, t.name, t.users.repEast.email));
  const records = await store.records(t.name);
  // Tickets written before the funnel's job ever saw a ticket: the backfill records their stage now.
  ids.t1 = (await records.create('ticket', { name: 'T1', stage: 'new' }, actor)).id;
  await records.update('ticket', ids.t1, { stage: 'done' }, actor);
  ids.t2 = (await records.create('ticket', { name: 'T2', stage: 'new' }, actor)).id;
  await runner.drain();
  // Moves in date order across deals, each at its day.
  const moves = DEALS.flatMap(([name, owner, source, amount, steps]) => steps.map(([day, stage], i) => ({ name, owner, source, amount, day, stage, first: i === 0 })));
  moves.sort((x, y) => x.day.localeCompare(y.day));
  for (const m of moves) {
    await at(m.day, async () => {
      if (m.first) ids[m.name] = (await records.create('deal', { name: m.name, owner_id: t.users[m.owner].id, source: m.source, amount: m.amount, stage: m.stage }, actor)).id;
      else await records.update('deal', ids[m.name] as string, { stage: m.stage }, actor);
    });
  }
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
    expect((await admin.get('/api/v1/analytics/funnel?object=deal&cohort=week')).statusCode).toBe(400);
    expect((await admin.get('/api/v1/analytics/funnel')).statusCode).toBe(400);
  });
});

describe('stage history', () => {
  it('backfills records written before the module saw their object, at their created_at with their stage now', async () => {
    const res = await admin.get(`/api/v1/analytics/funnel?object=ticket&asOf=${AS_OF}`);
    expect(res.statusCode, res.body).toBe(200);
    const f = res.json().data.total;
    // T1 was created new and moved to done before the backfill: one row, done; T2 new
    expect([f.records, f.open, f.won]).toEqual([2, 1, 1]);
    expect(f.stages.map((s: any) => [s.stage, s.reached, s.stays])).toEqual([
      ['new', 2, 0],
      ['done', 1, 0],
    ]);
    const port = await store.port(t.name, funnelTables);
    const rows = await port.table('stage_change').where({ object: 'ticket' }).orderBy('record_id').select('event_id', 'to_stage', 'from_stage');
    expect(rows).toEqual([
      { event_id: `backfill:${ids.t1}`, to_stage: 'done', from_stage: null },
      { event_id: `backfill:${ids.t2}`, to_stage: 'new', from_stage: null },
    ]);
  });

  it('backfills an object as soon as a metadata change gives it a stage field', async () => {
    const port = await store.port(t.name, funnelTables);
    const claim = structuredClone(ticket) as Record<string, any>;
    Object.assign(claim, { id: 'obj_claim', name: 'claim', label: { en: 'Claim' }, pluralLabel: { en: 'Claims' } });
    claim.schema.properties.name['x-attain'].id = 'fld_claim_name';
    claim.schema.properties.stage['x-attain'].id = 'fld_claim_stage';
    await store.metadata.apply(t.name, [...docs(), ticket, claim], { actor });
    expect(await port.table('stage_object').where({ object: 'claim' }).first()).toBeUndefined();
    await runner.drain();
    // No claim was ever written: the metadata event alone brought it in, with its codes.
    expect(await port.table('stage_object').where({ object: 'claim' }).first()).toBeDefined();
    expect((await port.table('stage_code').where({ object: 'claim' }).orderBy('code').select('stage')).map((r: any) => r.stage)).toEqual(['new', 'done']);
  });

  it('records each event once, and keeps left_at in step when events come out of order', async () => {
    const port = await store.port(t.name, funnelTables);
    const o = (await store.registry(t.name)).object('ticket');
    if (!o) throw new Error('no ticket object');
    const event = (from: string, to: string, day: string, version: number) => ({
      tenant: t.name,
      object: 'ticket',
      recordId: ids.t2 as string,
      op: 'update' as const,
      before: { stage: from, version: version - 1 },
      after: { stage: to, version },
      actor,
      revision: null,
      at: `${day}T00:00:00.000Z`,
    });
    // T2 (backfilled at its creation, version 1) goes new → done → new; the later move arrives first.
    expect(await applyStageEvent(port, o, 'evt-2', event('done', 'new', '2099-01-09', 3))).toEqual({ recorded: 'new' });
    expect(await applyStageEvent(port, o, 'evt-1', event('new', 'done', '2099-01-05', 2))).toEqual({ recorded: 'done' });
    expect(await applyStageEvent(port, o, 'evt-1', event('new', 'done', '2099-01-05', 2))).toEqual({ skipped: 'already recorded' });
    const rows = await port.table('stage_change').where({ record_id: ids.t2 }).orderBy('at').select('to_stage', 'at', 'left_at');
    expect(rows.map((r: any) => [r.to_stage, r.left_at === null ? null : new Date(r.left_at).toISOString().slice(0, 10)])).toEqual([
      ['new', '2099-01-05'],
      ['done', '2099-01-09'],
      ['new', null],
    ]);
  });
});

describe('stage codes', () => {
  it('codes a stage value first seen after the backfill, and the summary follows the record', async () => {
    const port = await store.port(t.name, funnelTables);
    const o = (await store.registry(t.name)).object('ticket');
    if (!o) throw new Error('no ticket object');
    // T2 ends at "new" (version 3) in the test above; "waiting" is a value no ticket had when backfilled.
    const res = await applyStageEvent(port, o, 'evt-3', {
      tenant: t.name,
      object: 'ticket',
      recordId: ids.t2 as string,
      op: 'update',
      before: { stage: 'new', version: 3 },
      after: { stage: 'waiting', version: 4 },
      actor,
      revision: null,
      at: '2099-01-12T00:00:00.000Z',
    });
    expect(res).toEqual({ recorded: 'waiting' });
    const codes = await port.table('stage_code').where({ object: 'ticket' }).orderBy('code').select('stage', 'code');
    expect(codes).toEqual([
      { stage: 'new', code: 1 },
      { stage: 'done', code: 2 },
      { stage: 'waiting', code: 3 },
    ]);
    const summary = await port.table('stage_record').where({ object: 'ticket', record_id: ids.t2 }).first();
    // reached new (bit 1), done (bit 2), waiting (bit 4): 7; new left twice (creation → Jan 5, 2099 and
    // Jan 9 → 12), done once (Jan 5 → 9: 4 days), waiting not yet
    expect(Number(summary.reached)).toBe(7);
    expect(summary.cur_stage).toBe('waiting');
    expect(summary.stays).toEqual([2, 1, 0]);
    expect(summary.stay_days[1]).toBe(4);
  });
});
