// Issue #18: a deprovisioned person loses access at once and their credits move per the org rules.
// Every way of deprovisioning — SCIM DELETE, SCIM PATCH active=false (Okta), REST deactivation and
// REST delete — ends the person's membership on its day, like any dated org change: from that day
// they report to no one, so the manager's roll-up of their order dated today leaves, while what was
// dated before stays. Statements are right once the background work of the write is done (waited
// for through GET /sync with the write's position), with no recalculation call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { JobRunner } from '@attain/store';
import { hashPassword } from '../src/index.ts';
import { PASSWORD, as, login, testServer, type Caller } from './helpers.ts';
import { coreTenant, startDerivation, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
let runner: JobRunner;
let customer: string;
let token: string;
let n = 0;

const TODAY = new Date().toISOString().slice(0, 10);
const YESTERDAY = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const rules = [
  { kind: 'crediting_rule', id: 'owner', name: 'owner', label: { en: 'Owner' }, effectiveFrom: '2020-01-01', type: 'split' },
  { kind: 'crediting_rule', id: 'mgr', name: 'manager_rollup', label: { en: 'Manager roll-up' }, effectiveFrom: '2020-01-01', type: 'rollup', levels: [{ pct: '100' }] },
];
// Managers are paid 10% of what rolls up to them.
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

function scim(method: 'PATCH' | 'DELETE', path: string, body?: unknown) {
  return app.inject({
    method,
    url: `/api/v1/scim/v2${path}`,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/scim+json' } : {}) },
    ...(body ? { payload: JSON.stringify(body) } : {}),
  });
}

/** Waits, as a client does, until everything derived from the write is computed (GET /sync). */
async function reflected(res: LightMyRequestResponse): Promise<void> {
  expect(res.statusCode, res.body).toBeLessThan(300);
  const position = res.headers['x-attain-position'];
  expect(typeof position).toBe('string');
  const sync = await t.call.admin.get(`/api/v1/sync?position=${String(position)}&wait=30000`);
  expect(sync.json(), sync.body).toMatchObject({ reflected: true, pending: 0, failed: [] });
}

async function payout(payee: string, day = TODAY): Promise<string> {
  const res = await t.call.finance.get(`/api/v1/incentives/statements/${payee}/${day.slice(0, 7)}`);
  expect(res.statusCode, res.body).toBe(200);
  const data = res.json().data as { payouts: Array<{ payout: string }> };
  return data.payouts.reduce((a, p) => a + Number(p.payout), 0).toFixed(2);
}

const minus = (a: string, b: number) => (Number(a) - b).toFixed(2);

/** A rep reporting to the manager, signed in, with an order dated yesterday (200) and one today (1,000). */
async function rep(): Promise<{ id: string; session: Caller }> {
  const email = `leaver${++n}@${t.name}.test`;
  const created = await t.call.admin.post('/api/v1/objects/user', { name: `Leaver ${n}`, email, role: 'rep', active: true, manager_id: t.ids.manager });
  expect(created.statusCode, created.body).toBe(201);
  const id = created.json().id as string;
  // A credential to sign in with (set-up: people sign in by SSO or a password reset).
  await store.auth.upsertCredential({ tenant: t.name, userId: id, email, passwordHash: await hashPassword(PASSWORD, { N: 1024 }), active: true });
  const session = as(app, await login(app, t.name, email));
  expect((await session.get('/api/v1/auth/me')).statusCode).toBe(200);
  for (const [day, amount] of [
    [YESTERDAY, '200'],
    [TODAY, '1000'],
  ] as const) {
    const order = await t.call.admin.post('/api/v1/objects/order', {
      order_number: `${email}-${day}`,
      customer_id: customer,
      order_date: day,
      status: 'booked',
      amount,
      currency: 'USD',
      owner_id: id,
    });
    await reflected(order);
  }
  return { id, session };
}

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await coreTenant(app, store, 'deprov');
  runner = startDerivation(store);
  const admin = t.call.admin;
  customer = (await admin.post('/api/v1/objects/customer', { name: 'ACME' })).json().id;
  await reflected(await admin.put('/api/v1/incentives/crediting-rules', { rules }));
  await reflected(await admin.put(`/api/v1/incentives/plans/${managerPlan.id}`, managerPlan));
  await reflected(await admin.put('/api/v1/incentives/plans/plan_mgr/assignments', { assignments: [{ payeeId: t.ids.manager, from: '2020-01-01' }] }));
  token = (await admin.post('/api/v1/auth/tokens', { name: 'idp', scopes: ['scim'] })).json().token;
});
afterAll(async () => {
  await runner.stop();
  await app.close();
  await store.close();
});

const paths: Array<[string, (id: string) => Promise<LightMyRequestResponse>]> = [
  ['SCIM DELETE (Entra)', (id) => scim('DELETE', `/Users/${id}`)],
  ['SCIM PATCH active=false (Okta)', (id) => scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] })],
  ['REST deactivation', (id) => t.call.admin.patch(`/api/v1/objects/user/${id}`, { active: false })],
  ['REST delete', (id) => t.call.admin.del(`/api/v1/objects/user/${id}`)],
];

describe('deprovisioning ends access at once and moves credits per the org rules', () => {
  it.each(paths)('%s', async (_name, deprovision) => {
    const { id, session } = await rep();
    const before = { today: await payout(t.ids.manager), yesterday: await payout(t.ids.manager, YESTERDAY) };

    const res = await deprovision(id);
    expect(res.statusCode, res.body).toBeLessThan(300);
    // Access ends with the write, before any background work.
    expect((await session.get('/api/v1/auth/me')).statusCode).toBe(401);
    await reflected(res);

    // The membership ends today (valid_to is exclusive).
    const spans = (await t.call.admin.get(`/api/v1/org/memberships?user=${id}`)).json().data as Array<{ manager_id: string | null; valid_to: string | null }>;
    expect(spans.at(-1)).toMatchObject({ manager_id: t.ids.manager, valid_to: TODAY });
    // Today's 1,000 no longer rolls up (−100.00); yesterday's 200 still does (+20.00 stays).
    expect(await payout(t.ids.manager)).toBe(minus(before.today, 100));
    if (YESTERDAY.slice(0, 7) !== TODAY.slice(0, 7)) expect(await payout(t.ids.manager, YESTERDAY)).toBe(before.yesterday);
  });

  it('reactivation opens a new membership from today with the unit and manager the record kept', async () => {
    const { id } = await rep();
    const rolled = await payout(t.ids.manager);
    await reflected(await t.call.admin.patch(`/api/v1/objects/user/${id}`, { active: false }));
    expect(await payout(t.ids.manager)).toBe(minus(rolled, 100));
    // The record still names the manager: the org, not the record, says the person is in no unit.
    expect((await t.call.admin.get(`/api/v1/objects/user/${id}`)).json().manager_id).toBe(t.ids.manager);
    const on = (await t.call.admin.get(`/api/v1/org/on/${TODAY}`)).json().data as { users: Array<{ id: string }> };
    expect(on.users.some((u) => u.id === id)).toBe(false);
    // A write to an inactive person's manager moves nothing in the org.
    await reflected(await t.call.admin.patch(`/api/v1/objects/user/${id}`, { manager_id: t.ids.spec }));
    await reflected(await t.call.admin.patch(`/api/v1/objects/user/${id}`, { manager_id: t.ids.manager }));
    expect(await payout(t.ids.manager)).toBe(minus(rolled, 100));

    await reflected(await t.call.admin.patch(`/api/v1/objects/user/${id}`, { active: true }));
    expect(await payout(t.ids.manager)).toBe(rolled);
    const spans = (await t.call.admin.get(`/api/v1/org/memberships?user=${id}`)).json().data as Array<{ manager_id: string | null; valid_from: string; valid_to: string | null }>;
    expect(spans.map((s) => [s.manager_id, s.valid_to])).toEqual([[t.ids.manager, null]]);
  });

  it('a deactivation stated from yesterday (?effective_from) takes the roll-up of yesterday’s order too', async () => {
    const { id } = await rep();
    const before = { today: await payout(t.ids.manager), yesterday: await payout(t.ids.manager, YESTERDAY) };
    await reflected(await t.call.admin.patch(`/api/v1/objects/user/${id}?effective_from=${YESTERDAY}`, { active: false }));
    const spans = (await t.call.admin.get(`/api/v1/org/memberships?user=${id}`)).json().data as Array<{ valid_to: string | null }>;
    expect(spans.at(-1)?.valid_to).toBe(YESTERDAY);
    if (YESTERDAY.slice(0, 7) === TODAY.slice(0, 7)) expect(await payout(t.ids.manager)).toBe(minus(before.today, 120));
    else {
      expect(await payout(t.ids.manager)).toBe(minus(before.today, 100));
      expect(await payout(t.ids.manager, YESTERDAY)).toBe(minus(before.yesterday, 20));
    }
  });
});

describe('inactive people and the rest of the org', () => {
  it('a person created inactive is in no unit until activated, though background work seeds the org', async () => {
    const email = `dormant@${t.name}.test`;
    const created = await t.call.admin.post('/api/v1/objects/user', { name: 'Dormant', email, role: 'rep', active: false, manager_id: t.ids.manager });
    // The user event's background work (goals seed people without history) has run.
    await reflected(created);
    const id = created.json().id as string;
    expect((await t.call.admin.get(`/api/v1/org/memberships?user=${id}`)).json().data).toEqual([]);
    await reflected(await t.call.admin.patch(`/api/v1/objects/user/${id}`, { active: true }));
    const spans = (await t.call.admin.get(`/api/v1/org/memberships?user=${id}`)).json().data as Array<{ manager_id: string | null; valid_from: string; valid_to: string | null }>;
    // A first span counts from the beginning, as for anyone new.
    expect(spans.map((x) => [x.manager_id, x.valid_from, x.valid_to])).toEqual([[t.ids.manager, '1900-01-01', null]]);
  });

  it('a dated org change may still state an inactive person’s history; their record keeps what it had', async () => {
    const { id } = await rep();
    await reflected(await t.call.admin.patch(`/api/v1/objects/user/${id}`, { active: false }));
    // HR corrects the history: under spec from 2020 until yesterday.
    const change = await t.call.admin.post('/api/v1/org/changes', { memberships: [{ user_id: id, org_unit_id: null, manager_id: t.ids.spec, valid_from: '2020-01-01', valid_to: YESTERDAY }] });
    expect(change.statusCode, change.body).toBe(200);
    await reflected(change);
    const spans = () =>
      t.call.admin
        .get(`/api/v1/org/memberships?user=${id}`)
        .then((r) => (r.json().data as Array<{ manager_id: string | null; valid_from: string; valid_to: string | null }>).map((x) => [x.manager_id, x.valid_from, x.valid_to]));
    expect(await spans()).toEqual([
      [t.ids.manager, '1900-01-01', '2020-01-01'],
      [t.ids.spec, '2020-01-01', YESTERDAY],
    ]);
    // Not in the org today, but the record still names the manager (not cleared to match).
    expect((await t.call.admin.get(`/api/v1/objects/user/${id}`)).json().manager_id).toBe(t.ids.manager);
    // A change that puts them back in the org from today stands: the record follows it, and that
    // write (stating what the org says) does not end it again.
    await reflected(await t.call.admin.post('/api/v1/org/changes', { memberships: [{ user_id: id, org_unit_id: null, manager_id: t.ids.spec, valid_from: TODAY }] }));
    expect((await spans()).at(-1)).toEqual([t.ids.spec, TODAY, null]);
    expect((await t.call.admin.get(`/api/v1/objects/user/${id}`)).json().manager_id).toBe(t.ids.spec);
  });

  it('a leaver deactivated by a bulk upsert (as HR feeds and connectors write) leaves the org too', async () => {
    const row = { external_id: 'hr-leaver-1', name: 'HR Leaver', email: `hr-leaver@${t.name}.test`, role: 'rep', manager_id: t.ids.manager, active: true };
    const made = await t.call.admin.post('/api/v1/objects/user:upsert', { rows: [row] });
    expect(made.statusCode, made.body).toBe(200);
    await reflected(made);
    const id = made.json().records[0].id as string;
    const off = await t.call.admin.post('/api/v1/objects/user:upsert', { rows: [{ ...row, active: false }] });
    expect(off.statusCode, off.body).toBe(200);
    await reflected(off);
    const spans = (await t.call.admin.get(`/api/v1/org/memberships?user=${id}`)).json().data as Array<{ manager_id: string | null; valid_to: string | null }>;
    expect(spans.at(-1)).toMatchObject({ manager_id: t.ids.manager, valid_to: TODAY });
  });
});
