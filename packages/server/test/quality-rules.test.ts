// biome-ignore-all lint/suspicious/noExplicitAny: route answers are JSON, read field by field in assertions
// Data-quality rules (issue #18, item 5) through HTTP: seeded bad data with a hand count beside
// every figure, one rule of each check, scores by object, owner and team, issues inside each
// caller's record scope, new issues told to their owners, the nightly job, and plan-time refusals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { workflowFor } from '@attain/workflow';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import { qualityDocs, rule, seedQuality } from './quality-fixture.ts';
import type { Store } from '../src/store-port.ts';
import { qualityBackground, QUALITY_SCAN_QUEUE } from '../src/modules/quality/jobs.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;
let mgr: Caller;
let repEast: Caller;
let repWest: Caller;
const actor = { userId: null, label: 'test' };
const ids: Record<string, string> = {};
const id = (key: string): string => ids[key] as string;

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'qr');
  await store.metadata.apply(t.name, qualityDocs(), { actor });
  Object.assign(ids, await seedQuality(store, t));
  admin = as(app, await login(app, t.name, t.users.admin.email));
  mgr = as(app, await login(app, t.name, t.users.mgrEast.email));
  repEast = as(app, await login(app, t.name, t.users.repEast.email));
  repWest = as(app, await login(app, t.name, t.users.repWest.email));
});

afterAll(async () => {
  await app.close();
  await store.close();
});

const byKey = (rows: any[]) => Object.fromEntries(rows.map((r) => [r.key, [r.checked, r.failed]]));
const issuesOf = async (c: Caller, qs = '') => (await c.get(`/api/v1/quality/issues?limit=500${qs}`)).json();

describe('data-quality rules', () => {
  it('refuses rules naming what the registry lacks, at plan time, naming the path', async () => {
    const bad = [
      rule('bad_object', 'nothing', 'completeness', { fields: ['x'] }),
      rule('bad_field', 'deal', 'completeness', { fields: ['amount', 'nope'] }),
      rule('bad_formula', 'deal', 'validity', { formula: 'amount + 1' }),
      rule('bad_ref', 'deal', 'reference', { field: 'name' }),
      rule('bad_need', 'deal', 'near_duplicate', { field: 'name' }),
    ];
    const res = await admin.post('/api/v1/metadata/plan', { documents: bad });
    expect(res.statusCode).toBe(422);
    const details = (res.json().error.details as Array<{ path: string; rule: string }>).map((d) => `${d.path} ${d.rule}`);
    expect(details).toEqual(expect.arrayContaining(['/object unknown_reference', '/fields/1 unknown_field', '/formula boolean', '/field ref_field', '/normalize required']));
    const extra = await admin.post('/api/v1/metadata/plan', { documents: [{ ...rule('x', 'deal', 'uniqueness', { field: 'name' }), colour: 'red' }] });
    expect(extra.statusCode).toBe(422);
  });

  it('lets only an administrator run the scan', async () => {
    expect((await repEast.post('/api/v1/quality/runs', {})).statusCode).toBe(403);
    expect((await repEast.get('/api/v1/quality/scores?by=owner')).statusCode).toBe(403);
    // Nothing run yet: rules without figures.
    const rules = (await repEast.get('/api/v1/quality/rules')).json();
    expect(rules.run).toBeNull();
    expect(rules.data.every((r: any) => r.score === null)).toBe(true);
  });

  it('finds each kind of issue, hand-counted', async () => {
    const res = await admin.post('/api/v1/quality/runs', {});
    expect(res.statusCode, res.body).toBe(201);
    // 2 + 2 + 2 + 2 + 1 + 1 deal issues; 6 + 2 + 4 customer issues
    expect(res.json().data).toMatchObject({ rules: 9, issues: 22, newIssues: 22 });
    const rules = Object.fromEntries((await admin.get('/api/v1/quality/rules')).json().data.map((r: any) => [r.name, [r.checked, r.failed, r.score]]));
    expect(rules).toEqual({
      deal_complete: [10, 2, 0.8], // d2 (close date), d4 (amount)
      deal_margin: [10, 2, 0.8], // d2 0.95, d6 0.99
      deal_name_unique: [10, 2, 0.8], // d1, d3 "Alpha"
      deal_stale: [7, 2, 0.7143], // open: d1 d2 d4 d6 d7 d8 d9; stale: d1, d6
      deal_customer: [10, 1, 0.9], // d3 → deleted c2
      deal_amount: [9, 1, 0.8889], // q1 1000, q3 1100, fences 700 … 1400: d7 50000
      customer_name: [7, 6, 0.1429], // acme ×2, initech ×2, 伞 ×2; Hooli clean
      customer_email: [7, 2, 0.7143], // sales@acme.com, sales+cn@acme.com
      customer_phone: [7, 4, 0.4286], // 3800138000 ×2, 1055551234 ×2
    });
    // A rep's figures are their own records': repEast's deals d1, d2, d3, d9; customers c1, c4, c8.
    const mine = Object.fromEntries((await repEast.get('/api/v1/quality/rules')).json().data.map((r: any) => [r.name, [r.checked, r.failed]]));
    expect(mine).toMatchObject({ deal_complete: [4, 1], deal_stale: [3, 1], customer_name: [3, 2], customer_phone: [3, 2] });
    const issues = await issuesOf(admin, '&rule=deal_amount');
    expect(issues.data).toEqual([
      expect.objectContaining({ object: 'deal', recordId: ids.d7, title: 'Zeta', ownerId: t.users.repWest.id, teamId: t.orgUnits.west, url: `/o/deal/${ids.d7}`, isNew: true }),
    ]);
    expect(issues.data[0].detail).toBe('amount 50000.00 is outside 700.00 … 1400.00');
    const stale = await issuesOf(admin, '&rule=deal_stale');
    expect(stale.data.map((i: any) => i.recordId).sort()).toEqual([ids.d1, ids.d6].sort());
    const missing = await issuesOf(admin, '&rule=deal_complete');
    expect(Object.fromEntries(missing.data.map((i: any) => [i.title, i.detail]))).toEqual({ Beta: 'missing: close_date', Gamma: 'missing: amount' });
  });

  it('scores by object, owner and team', async () => {
    const objects = byKey((await admin.get('/api/v1/quality/scores?by=object')).json().data);
    // deal: 10+10+10+7+10+9 checked, 10 failed; customer: 3 × 7 checked, 12 failed
    expect(objects).toEqual({ customer: [21, 12], deal: [56, 10] });
    const owners = byKey((await admin.get('/api/v1/quality/scores?by=owner&rule=deal_complete')).json().data);
    expect(owners).toEqual({ [t.users.repEast.id]: [4, 1], [t.users.repEast2.id]: [3, 1], [t.users.repWest.id]: [3, 0] });
    const teams = (await admin.get('/api/v1/quality/scores?by=team&rule=deal_complete')).json().data;
    expect(teams).toEqual(
      expect.arrayContaining([
        { key: t.orgUnits.east1, checked: 7, failed: 2, score: 0.7143 },
        { key: t.orgUnits.west, checked: 3, failed: 0, score: 1 },
      ]),
    );
    expect((await admin.get('/api/v1/quality/scores?by=nobody')).statusCode).toBe(400);
  });

  it("lists issues inside each caller's record scope", async () => {
    expect((await issuesOf(admin)).total).toBe(22);
    // repEast's deals d1 (2), d2 (2), d3 (2); customers c1 (3), c4 (2)
    const east = await issuesOf(repEast);
    expect(east.total).toBe(11);
    expect(new Set(east.data.map((i: any) => i.ownerId))).toEqual(new Set([t.users.repEast.id]));
    // repWest: d6 (2), d7 (1); c3 (3), c7 (1)
    expect((await issuesOf(repWest)).total).toBe(7);
    // the east manager's team: repEast's and repEast2's deals and customers (d4 1, c5 2, c6 1 more)
    expect((await issuesOf(mgr)).total).toBe(15);
    const page = await repEast.get('/api/v1/quality/issues?limit=5&offset=10');
    expect(page.json().data).toHaveLength(1);
    expect((await repEast.get('/api/v1/quality/issues?limit=x')).statusCode).toBe(400);
  });

  it('tells owners of new issues only', async () => {
    const notes = (await repEast.get('/api/v1/workflow/notifications')).json().data.filter((n: any) => n.kind === 'data_quality');
    expect(notes).toHaveLength(1);
    expect(notes[0].title).toContain('11 new data-quality issue(s)');
    // A fix and a new duplicate: the next run has one issue fewer and one new, told to its owner.
    const records = await store.records(t.name);
    await records.update('deal', id('d2'), { close_date: '2026-05-01' }, actor);
    await records.create('deal', { name: 'Eta', amount: 1000, close_date: '2026-05-02', stage: 'won', owner_id: t.users.repWest.id }, actor);
    const run = (await admin.post('/api/v1/quality/runs', {})).json().data;
    // −1 (d2 complete) +2 (Eta ×2; d8's is new too) = 23, of which 2 new, both repWest's
    expect(run).toMatchObject({ issues: 23, newIssues: 2, notified: 1 });
    const west = (await repWest.get('/api/v1/workflow/notifications')).json().data.filter((n: any) => n.kind === 'data_quality');
    expect(west.map((n: any) => n.title)).toEqual(expect.arrayContaining([expect.stringContaining('2 new')]));
    const runs = (await admin.get('/api/v1/quality/runs')).json().data;
    expect(runs.map((r: any) => r.issues)).toEqual([23, 22]);
  });

  it('scans nightly as a durable job, and queues the next night', async () => {
    const queued = await store.jobs.list({ queue: QUALITY_SCAN_QUEUE, tenant: t.name, status: 'ready' });
    expect(queued).toHaveLength(1); // one per night, however many runs by hand
    expect(new Date(queued[0]!.runAt!).getTime()).toBeGreaterThan(Date.now());
    const handler = qualityBackground({ store, workflow: workflowFor(store as never) }).handlers[QUALITY_SCAN_QUEUE]!;
    const out = await handler({ id: 'x', queue: QUALITY_SCAN_QUEUE, tenant: t.name, payload: { tenant: t.name, day: '2026-12-08' }, attempts: 1 } as never);
    expect(out).toMatchObject({ issues: 23, newIssues: 0 });
    expect(await handler({ payload: {} } as never)).toEqual({ skipped: 'bad payload' });
    expect((await admin.get('/api/v1/quality/runs')).json().data[0].trigger).toBe('schedule');
  });

  it('drops a company form only as a separate word ("Zinc" is not "Z Inc")', async () => {
    const records = await store.records(t.name);
    for (const name of ['Zinc', 'Z Inc', 'Hooli Inc.']) await records.create('customer', { name, owner_id: t.users.repEast.id }, actor);
    const run = (await admin.post('/api/v1/quality/runs', {})).json().data;
    // 23 before; "Hooli Inc." ~ c8 "Hooli": 2 more (c8's new too); Zinc and Z Inc stay apart
    expect(run).toMatchObject({ issues: 25, newIssues: 2 });
    const names = (await issuesOf(admin, '&rule=customer_name')).data.filter((i: any) => i.isNew).map((i: any) => i.title);
    expect(names.sort()).toEqual(['Hooli', 'Hooli Inc.']);
  });
});
