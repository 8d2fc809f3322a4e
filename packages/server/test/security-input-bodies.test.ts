// Issue 12 (500s): bodies of the right outer shape with the wrong things inside — a null or a
// string where a row or a plan version belongs — reached engine code that read their fields and
// answered 500. They are now refused naming the entry, and nothing is stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';
import { expectApiError } from './security-input-helpers.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;
let finance: Caller;

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'secbody');
  admin = as(app, await login(app, t.name, t.users.admin.email));
  finance = as(app, await login(app, t.name, t.users.finance.email));
});
afterAll(async () => {
  await app.close();
});

const version = {
  version: 1,
  effectiveFrom: '2026-01-01',
  rounding: { scale: 2, mode: 'half_up' },
  measures: [{ name: 'revenue', type: 'sum' }],
  components: [{ name: 'commission', type: 'rate', measure: 'revenue', rate: '0.05' }],
};
const plan = (versions: unknown[]) => ({ kind: 'incentive_plan', id: 'plan_b', name: 'plan_b', label: { en: 'B' }, versions });

describe('lists whose entries are not objects', () => {
  it('are 400 invalid_body naming the entry', async () => {
    for (const bad of [null, 'x', 5, [1]]) {
      expectApiError(await admin.post('/api/v1/goals/org/import', { rows: [bad] }), 400, 'invalid_body', '/rows/0');
      expectApiError(await admin.put('/api/v1/incentives/role-assignments', { roleAssignments: [bad] }), 400, 'invalid_body', '/roleAssignments/0');
      expectApiError(await admin.put('/api/v1/incentives/crediting-rules', { rules: [bad] }), 400, 'invalid_body', '/rules/0');
      expectApiError(await admin.put('/api/v1/incentives/plans/plan_b/assignments', { assignments: [bad] }), 400, 'invalid_body', '/assignments/0');
    }
    expect((await finance.get('/api/v1/incentives/crediting-rules')).json().data).toEqual([]);
  });
});

describe('incentive plan documents are checked against their meta-schema', () => {
  const broken: Array<[unknown[], string]> = [
    [[null], '/versions/0'],
    [['v1'], '/versions/0'],
    [[{ version: 1, effectiveFrom: '2026-01-01' }], '/versions/0'],
    [[{ ...version, components: [null] }], '/versions/0/components/0'],
    [[{ ...version, measures: ['revenue'] }], '/versions/0/measures/0'],
    [[{ ...version, components: [{ ...version.components[0], tiers: [null] }] }], '/versions/0/components/0/tiers/0'],
  ];

  it('saving or what-if answers 422 plan_invalid naming the cell, storing nothing', async () => {
    for (const [versions, path] of broken) {
      expectApiError(await admin.put('/api/v1/incentives/plans/plan_b', plan(versions)), 422, 'plan_invalid', path);
      expectApiError(await finance.post('/api/v1/incentives/whatif', { period: '2026-01', planId: 'plan_b', plan: plan(versions) }), 422, 'plan_invalid', path);
    }
    expect((await admin.get('/api/v1/incentives/plans')).json().data).toEqual([]);
  });

  it('lint reports the schema issues as lint issues, naming the cells', async () => {
    for (const [versions, path] of broken) {
      const res = await admin.post('/api/v1/incentives/plans/lint', plan(versions));
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().issues).toContainEqual(expect.objectContaining({ severity: 'error', path }));
    }
  });

  it('the designer preview refuses a broken version with paths under /version', async () => {
    const res = await admin.post('/api/v1/incentives/plans/preview', { version: { ...version, components: [null] }, samples: [] });
    expectApiError(res, 422, 'plan_invalid', '/version/components/0');
    const tiers = await admin.post('/api/v1/incentives/plans/preview', { version: { ...version, components: [{ ...version.components[0], tiers: ['x'] }] }, samples: [{ name: 'a', values: {} }] });
    expectApiError(tiers, 422, 'plan_invalid', '/version/components/0/tiers/0');
  });

  it('a valid plan still saves and previews', async () => {
    const saved = await admin.put('/api/v1/incentives/plans/plan_b', plan([version]));
    expect(saved.statusCode, saved.body).toBe(200);
    const preview = await admin.post('/api/v1/incentives/plans/preview', { version, samples: [{ name: 'a', values: { revenue: '1000' } }] });
    expect(preview.statusCode, preview.body).toBe(200);
  });
});
