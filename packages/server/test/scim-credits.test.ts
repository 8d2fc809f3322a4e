// SCIM feeding the one org, seen in pay: a manager set by SCIM receives the roll-up of the
// report's orders; deactivating the report (Okta's deprovisioning) or deleting them (Entra's late
// DELETE) ends their membership today, so the roll-up of their order dated today leaves the
// manager as soon as the background work has run — no recalculation call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { JobRunner } from '@attain/store';
import { incentivesBackground } from '@attain/engine';
import { testServer } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
let drain: () => Promise<number>;
let customer: string;
let token: string;

const TODAY = new Date().toISOString().slice(0, 10);
const MONTH = TODAY.slice(0, 7);
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const rules = [
  { kind: 'crediting_rule', id: 'owner', name: 'owner', label: { en: 'Owner' }, effectiveFrom: '2020-01-01', type: 'split' },
  { kind: 'crediting_rule', id: 'mgr', name: 'manager_rollup', label: { en: 'Manager roll-up' }, effectiveFrom: '2020-01-01', type: 'rollup', levels: [{ pct: '100' }] },
];
const managerPlan = {
  kind: 'incentive_plan',
  id: 'plan_mgr',
  name: 'plan_mgr',
  label: { en: 'Managers' },
  versions: [
    {
      version: 1,
      effectiveFrom: '2020-01-01',
      currency: 'USD',
      rounding: { scale: 2, mode: 'half_up' },
      measures: [{ name: 'team_revenue', type: 'sum', filter: { kinds: ['rollup'] } }],
      components: [{ name: 'override', type: 'rate', measure: 'team_revenue', rate: '0.1' }],
    },
  ],
};

function scim(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown) {
  return app.inject({
    method,
    url: `/api/v1/scim/v2${path}`,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/scim+json' } : {}) },
    ...(body ? { payload: JSON.stringify(body) } : {}),
  });
}

async function payout(payee: string, month = MONTH): Promise<string> {
  const res = await t.call.finance.get(`/api/v1/incentives/statements/${payee}/${month}`);
  expect(res.statusCode).toBe(200);
  const data = res.json().data as { payouts: Array<{ payout: string }> };
  return data.payouts.reduce((a, p) => a + Number(p.payout), 0).toFixed(2);
}

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await coreTenant(app, store, 'scimpay');
  const runner = new JobRunner(store.jobs as never, { handlers: incentivesBackground(store as never).handlers, batch: 200 });
  drain = () => runner.drain();
  const admin = t.call.admin;
  customer = (await admin.post('/api/v1/objects/customer', { name: 'ACME' })).json().id;
  expect((await admin.put('/api/v1/incentives/crediting-rules', { rules })).statusCode).toBe(200);
  expect((await admin.put(`/api/v1/incentives/plans/${managerPlan.id}`, managerPlan)).statusCode).toBe(200);
  const assignments = [
    { payeeId: t.ids.manager, from: '2020-01-01' },
    { payeeId: t.ids.spec, from: '2020-01-01' },
  ];
  expect((await admin.put('/api/v1/incentives/plans/plan_mgr/assignments', { assignments })).statusCode).toBe(200);
  token = (await admin.post('/api/v1/auth/tokens', { name: 'entra', scopes: ['scim'] })).json().token;
  await drain();
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('SCIM in pay', () => {
  it('a manager set by SCIM gets the roll-up; deactivation and DELETE end the membership today and take it away', async () => {
    const created = await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `kim@${t.name}.test`, displayName: 'Kim', active: true });
    expect(created.statusCode, created.body).toBe(201);
    const kim = created.json().id as string;
    const res = await t.call.admin.post('/api/v1/objects/order', { order_number: 'O-1', customer_id: customer, order_date: TODAY, status: 'booked', amount: '1000', currency: 'USD', owner_id: kim });
    expect(res.statusCode, res.body).toBe(201);
    await drain();
    expect(await payout(t.ids.manager)).toBe('0.00');

    const moved = await scim('PATCH', `/Users/${kim}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: `${ENTERPRISE}:manager.value`, value: t.ids.manager }] });
    expect(moved.statusCode, moved.body).toBe(200);
    await drain();
    // 1,000 rolled up × 10% = 100.00
    expect(await payout(t.ids.manager)).toBe('100.00');

    // Okta's deprovisioning: from today Kim reports to no one. The span under the manager began
    // today too, so it is gone whole — the manager it named is still recomputed.
    expect((await scim('PATCH', `/Users/${kim}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] })).json().active).toBe(false);
    await drain();
    expect(await payout(t.ids.manager)).toBe(DELETED_PAYOUT);

    // Reactivated: a new span from today with the manager the record kept.
    expect((await scim('PATCH', `/Users/${kim}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'True' }] })).json().active).toBe(true);
    await drain();
    expect(await payout(t.ids.manager)).toBe('100.00');

    expect((await scim('DELETE', `/Users/${kim}`)).statusCode).toBe(204);
    await drain();
    // The membership ends today (valid_to is exclusive): from today Kim reports to no one, so the
    // roll-up of Kim's order dated today leaves the manager, as the org rules say.
    const spans = (await t.call.admin.get(`/api/v1/org/memberships?user=${kim}`)).json().data as Array<{ valid_to: string | null }>;
    expect(spans.at(-1)?.valid_to).toBe(TODAY);
    expect(await payout(t.ids.manager)).toBe(DELETED_PAYOUT);
  });
});

const DELETED_PAYOUT = '0.00';

describe('a re-org by SCIM in pay', () => {
  it("moves the roll-up of the person's orders to the new manager from today; what was dated before stays with the old one", async () => {
    const YESTERDAY = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const created = await scim('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
      userName: `lee@${t.name}.test`,
      displayName: 'Lee',
      [ENTERPRISE]: { manager: { value: t.ids.manager } },
    });
    expect(created.statusCode, created.body).toBe(201);
    const lee = created.json().id as string;
    // Lee reported to the manager since 1900 (a new person's first span starts then).
    await drain();
    const before = { manager: await payout(t.ids.manager, YESTERDAY.slice(0, 7)), spec: await payout(t.ids.spec) };
    const old = await t.call.admin.post('/api/v1/objects/order', {
      order_number: 'L-1',
      customer_id: customer,
      order_date: YESTERDAY,
      status: 'booked',
      amount: '500',
      currency: 'USD',
      owner_id: lee,
    });
    expect(old.statusCode, old.body).toBe(201);
    // Entra moves Lee to a new manager (the org change is effective today in the tenant's zone).
    const moved = await scim('PATCH', `/Users/${lee}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: `${ENTERPRISE}:manager`, value: t.ids.spec }] });
    expect(moved.statusCode, moved.body).toBe(200);
    const fresh = await t.call.admin.post('/api/v1/objects/order', { order_number: 'L-2', customer_id: customer, order_date: TODAY, status: 'booked', amount: '300', currency: 'USD', owner_id: lee });
    expect(fresh.statusCode, fresh.body).toBe(201);
    await drain();
    // Yesterday's 500 stays with the old manager (+50.00); today's 300 goes to the new one (+30.00).
    const plus = (a: string, b: number) => (Number(a) + b).toFixed(2);
    expect(await payout(t.ids.manager, YESTERDAY.slice(0, 7))).toBe(plus(before.manager, 50));
    expect(await payout(t.ids.spec)).toBe(plus(before.spec, 30));
  });
});
