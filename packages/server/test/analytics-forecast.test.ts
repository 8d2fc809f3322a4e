// biome-ignore-all lint/suspicious/noExplicitAny: route answers are JSON, read field by field in assertions
// The sales forecast (issue #15, item 5) through HTTP: categories from stages (and a tenant's own
// map), weighted pipeline by probability and by win rate, run-rate and seasonal projections, rep
// submissions kept as history, a manager's team roll-up and override, weekly snapshots by the job,
// and accuracy for a quarter that is over. The hand arithmetic sits beside every figure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { JobRunner } from '@attain/store';
import { addUser, as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import { baseDocs } from './fixtures/metadata.ts';
import type { Store } from '../src/store-port.ts';
import { forecastBackground, scheduleSnapshot } from '../src/modules/analytics/forecast-jobs.ts';
import { addSubmission } from '../src/modules/analytics/forecast-store.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;
let mgr: Caller;
let repA: Caller;
let repB: Caller;
let repW: Caller;
let auditor: Caller;
const actor = { userId: null, label: 'test' };

const option = (value: string, probability: number, extra: Record<string, boolean> = {}) => ({ value, label: { en: value }, probability, ...extra });
const opportunityDoc = {
  kind: 'object',
  id: 'obj_opportunity',
  name: 'opportunity',
  label: { en: 'Opportunity' },
  schema: {
    type: 'object',
    required: ['name', 'amount', 'close_date'],
    properties: {
      name: { type: 'string', maxLength: 200, 'x-attain': { id: 'fld_opp_name' } },
      amount: { type: 'number', minimum: 0, 'x-attain': { id: 'fld_opp_amount', storage: 'money' } },
      stage: {
        type: 'string',
        enum: ['prospecting', 'qualification', 'proposal', 'negotiation', 'closed_won', 'closed_lost'],
        'x-attain': {
          id: 'fld_opp_stage',
          options: [
            option('prospecting', 0.1),
            option('qualification', 0.2),
            option('proposal', 0.5),
            option('negotiation', 0.7),
            option('closed_won', 1, { closed: true, won: true }),
            option('closed_lost', 0, { closed: true, won: false }),
          ],
        },
      },
      close_date: { type: 'string', format: 'date', 'x-attain': { id: 'fld_opp_close_date' } },
      probability: { type: 'number', minimum: 0, maximum: 1, 'x-attain': { id: 'fld_opp_probability', storage: 'percent' } },
      // An explicit category wins over the stage's when set.
      forecast_category: { type: 'string', enum: ['pipeline', 'best_case', 'commit', 'closed', 'omitted'], 'x-attain': { id: 'fld_opp_forecast_category' } },
    },
  },
  'x-attain': { titleField: 'name' },
};

// owner, stage, amount, close date, probability — every figure below is read from this table.
type Owner = 'repEast' | 'repEast2' | 'repWest';
const OPPS: Array<[Owner, string, string, string, number | null, string?]> = [
  // 2026-Q2 (Apr 1 – Jun 30, 91 days)
  ['repEast', 'prospecting', '1000.00', '2026-04-15', null], // pipeline; weighted 1000 × 0.1 (stage) = 100
  ['repEast', 'proposal', '2000.00', '2026-05-20', 0.4], // best case; weighted 2000 × 0.4 = 800
  ['repEast', 'negotiation', '3000.00', '2026-06-10', null], // commit; weighted 3000 × 0.7 (stage) = 2100
  ['repEast', 'closed_won', '4000.00', '2026-05-10', null], // closed
  ['repEast', 'closed_lost', '500.00', '2026-06-01', null], // omitted
  ['repEast2', 'negotiation', '1500.00', '2026-06-15', 0.8], // commit; weighted 1500 × 0.8 = 1200
  ['repEast2', 'closed_won', '2500.00', '2026-04-20', null], // closed
  ['repWest', 'closed_won', '9999.00', '2026-05-05', null], // outside the east team
  ['repWest', 'prospecting', '700.00', '2026-06-05', null, 'commit'], // explicitly commit (its stage says pipeline); weighted 700 × 0.1 = 70
  // history: the 4 quarters before 2026-Q2 (2025-04-01 … 2026-03-31); repEast won 3 of 4 closed
  ['repEast', 'closed_won', '100.00', '2025-05-15', null], // also last year's Q2 and last year's YTD
  ['repEast', 'closed_won', '200.00', '2025-08-01', null],
  ['repEast', 'closed_lost', '50.00', '2025-11-01', null],
  ['repEast', 'closed_won', '300.00', '2026-02-01', null], // this year's YTD
];

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'fcst');
  const docs = baseDocs() as any[];
  for (const r of docs) {
    if (r.kind === 'role' && r.name === 'manager') r.permissions.push({ object: 'opportunity', actions: ['read', 'create', 'update'], scope: 'team' });
    if (r.kind === 'role' && r.name === 'rep') r.permissions.push({ object: 'opportunity', actions: ['read', 'create', 'update'], scope: 'own' });
  }
  // A role that reads opportunities but not their amounts: no forecast for it (snapshots would show them).
  const auditorRole = {
    kind: 'role',
    id: 'role_auditor',
    name: 'auditor',
    label: { en: 'Auditor' },
    permissions: [{ object: 'opportunity', actions: ['read'], scope: 'all', hiddenFields: ['amount'] }],
  };
  await store.metadata.apply(t.name, [...docs, opportunityDoc, auditorRole], { actor });
  const records = await store.records(t.name);
  let n = 0;
  for (const [owner, stage, amount, close, probability, category] of OPPS) {
    const extra = { ...(probability === null ? {} : { probability }), ...(category ? { forecast_category: category } : {}) };
    await records.create('opportunity', { name: `o${++n}`, owner_id: t.users[owner].id, stage, amount, close_date: close, ...extra }, actor);
  }
  admin = as(app, await login(app, t.name, t.users.admin.email));
  mgr = as(app, await login(app, t.name, t.users.mgrEast.email));
  repA = as(app, await login(app, t.name, t.users.repEast.email));
  repB = as(app, await login(app, t.name, t.users.repEast2.email));
  repW = as(app, await login(app, t.name, t.users.repWest.email));
  auditor = as(app, await login(app, t.name, (await addUser(store, t, 'Auditor', 'auditor')).email));
});
afterAll(async () => {
  await app.close();
  await store.close();
});

const view = async (c: Caller, period: string) => {
  const res = await c.get(`/api/v1/analytics/forecast?period=${period}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data as Record<string, any>;
};

describe('forecast numbers', () => {
  it("a rep's own numbers for 2026-Q2, by hand", async () => {
    const d = await view(repA, '2026-Q2');
    expect(d).toMatchObject({ period: '2026-Q2', from: '2026-04-01', to: '2026-06-30', team: null });
    expect(d.numbers).toEqual({
      categories: { pipeline: '1000.00', best_case: '2000.00', commit: '3000.00', closed: '4000.00' }, // lost 500 omitted
      commit: '7000.00', // closed 4000 + commit 3000
      bestCase: '9000.00', // + best case 2000
      weightedPipeline: '3000.00', // 100 + 800 + 2100
      winRate: '0.7500', // 3 won of 4 closed in 2025-04 … 2026-03
      weightedByWinRate: '4500.00', // (1000 + 2000 + 3000) × 0.75
      wonToDate: '4000.00',
      runRate: '4000.00', // the quarter is over: 4000 ÷ 91 days × 91 days
      seasonal: '4300.00', // last Q2 won 100 × growth (YTD 300 + 4000 = 4300 ÷ last YTD 100 = 43)
    });
  });

  it('a rep sees only their own records; without history the win rate is unknown and stage/record probabilities weigh', async () => {
    const b = await view(repB, '2026-Q2');
    expect(b.numbers).toMatchObject({
      categories: { pipeline: '0.00', best_case: '0.00', commit: '1500.00', closed: '2500.00' },
      commit: '4000.00', // 2500 + 1500
      weightedPipeline: '1200.00', // 1500 × 0.8
      winRate: null,
      weightedByWinRate: '1200.00', // no closed history: the record's probability 0.8
      seasonal: null, // nothing won last year to date: growth undefined
    });
    const w = await view(repW, '2026-Q2');
    expect(w.numbers.categories).toEqual({ pipeline: '0.00', best_case: '0.00', commit: '700.00', closed: '9999.00' }); // only their own deals; o9 by its explicit category
    expect(w.numbers.weightedPipeline).toBe('70.00');
  });

  it("a manager's scope sums the team, with one row per member", async () => {
    const d = await view(mgr, '2026-Q2');
    expect(d.numbers).toMatchObject({
      categories: { pipeline: '1000.00', best_case: '2000.00', commit: '4500.00', closed: '6500.00' }, // repWest's 9999 not in scope
      commit: '11000.00', // 6500 + 4500
      bestCase: '13000.00', // + 2000
      weightedPipeline: '4200.00', // 3000 + 1200
      winRate: '0.7500', // 3 ÷ 4 (repEast2 closed nothing)
      weightedByWinRate: '5700.00', // 4500 + 1200
      runRate: '6500.00',
      seasonal: '6800.00', // 100 × ((4300 + 2500) ÷ 100)
    });
    const ids = d.team.members.map((m: any) => m.userId);
    expect(ids).toEqual([t.users.mgrEast.id, ...[t.users.repEast.id, t.users.repEast2.id].filter((id) => ids.includes(id))]);
    expect(ids).toHaveLength(3);
    expect(d.team.members.map((m: any) => m.name).sort()).toEqual(['MgrEast', 'RepEast', 'RepEast2']);
    expect(d.team.unitId).toBe(t.orgUnits.east); // what the override form sends as forUnit
    expect(d.team.members.find((m: any) => m.userId === t.users.mgrEast.id).numbers.commit).toBe('0.00'); // the manager owns nothing
    expect(d.team.rollup).toEqual({ commit: '11000.00', bestCase: '13000.00', submitted: 0, computed: 3 }); // nobody submitted: computed 7000 + 4000 + 0
  });

  it('a period not started has no run-rate; a month is a period too', async () => {
    expect((await view(repA, '2030-Q1')).numbers.runRate).toBeNull();
    const may = await view(repA, '2026-05');
    expect(may).toMatchObject({ from: '2026-05-01', to: '2026-05-31' });
    expect(may.numbers.categories).toEqual({ pipeline: '0.00', best_case: '2000.00', commit: '0.00', closed: '4000.00' });
  });

  it('refuses a role that may not see the amounts', async () => {
    const res = await auditor.get('/api/v1/analytics/forecast?period=2026-Q2');
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({ code: 'forbidden', details: [{ path: '/opportunity/amount', rule: 'hidden' }] });
    expect((await auditor.get('/api/v1/analytics/forecast/history?period=2026-Q2')).statusCode).toBe(403);
  });

  it('refuses bad periods with stable codes', async () => {
    expect((await repA.get('/api/v1/analytics/forecast?period=2026-Q5')).statusCode).toBe(400);
    const fy = await repA.get('/api/v1/analytics/forecast?period=FY2026-Q1');
    expect(fy.statusCode).toBe(400);
    expect(fy.json().error).toMatchObject({ code: 'invalid_period', details: [{ path: '/period', rule: 'fiscal_name' }] });
  });
});

describe('submissions, roll-up and override', () => {
  it('keeps every submission; the latest counts in the roll-up', async () => {
    const first = await repA.post('/api/v1/analytics/forecast/submissions', { period: '2026-Q2', commit: '6500.00', bestCase: '9000' });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().data).toMatchObject({ kind: 'own', commit: '6500.00', bestCase: '9000.00', note: null });
    const second = await repA.post('/api/v1/analytics/forecast/submissions', { period: '2026-Q2', commit: '6800.00', bestCase: '9200.00', note: 'pushed o3' });
    expect(second.statusCode).toBe(201);
    expect((await view(repA, '2026-Q2')).submission).toMatchObject({ commit: '6800.00', bestCase: '9200.00', note: 'pushed o3' });
    const d = await view(mgr, '2026-Q2');
    // repEast's submission 6800 + repEast2 computed 4000 + manager computed 0; best case 9200 + 4000 + 0
    expect(d.team.rollup).toEqual({ commit: '10800.00', bestCase: '13200.00', submitted: 1, computed: 2 });
    expect(d.team.override).toBeNull();
    const audit = await store.audit.list(t.name, { limit: 50 });
    expect(audit.filter((e: any) => e.action === 'analytics.forecast.submit')).toHaveLength(2);
  });

  it('a manager overrides the roll-up with a note; a rep may not; money and notes are checked', async () => {
    const noNote = await mgr.post('/api/v1/analytics/forecast/submissions', { period: '2026-Q2', commit: '10000.00', bestCase: '12000.00', forUnit: t.orgUnits.east });
    expect(noNote.statusCode).toBe(400);
    expect(noNote.json().error).toMatchObject({ code: 'invalid_body', details: [{ path: '/note', rule: 'required' }] });
    const rep = await repA.post('/api/v1/analytics/forecast/submissions', { period: '2026-Q2', commit: '1.00', bestCase: '1.00', note: 'x', forUnit: t.orgUnits.east });
    expect(rep.statusCode).toBe(403);
    expect(rep.json().error.details[0]).toMatchObject({ path: '/forUnit', rule: 'team' });
    const west = await mgr.post('/api/v1/analytics/forecast/submissions', { period: '2026-Q2', commit: '1.00', bestCase: '1.00', note: 'x', forUnit: t.orgUnits.west });
    expect(west.statusCode).toBe(403);
    const cents = await repA.post('/api/v1/analytics/forecast/submissions', { period: '2026-Q2', commit: '12.345', bestCase: '1.00' });
    expect(cents.json().error).toMatchObject({ code: 'invalid_body', details: [{ path: '/commit', rule: 'scale' }] });
    const negative = await repA.post('/api/v1/analytics/forecast/submissions', { period: '2026-Q2', commit: '1.00', bestCase: '-1' });
    expect(negative.json().error).toMatchObject({ code: 'invalid_body', details: [{ path: '/bestCase', rule: 'minimum' }] });
    const notText = await repA.post('/api/v1/analytics/forecast/submissions', { period: '2026-Q2', commit: 12, bestCase: '1.00' });
    expect(notText.statusCode).toBe(400);

    const ok = await mgr.post('/api/v1/analytics/forecast/submissions', { period: '2026-Q2', commit: '10000.00', bestCase: '12500.00', note: 'o3 slips to Q3', forUnit: t.orgUnits.east });
    expect(ok.statusCode, ok.body).toBe(201);
    const d = await view(mgr, '2026-Q2');
    expect(d.team.override).toMatchObject({ kind: 'override', unitId: t.orgUnits.east, commit: '10000.00', bestCase: '12500.00', note: 'o3 slips to Q3' });
    expect(d.team.rollup.commit).toBe('10800.00'); // the roll-up stays beside the override
  });
});

describe('categories per tenant', () => {
  it('an admin maps proposal to commit; everyone else may not change the map', async () => {
    expect((await mgr.put('/api/v1/analytics/forecast/settings', { stageMap: { proposal: 'commit' } })).statusCode).toBe(403);
    const bad = await admin.put('/api/v1/analytics/forecast/settings', { stageMap: { won: 'closed' } });
    expect(bad.json().error).toMatchObject({ code: 'invalid_body', details: [{ path: '/stageMap/won', rule: 'stage' }] });
    const ok = await admin.put('/api/v1/analytics/forecast/settings', { stageMap: { proposal: 'commit' } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().data.stageMap).toMatchObject({ proposal: 'commit', negotiation: 'commit', closed_lost: 'omitted' });
    const d = await view(repA, '2026-Q2');
    expect(d.numbers.categories).toEqual({ pipeline: '1000.00', best_case: '0.00', commit: '5000.00', closed: '4000.00' }); // 2000 + 3000 in commit
    await admin.put('/api/v1/analytics/forecast/settings', { stageMap: { proposal: 'best_case' } });
  });
});

describe('weekly snapshots', () => {
  it('the job stores every user for the current and next quarter; history shows the trend in scope', async () => {
    const now = () => new Date('2026-05-13T12:00:00Z'); // a Wednesday: the week of Monday 2026-05-11
    await scheduleSnapshot(store, t.name, { now });
    const runner = new JobRunner(store.jobs, { handlers: forecastBackground(store, { now }).handlers, now });
    expect(await runner.drain()).toBeGreaterThanOrEqual(1);
    const res = await mgr.get('/api/v1/analytics/forecast/history?period=2026-Q2');
    expect(res.statusCode, res.body).toBe(200);
    const weeks = res.json().data.weeks;
    expect(weeks.map((w: any) => w.week)).toEqual(['2026-05-11']);
    expect(weeks[0].rows).toHaveLength(3); // the manager and two reps; repWest is not in the team
    const a = weeks[0].rows.find((r: any) => r.userId === t.users.repEast.id);
    expect(a.numbers.wonToDate).toBe('4000.00'); // o4 closed on 2026-05-10
    expect(a.numbers.runRate).toBe('8465.12'); // 4000 ÷ 43 days (Apr 1 … May 13) × 91 days = 8465.116…
    expect(a.submission).toBeNull(); // the submissions were made after that week
    const own = (await repA.get('/api/v1/analytics/forecast/history?period=2026-Q2')).json().data.weeks;
    expect(own[0].rows.map((r: any) => r.userId)).toEqual([t.users.repEast.id]);
    const next = (await repA.get('/api/v1/analytics/forecast/history?period=2026-Q3')).json().data.weeks;
    expect(next.map((w: any) => w.week)).toEqual(['2026-05-11']); // the next quarter too
  });
});

describe('accuracy', () => {
  it('compares the last commit before the quarter ended with what was won', async () => {
    const a = { userId: t.users.repEast.id, label: 'RepEast' };
    await addSubmission(store, t.name, { period: '2026-Q2', userId: a.userId, kind: 'own', unitId: null, commit: '3000.00', bestCase: '5000.00', note: null }, a, new Date('2026-06-01T09:00:00Z'));
    await addSubmission(store, t.name, { period: '2026-Q2', userId: a.userId, kind: 'own', unitId: null, commit: '5000.00', bestCase: '6000.00', note: null }, a, new Date('2026-06-20T09:00:00Z'));
    const b = { userId: t.users.repEast2.id, label: 'RepEast2' };
    await addSubmission(store, t.name, { period: '2026-Q2', userId: b.userId, kind: 'own', unitId: null, commit: '2500.00', bestCase: '4000.00', note: null }, b, new Date('2026-06-25T09:00:00Z'));
    const m = { userId: t.users.mgrEast.id, label: 'MgrEast' };
    await addSubmission(
      store,
      t.name,
      { period: '2026-Q2', userId: m.userId, kind: 'override', unitId: t.orgUnits.east, commit: '7000.00', bestCase: '8000.00', note: 'team call' },
      m,
      new Date('2026-06-28T09:00:00Z'),
    );

    const res = await mgr.get('/api/v1/analytics/forecast/accuracy?period=2026-Q2');
    expect(res.statusCode, res.body).toBe(200);
    const d = res.json().data;
    const person = (id: string) => d.people.find((p: any) => p.userId === id);
    // the December submissions (6500, 6800) came after the quarter ended and do not count
    expect(person(t.users.repEast.id)).toMatchObject({ forecast: '5000.00', actual: '4000.00', accuracy: '0.7500' }); // 1 − |5000 − 4000| ÷ 4000
    expect(person(t.users.repEast2.id)).toMatchObject({ forecast: '2500.00', actual: '2500.00', accuracy: '1.0000' });
    expect(person(t.users.mgrEast.id)).toMatchObject({ forecast: null, actual: '0.00', accuracy: null });
    // the override before the end: 1 − |7000 − 6500| ÷ 6500 = 0.92307… (the December override does not count)
    expect(d.team).toEqual({ forecast: '7000.00', source: 'override', actual: '6500.00', accuracy: '0.9231' });

    const rep = (await repA.get('/api/v1/analytics/forecast/accuracy?period=2026-Q2')).json().data;
    expect(rep.people).toHaveLength(1);
    expect(rep.team).toBeNull();

    const open = await mgr.get('/api/v1/analytics/forecast/accuracy?period=2030-Q1');
    expect(open.statusCode).toBe(400);
    expect(open.json().error).toMatchObject({ code: 'invalid_period', details: [{ path: '/period', rule: 'closed' }] });
  });
});
