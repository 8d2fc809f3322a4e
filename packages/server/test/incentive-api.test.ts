import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { IncentiveEngine } from '@attain/engine';
import { as, createTenant, login, testServer, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
const tok: Record<string, string> = {};

const plan = {
  kind: 'incentive_plan',
  id: 'plan_rep',
  name: 'plan_rep',
  label: { en: 'Reps' },
  versions: [
    {
      version: 1,
      effectiveFrom: '2026-01-01',
      currency: 'USD',
      rounding: { scale: 2, mode: 'half_up' },
      measures: [{ name: 'revenue', type: 'sum' }],
      components: [
        {
          name: 'commission',
          type: 'tiered',
          measure: 'revenue',
          tiers: [
            { from: '0', to: '10000', rate: '0.05' },
            { from: '10000', rate: '0.1' },
          ],
          cap: { amount: '5000' },
        },
      ],
    },
  ],
};

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'inc');
  for (const k of ['admin', 'mgrEast', 'repEast', 'repEast2', 'repWest', 'finance'] as const) tok[k] = await login(app, t.name, t.users[k].email);
  const e = new IncentiveEngine(store as never, t.name);
  await e.saveRules([{ kind: 'crediting_rule', id: 'own', name: 'owner', label: { en: 'Owner' }, effectiveFrom: '2020-01-01', type: 'owner' }]);
  await e.setAssignments([t.users.repEast, t.users.repEast2, t.users.repWest].map((u) => ({ kind: 'plan' as const, payeeId: u.id, key: 'plan_rep', from: '2026-01-01' })));
  await e.openPeriod('2026-01');
  await e.upsertTransactions([
    { id: 'o1', object: 'order', ownerId: t.users.repEast.id, date: '2026-01-05', amount: '12000', currency: 'USD' },
    { id: 'o2', object: 'order', ownerId: t.users.repWest.id, date: '2026-01-06', amount: '3000', currency: 'USD' },
  ]);
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('incentives API', () => {
  it('admin saves a plan; the linter refuses a bad one naming the cell', async () => {
    const bad = structuredClone(plan);
    bad.versions[0]!.components[0]!.tiers![1]!.from = '8000';
    const refused = await as(app, tok.admin!).put('/api/v1/incentives/plans/plan_rep', bad);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.details[0]).toMatchObject({ path: '/versions/0/components/0/tiers/1/from', rule: 'overlapping_tiers' });
    const lint = await as(app, tok.admin!).post('/api/v1/incentives/plans/lint', bad);
    expect(lint.json().issues[0].rule).toBe('overlapping_tiers');
    expect((await as(app, tok.repEast!).put('/api/v1/incentives/plans/plan_rep', plan)).statusCode).toBe(403);
    expect((await as(app, tok.admin!).put('/api/v1/incentives/plans/other', plan)).statusCode).toBe(400);
    expect((await as(app, tok.admin!).put('/api/v1/incentives/plans/plan_rep', { kind: 'x' })).statusCode).toBe(400);
    const ok = await as(app, tok.admin!).put('/api/v1/incentives/plans/plan_rep', plan);
    expect(ok.statusCode).toBe(200);
    expect((await as(app, tok.repEast!).get('/api/v1/incentives/plans')).json().data).toHaveLength(1);
    const rules = await as(app, tok.admin!).put('/api/v1/incentives/crediting-rules', {
      rules: [{ kind: 'crediting_rule', id: 'own', name: 'owner', label: { en: 'Owner' }, effectiveFrom: '2020-01-01', type: 'owner' }],
    });
    expect(rules.statusCode).toBe(200);
    expect((await as(app, tok.admin!).put('/api/v1/incentives/crediting-rules', {})).statusCode).toBe(400);
  });

  it('finance recalculates; statements carry the trace', async () => {
    expect((await as(app, tok.repEast!).post('/api/v1/incentives/recalculate')).statusCode).toBe(403);
    const run = await as(app, tok.finance!).post('/api/v1/incentives/recalculate');
    expect(run.statusCode).toBe(200);
    const s = await as(app, tok.repEast!).get(`/api/v1/incentives/statements/${t.users.repEast.id}/2026-01`);
    expect(s.statusCode).toBe(200);
    const line = s.json().data.lines[0];
    // 10,000 × 5% + 2,000 × 10% = 700
    expect(line.amount).toBe('700');
    expect(line.trace.plan).toEqual({ id: 'plan_rep', name: 'plan_rep', version: 1 });
    const drill = await as(app, tok.repEast!).get(`/api/v1/incentives/statements/${t.users.repEast.id}/2026-01/lines/${encodeURIComponent(line.key)}`);
    expect(drill.json().data.credits.map((c: { tx_id: string }) => c.tx_id)).toEqual(['o1']);
    expect((await as(app, tok.repEast!).get(`/api/v1/incentives/statements/${t.users.repEast.id}/2026-01/lines/nope`)).statusCode).toBe(404);
  });

  it('RBAC: a rep sees only their own pay, a manager their subtree, finance all', async () => {
    const url = (u: { id: string }) => `/api/v1/incentives/statements/${u.id}/2026-01`;
    expect((await as(app, tok.repEast!).get(url(t.users.repWest))).statusCode).toBe(404);
    expect((await as(app, tok.repEast!).get(url(t.users.repEast2))).statusCode).toBe(404);
    expect((await as(app, tok.repEast!).get(`${url(t.users.repWest)}/lines/x`)).statusCode).toBe(404);
    expect((await as(app, tok.mgrEast!).get(url(t.users.repEast))).statusCode).toBe(200);
    expect((await as(app, tok.mgrEast!).get(url(t.users.repWest))).statusCode).toBe(404);
    expect((await as(app, tok.finance!).get(url(t.users.repWest))).json().data.lines[0].amount).toBe('150');
    for (const who of ['repEast', 'mgrEast'] as const) {
      expect((await as(app, tok[who]!).get('/api/v1/incentives/payouts/2026-01')).statusCode).toBe(403);
      expect((await as(app, tok[who]!).get('/api/v1/incentives/payouts/2026-01.csv')).statusCode).toBe(403);
    }
  });

  it('payout export reconciles to the statements', async () => {
    const json = await as(app, tok.finance!).get('/api/v1/incentives/payouts/2026-01');
    expect(
      json
        .json()
        .data.map((p: { payout: string }) => p.payout)
        .sort(),
    ).toEqual(['0', '150', '700']);
    const csv = await as(app, tok.finance!).get('/api/v1/incentives/payouts/2026-01.csv');
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.body).toContain('TOTAL,,,,2026-01,,,USD,,,,,850.00');
  });

  it('disputes: a rep disputes own line only; finance resolves', async () => {
    const s = (await as(app, tok.repEast!).get(`/api/v1/incentives/statements/${t.users.repEast.id}/2026-01`)).json().data;
    const raise = (who: string, payeeId: string) => as(app, tok[who]!).post('/api/v1/incentives/disputes', { payeeId, period: '2026-01', lineKey: s.lines[0].key, reason: 'deal o3 missing' });
    expect((await raise('repEast', t.users.repWest.id)).statusCode).toBe(404);
    expect((await as(app, tok.repEast!).post('/api/v1/incentives/disputes', {})).json().error.details).toHaveLength(4);
    const d = await raise('repEast', t.users.repEast.id);
    expect(d.statusCode).toBe(201);
    expect((await as(app, tok.repWest!).get('/api/v1/incentives/disputes')).json().data).toHaveLength(0);
    expect((await as(app, tok.mgrEast!).get('/api/v1/incentives/disputes')).json().data).toHaveLength(1);
    const id = d.json().data.id;
    expect((await as(app, tok.repEast!).post(`/api/v1/incentives/disputes/${id}/resolve`, { status: 'accepted' })).statusCode).toBe(403);
    expect((await as(app, tok.finance!).post(`/api/v1/incentives/disputes/${id}/resolve`, { status: 'maybe' })).statusCode).toBe(400);
    const done = await as(app, tok.finance!).post(`/api/v1/incentives/disputes/${id}/resolve`, { status: 'rejected', resolution: 'order is February' });
    expect(done.json().data.status).toBe('rejected');
    expect((await as(app, tok.finance!).post(`/api/v1/incentives/disputes/${id}/resolve`, { status: 'rejected' })).statusCode).toBe(409);
  });

  it("an accepted dispute is an adjustment on the rep's own statement only", async () => {
    const east = t.users.repEast.id;
    const west = t.users.repWest.id;
    const key = 'plan_rep:commission:earning:';
    expect((await as(app, tok.repEast!).post('/api/v1/incentives/disputes', { payeeId: east, period: '2026-01', lineKey: key, reason: 'x', amount: 12 })).statusCode).toBe(400);
    expect((await as(app, tok.repEast!).post('/api/v1/incentives/disputes', { payeeId: east, period: '2026-01', lineKey: key, reason: 'x', amount: 'lots' })).json().error.code).toBe('bad_amount');
    const d = (await as(app, tok.repEast!).post('/api/v1/incentives/disputes', { payeeId: east, period: '2026-01', lineKey: key, reason: 'o4 missing', amount: '35.25' })).json().data;
    expect(d).toMatchObject({ status: 'open', claimed_amount: '35.25', adjustment: null });
    const done = (await as(app, tok.finance!).post(`/api/v1/incentives/disputes/${d.id}/resolve`, { status: 'accepted', resolution: 'o4 credited' })).json().data;
    expect(done).toMatchObject({ status: 'accepted', amount: '35.25', adjustment: { period: '2026-01', key: `plan_rep:commission:adjustment:dispute:${d.id}` } });
    // 10,000 × 5% + 2,000 × 10% = 700.00, plus the accepted 35.25
    const mine = (await as(app, tok.repEast!).get(`/api/v1/incentives/statements/${east}/2026-01`)).json().data;
    const adj = mine.lines.find((l: { kind: string }) => l.kind === 'adjustment');
    expect(adj).toMatchObject({
      amount: '35.25',
      key: done.adjustment.key,
      trace: { dispute: { id: d.id, lineKey: key, status: 'accepted', resolution: 'o4 credited', decidedBy: t.users.finance.id, raisedBy: east } },
    });
    expect(mine.payouts[0]).toMatchObject({ earned: '700', adjustments: '35.25', payout: '735.25' });
    expect(mine.disputes.find((x: { id: string }) => x.id === d.id)).toMatchObject({ status: 'accepted', adjustment: { key: adj.key } });
    const line = (await as(app, tok.repEast!).get(`/api/v1/incentives/statements/${east}/2026-01/lines/${encodeURIComponent(adj.key)}`)).json().data;
    expect(line.line.trace.dispute.id).toBe(d.id);
    // not on anyone else's statement, and nobody else can read it
    const theirs = (await as(app, tok.repWest!).get(`/api/v1/incentives/statements/${west}/2026-01`)).json().data;
    expect(theirs.lines.filter((l: { kind: string }) => l.kind === 'adjustment')).toEqual([]);
    expect(theirs.disputes).toEqual([]);
    expect((await as(app, tok.repWest!).get(`/api/v1/incentives/statements/${east}/2026-01`)).statusCode).toBe(404);
    expect((await as(app, tok.repEast2!).get(`/api/v1/incentives/statements/${east}/2026-01`)).statusCode).toBe(404);
    expect((await as(app, tok.repWest!).get('/api/v1/incentives/disputes')).json().data).toEqual([]);
    // the payroll export carries it and still totals the statements: 735.25 + 150.00 + 0.00
    expect((await as(app, tok.finance!).get('/api/v1/incentives/payouts/2026-01.csv')).body).toContain('TOTAL,,,,2026-01,,,USD,,,,,885.25');
    await as(app, tok.finance!).post('/api/v1/incentives/recalculate');
    expect((await as(app, tok.repEast!).get(`/api/v1/incentives/statements/${east}/2026-01`)).json().data.lines.filter((l: { kind: string }) => l.kind === 'adjustment')).toHaveLength(1);
  });

  it('finance moves the period through its states', async () => {
    const f = as(app, tok.finance!);
    expect((await as(app, tok.repEast!).post('/api/v1/incentives/periods/2026-02/open')).statusCode).toBe(403);
    expect((await f.post('/api/v1/incentives/periods/2026-02/open')).statusCode).toBe(200);
    expect((await f.post('/api/v1/incentives/periods/bad/open')).statusCode).toBe(400);
    expect((await f.post('/api/v1/incentives/periods/2026-01/status', { status: 'nope' })).statusCode).toBe(400);
    expect((await f.post('/api/v1/incentives/periods/2026-01/status', { status: 'closed' })).json().error.code).toBe('bad_transition');
    for (const status of ['approved', 'paid', 'closed']) expect((await f.post('/api/v1/incentives/periods/2026-01/status', { status })).statusCode).toBe(200);
    const periods = (await as(app, tok.repEast!).get('/api/v1/incentives/periods')).json().data;
    expect(periods).toEqual([
      { period: '2026-01', status: 'closed', from: '2026-01-01', to: '2026-01-31' },
      { period: '2026-02', status: 'open', from: '2026-02-01', to: '2026-02-28' },
    ]);
  });
});
