import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { IncentiveEngine } from '@attain/engine';
import { extractText, getDocumentProxy } from 'unpdf';
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
      measures: [{ name: 'revenue', type: 'sum', filter: { objects: ['order'] } }],
      components: [
        {
          name: 'commission',
          type: 'tiered',
          measure: 'revenue',
          target: 'quota',
          tierBasis: 'attainment',
          tiers: [
            { from: '0', to: '1', rate: '0.05' },
            { from: '1', rate: '0.1' },
          ],
        },
        { name: 'visits', type: 'points', perCredit: '2', filter: { objects: ['visit'] } },
        { name: 'deals', type: 'points', perCredit: '10', perAmount: { every: '10000', value: '1' }, filter: { objects: ['order'] } },
      ],
      badges: [{ id: 'closer', label: { en: 'Closer' }, minPoints: '11' }],
    },
  ],
};

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'incx');
  for (const k of ['admin', 'mgrEast', 'repEast', 'repEast2', 'repWest', 'finance'] as const) tok[k] = await login(app, t.name, t.users[k].email);
  const e = new IncentiveEngine(store as never, t.name);
  await e.saveRules([{ kind: 'crediting_rule', id: 'own', name: 'owner', label: { en: 'Owner' }, effectiveFrom: '2020-01-01', type: 'owner' }]);
  await e.savePlan(plan as never);
  await e.setAssignments([t.users.repEast, t.users.repEast2, t.users.repWest].map((u) => ({ kind: 'plan' as const, payeeId: u.id, key: 'plan_rep', from: '2026-01-01' })));
  await e.syncOrgFromRecords();
  await e.openPeriod('2026-01');
  await e.upsertTransactions([
    { id: 'o1', object: 'order', ownerId: t.users.repEast.id, date: '2026-01-05', amount: '12000', currency: 'USD' },
    { id: 'v1', object: 'visit', ownerId: t.users.repEast2.id, date: '2026-01-05', amount: '0', currency: 'USD' },
    { id: 'o2', object: 'order', ownerId: t.users.repWest.id, date: '2026-01-06', amount: '3000', currency: 'USD' },
  ]);
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('role assignments API', () => {
  it('admins give a plan to a role; finance reads; cells are named on bad input; reps may not', async () => {
    const body = { roleAssignments: [{ id: 'ra1', planId: 'plan_rep', role: 'manager', orgUnitId: t.orgUnits.east, from: '2026-02-01' }] };
    expect((await as(app, tok.repEast!).put('/api/v1/incentives/role-assignments', body)).statusCode).toBe(403);
    expect((await as(app, tok.finance!).put('/api/v1/incentives/role-assignments', body)).statusCode).toBe(403);
    const bad = await as(app, tok.admin!).put('/api/v1/incentives/role-assignments', { roleAssignments: [{ ...body.roleAssignments[0], to: '2026-01-01' }] });
    expect(bad.statusCode).toBeGreaterThanOrEqual(400);
    expect(bad.statusCode).toBeLessThan(500);
    expect(JSON.stringify(bad.json().error.details)).toContain('/roleAssignments/0/');
    expect((await as(app, tok.admin!).put('/api/v1/incentives/role-assignments', { roleAssignments: 'x' })).statusCode).toBe(400);
    const ok = await as(app, tok.admin!).put('/api/v1/incentives/role-assignments', body);
    expect(ok.statusCode).toBe(200);
    expect(ok.json().data).toEqual([expect.objectContaining({ id: 'ra1', planId: 'plan_rep', role: 'manager' })]);
    expect((await as(app, tok.finance!).get('/api/v1/incentives/role-assignments')).json().data).toHaveLength(1);
    expect((await as(app, tok.repEast!).get('/api/v1/incentives/role-assignments')).statusCode).toBe(403);
    // The east manager now holds the plan through the role: their February statement exists.
    expect((await as(app, tok.admin!).put('/api/v1/incentives/role-assignments', { roleAssignments: [] })).statusCode).toBe(200);
  });
});

describe('incentive inputs, what-if, leaderboards and exports API', () => {
  it('finance puts targets; a rep reads only their own', async () => {
    const values = [t.users.repEast, t.users.repEast2, t.users.repWest].map((u) => ({ payeeId: u.id, period: '2026-01', name: 'quota', value: '10000' }));
    expect((await as(app, tok.repEast!).put('/api/v1/incentives/inputs', { values })).statusCode).toBe(403);
    const bad = await as(app, tok.finance!).put('/api/v1/incentives/inputs', { values: [{ ...values[0], value: 'lots' }] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0]).toMatchObject({ path: '/values/0/value', rule: 'number' });
    expect((await as(app, tok.finance!).put('/api/v1/incentives/inputs', { values })).json().data).toHaveLength(3);
    expect((await as(app, tok.repEast!).get('/api/v1/incentives/inputs?period=2026-01')).json().data.map((v: { payeeId: string }) => v.payeeId)).toEqual([t.users.repEast.id]);
    expect((await as(app, tok.repEast!).get(`/api/v1/incentives/inputs?payeeId=${t.users.repWest.id}`)).json().data).toEqual([]);
    expect((await as(app, tok.finance!).get(`/api/v1/incentives/inputs?payeeId=${t.users.repWest.id}&name=quota`)).json().data).toHaveLength(1);
    expect((await as(app, tok.admin!).post('/api/v1/incentives/inputs/sync-goals')).json().data).toEqual({ copied: 0 });
    expect((await as(app, tok.finance!).post('/api/v1/incentives/recalculate')).statusCode).toBe(200);
  });

  it('what-if compares an edited plan with the live one; reps may not run it', async () => {
    const edited = structuredClone(plan);
    edited.versions[0]!.components[0]!.tiers = [
      { from: '0', to: '1', rate: '0.05' },
      { from: '1', rate: '0.2' },
    ];
    expect((await as(app, tok.repEast!).post('/api/v1/incentives/whatif', { period: '2026-01', planId: 'plan_rep', plan: edited })).statusCode).toBe(403);
    const bad = await as(app, tok.finance!).post('/api/v1/incentives/whatif', { version: 'x', payees: [1] });
    expect(bad.json().error.details.map((d: { path: string }) => d.path)).toEqual(['/period', '/planId', '/version', '/payees']);
    expect((await as(app, tok.finance!).post('/api/v1/incentives/whatif', { period: '2026-01', planId: 'plan_rep', plan: { kind: 'x' } })).statusCode).toBe(400);
    const res = await as(app, tok.finance!).post('/api/v1/incentives/whatif', { period: '2026-01', planId: 'plan_rep', plan: edited });
    expect(res.statusCode).toBe(200);
    const row = res.json().data.rows.find((r: { payeeId: string; component: string }) => r.payeeId === t.users.repEast.id && r.component === 'commission');
    // 10,000 × 5% + 2,000 × 10% = 700 live; 500 + 2,000 × 20% = 900 what-if.
    expect(row).toMatchObject({ live: '700', whatif: '900', delta: '200' });
    expect(res.json().data.totals.delta).toBe('200');
    expect((await as(app, tok.finance!).post('/api/v1/incentives/whatif', { period: '2026-01', planId: 'nope' })).statusCode).toBe(404);
  });

  it("what-if with quotas changed: the what-if side scales each payee's target, the live side keeps it", async () => {
    const post = (body: unknown) => as(app, tok.finance!).post('/api/v1/incentives/whatif', body);
    const res = await post({ period: '2026-01', planId: 'plan_rep', quotas: { quota: '1.2' } });
    expect(res.statusCode).toBe(200);
    const row = res.json().data.rows.find((r: { payeeId: string; component: string }) => r.payeeId === t.users.repEast.id && r.component === 'commission');
    // 12,000 against a quota of 10,000 pays 700; against 12,000 (×1.2) it is 100 % attainment: 12,000 × 5% = 600.
    expect(row).toMatchObject({ live: '700', whatif: '600', delta: '-100' });
    const paths = async (body: unknown) => (await post(body)).json().error.details.map((d: { path: string }) => d.path);
    expect(await paths({ period: '2026-01', planId: 'plan_rep', quotas: { nope: '1.1', quota: '0' } })).toEqual(['/quotas/nope', '/quotas/quota']);
    expect((await post({ period: '2026-01', planId: 'plan_rep', quotas: { quota: '101' } })).statusCode).toBe(400);
    expect(await paths({ period: '2026-01', planId: 'plan_rep', quotas: ['1.1'] })).toEqual(['/quotas']);
    expect(await paths({ period: '2026-01', planId: 'plan_rep', quotas: { quota: 1.1 } })).toEqual(['/quotas']);
  });

  it("leaderboard: a rep sees their team with points but not others' pay", async () => {
    const rep = (await as(app, tok.repEast!).get('/api/v1/incentives/leaderboard/2026-01')).json().data;
    expect(rep.team).toBe(t.orgUnits.east1);
    expect(rep.rows.map((r: { payeeId: string; points: string }) => [r.payeeId, r.points])).toEqual([
      [t.users.repEast.id, '11'],
      [t.users.repEast2.id, '2'],
    ]);
    expect(rep.rows[0]).toMatchObject({ payout: '700', badges: [{ id: 'closer' }] });
    expect(rep.rows[1].payout).toBeUndefined();
    expect(JSON.stringify(rep)).not.toContain(t.users.repWest.id);
    expect((await as(app, tok.repEast!).get(`/api/v1/incentives/leaderboard/2026-01?team=${t.orgUnits.west}`)).statusCode).toBe(404);
    expect((await as(app, tok.repEast!).get('/api/v1/incentives/leaderboard/2026-1')).statusCode).toBe(400);
    const mgr = (await as(app, tok.mgrEast!).get(`/api/v1/incentives/leaderboard/2026-01?team=${t.orgUnits.east1}`)).json().data;
    expect(mgr.rows.every((r: { payout?: string }) => r.payout !== undefined)).toBe(true);
    const all = (await as(app, tok.finance!).get('/api/v1/incentives/leaderboard/2026-01')).json().data;
    expect(all.team).toBeNull();
    expect(all.rows.map((r: { payeeId: string }) => r.payeeId)).toContain(t.users.repWest.id);
    expect((await as(app, tok.admin!).get('/api/v1/incentives/leaderboard/2026-01')).json().data.rows.length).toBe(3);
  });

  it('exports: statement PDF in scope, payouts XLSX and accruals for finance', async () => {
    const pdf = await as(app, tok.repEast!).get(`/api/v1/incentives/statements/${t.users.repEast.id}/2026-01/pdf`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect((await as(app, tok.repEast!).get(`/api/v1/incentives/statements/${t.users.repWest.id}/2026-01/pdf`)).statusCode).toBe(404);
    // In the reader's language, with the plan's label and the payee's name.
    const zh = await as(app, tok.repEast!).get(`/api/v1/incentives/statements/${t.users.repEast.id}/2026-01/pdf?locale=zh-CN`);
    const text = (await extractText(await getDocumentProxy(new Uint8Array(zh.rawPayload)), { mergePages: true })).text;
    expect(text).toContain('Reps');
    expect(text).toContain('RepEast');
    expect(text).toMatch(/[\u4e00-\u9fff]/);
    expect((await as(app, tok.repEast!).get('/api/v1/incentives/payouts/2026-01/xlsx')).statusCode).toBe(403);
    const xlsx = await as(app, tok.finance!).get('/api/v1/incentives/payouts/2026-01/xlsx');
    expect(xlsx.headers['content-type']).toMatch(/spreadsheetml/);
    expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');
    expect((await as(app, tok.mgrEast!).get('/api/v1/incentives/accruals')).statusCode).toBe(403);
    const acc = (await as(app, tok.finance!).get('/api/v1/incentives/accruals?asOf=2026-12')).json().data;
    expect(acc.totals).toEqual([{ currency: 'USD', accrued: '850.00' }]);
    expect((await as(app, tok.finance!).get('/api/v1/incentives/accruals')).statusCode).toBe(200);
  });
});
