import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, testServer, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
const tok: Record<string, string> = {};

const version = {
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
      target: 'quota',
      tierBasis: 'attainment',
      tiers: [
        { from: '0', to: '1', rate: '0.05' },
        { from: '1', rate: '0.1' },
      ],
      cap: { amount: '8000' },
    },
  ],
};
const plan = (id: string) => ({ kind: 'incentive_plan', id, name: id, label: { en: id }, versions: [version] });

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'incd');
  for (const k of ['admin', 'repEast', 'finance'] as const) tok[k] = await login(app, t.name, t.users[k].email);
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('incentives API for the plan designer', () => {
  it('previews the payout curve and sample payees without storing anything', async () => {
    const res = await as(app, tok.admin!).post('/api/v1/incentives/plans/preview', {
      version,
      samples: [
        { name: 'Ann', values: { revenue: '120000', quota: '100000' } },
        { name: 'Bad', values: { revenue: '1' } },
      ],
      steps: 8,
    });
    expect(res.statusCode).toBe(200);
    const { curves, samples } = res.json().data;
    expect(curves[0]).toMatchObject({ component: 'commission', basis: 'attainment', target: '100000' });
    // 100% of 100,000 × 5% = 5,000; 125%: + 25,000 × 10% = 7,500; capped at 8,000 from 150%.
    expect(curves[0].points.map((p: { amount: string }) => p.amount)).toEqual(['0', '1250', '2500', '3750', '5000', '7500', '8000', '8000', '8000']);
    expect(samples[0]).toMatchObject({ name: 'Ann', total: '7000' });
    expect(samples[0].lines[0].steps.map((s: { step: string }) => s.step)).toContain('tier 1–∞');
    expect(samples[1].error.path).toBe('/components/0/target');
    const byValue = await as(app, tok.admin!).post('/api/v1/incentives/plans/preview', {
      version: { ...version, components: [{ name: 'flat', type: 'rate', measure: 'revenue', rate: '0.1', cap: { amount: '100' } }] },
    });
    expect(byValue.json().data.curves[0]).toMatchObject({ basis: 'value', target: null });
    expect(byValue.json().data.curves[0].points.at(-1).amount).toBe('100');
    expect((await as(app, tok.admin!).post('/api/v1/incentives/plans/preview', { version: {} })).statusCode).toBe(400);
    expect((await as(app, tok.repEast!).post('/api/v1/incentives/plans/preview', { version })).statusCode).toBe(403);
  });

  it('assigns payees to a plan, keeping other plans, and refuses double pay', async () => {
    const admin = as(app, tok.admin!);
    expect((await admin.put('/api/v1/incentives/plans/p1/assignments', { assignments: [] })).statusCode).toBe(404);
    for (const id of ['p1', 'p2']) expect((await admin.put(`/api/v1/incentives/plans/${id}`, plan(id))).statusCode).toBe(200);
    const put = await admin.put('/api/v1/incentives/plans/p1/assignments', { assignments: [{ payeeId: t.users.repEast.id, from: '2026-01-01' }] });
    expect(put.statusCode).toBe(200);
    expect(put.json().data).toEqual([{ kind: 'plan', payeeId: t.users.repEast.id, key: 'p1', from: '2026-01-01', to: null }]);
    const twice = await admin.put('/api/v1/incentives/plans/p2/assignments', { assignments: [{ payeeId: t.users.repEast.id, from: '2026-03-01' }] });
    expect(twice.statusCode).toBe(422);
    expect(twice.json().error.details[0]).toMatchObject({ path: '/versions/0/components/0/name', rule: 'double_assignment' });
    const bad = await admin.put('/api/v1/incentives/plans/p2/assignments', { assignments: [{ from: 'soon', to: '2020-01-01' }] });
    expect(bad.json().error.details.map((d: { path: string }) => d.path)).toEqual(['/assignments/0/payeeId', '/assignments/0/from', '/assignments/0/to']);
    expect((await admin.put('/api/v1/incentives/plans/p2/assignments', {})).statusCode).toBe(400);
    expect((await as(app, tok.repEast!).put('/api/v1/incentives/plans/p1/assignments', { assignments: [] })).statusCode).toBe(403);
    const list = await as(app, tok.finance!).get('/api/v1/incentives/plans/p1/assignments');
    expect(list.json().data).toHaveLength(1);
    expect((await as(app, tok.repEast!).get('/api/v1/incentives/plans/p1/assignments')).statusCode).toBe(403);
  });

  it('lists crediting rules for finance and admins', async () => {
    await as(app, tok.admin!).put('/api/v1/incentives/crediting-rules', {
      rules: [{ kind: 'crediting_rule', id: 'own', name: 'owner', label: { en: 'Owner' }, effectiveFrom: '2020-01-01', type: 'owner' }],
    });
    expect((await as(app, tok.finance!).get('/api/v1/incentives/crediting-rules')).json().data.map((r: { id: string }) => r.id)).toEqual(['own']);
    expect((await as(app, tok.repEast!).get('/api/v1/incentives/crediting-rules')).statusCode).toBe(403);
  });
});
