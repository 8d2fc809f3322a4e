// One effective-dated org, observed from outside: moves made through the user and org_unit
// records or a back-dated org import change, in the same way, incentive manager roll-ups, a
// manager's team scope, approval routing and goals team attainment. A change made through a
// record takes effect today, so the orders of those cases are dated today (UTC, as the server's day).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { JobRunner } from '@attain/store';
import { goalsBackground, incentivesBackground } from '@attain/engine';
import { hashPassword } from '../src/index.ts';
import { PASSWORD, as, login, testServer, type Caller } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
let drain: () => Promise<number>;
let customer: string;
let sales: string;
const people: Record<string, { id: string; call: Caller }> = {};
const units: Record<string, string> = {};

const TODAY = new Date().toISOString().slice(0, 10);
const MONTH = TODAY.slice(0, 7);
const PREV = (() => {
  const [y, m] = MONTH.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
})();

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
const kpi = {
  kind: 'kpi',
  id: 'kpi_orders',
  name: 'order_revenue',
  label: { en: 'Order revenue' },
  object: 'order',
  measure: { aggregate: 'sum', value: 'amount' },
  dateField: 'order_date',
  unit: 'money',
};
const flow = (name: string, approver: Record<string, unknown>) => ({
  kind: 'approval_flow',
  id: `flow_${name}`,
  name,
  label: { en: name },
  object: 'opportunity',
  entryCondition: 'amount > 0',
  steps: [{ name: 'first', approvers: [approver] }],
});

beforeAll(async () => {
  ({ app, store } = await testServer());
  // Goals follow record and org events too: subscribed before any write so none is missed.
  const goals = goalsBackground(store as never);
  for (const s of goals.subscriptions ?? []) store.events.subscribe(s);
  t = await coreTenant(app, store, 'orgsvc');
  const runner = new JobRunner(store.jobs as never, { handlers: { ...goals.handlers, ...incentivesBackground(store as never).handlers }, batch: 200 });
  drain = () => runner.drain();
  const admin = t.call.admin;
  customer = (await admin.post('/api/v1/objects/customer', { name: 'ACME' })).json().id;
  sales = (await admin.get(`/api/v1/objects/user/${t.ids.manager}`)).json().org_unit_id;
  expect((await admin.put('/api/v1/incentives/crediting-rules', { rules })).statusCode).toBe(200);
  expect((await admin.put('/api/v1/goals/kpis/order_revenue', kpi)).statusCode).toBe(200);
  for (const name of ['mgrb', 'mgrc']) await person(name, 'manager', {});
  expect((await admin.put(`/api/v1/incentives/plans/${managerPlan.id}`, managerPlan)).statusCode).toBe(200);
  const assignments = [t.ids.manager, people.mgrb!.id, people.mgrc!.id].map((payeeId) => ({ payeeId, from: '2020-01-01' }));
  expect((await admin.put('/api/v1/incentives/plans/plan_mgr/assignments', { assignments })).statusCode).toBe(200);
  expect((await admin.put('/api/v1/workflow/flows/to_manager', flow('to_manager', { type: 'manager', levels: 1 }))).statusCode).toBe(200);
  expect((await admin.put('/api/v1/workflow/flows/to_head', flow('to_head', { type: 'org_head' }))).statusCode).toBe(200);
  await drain();
});
afterAll(async () => {
  await app.close();
  await store.close();
});

/** A user with a login, created through the records API. */
async function person(name: string, role: string, fields: Record<string, unknown>): Promise<{ id: string; call: Caller }> {
  const email = `${name}@${t.name}.test`;
  const res = await t.call.admin.post('/api/v1/objects/user', { name, email, role, active: true, ...fields });
  expect(res.statusCode).toBe(201);
  const id = res.json().id as string;
  await store.auth.upsertCredential({ tenant: t.name, userId: id, email, passwordHash: await hashPassword(PASSWORD, { N: 1024 }), active: true });
  people[name] = { id, call: as(app, await login(app, t.name, email)) };
  return people[name]!;
}

let orders = 0;
async function order(owner: string, date: string, amount: string): Promise<void> {
  const res = await t.call.admin.post('/api/v1/objects/order', { order_number: `O-${++orders}`, customer_id: customer, order_date: date, status: 'booked', amount, currency: 'USD', owner_id: owner });
  expect(res.statusCode).toBe(201);
}

async function opportunity(owner: string, name: string): Promise<string> {
  const res = await t.call.admin.post('/api/v1/objects/opportunity', { name, customer_id: customer, amount: '500', close_date: TODAY, owner_id: owner });
  expect(res.statusCode).toBe(201);
  return res.json().id as string;
}

/** The payee's statement for the period, read by finance: the payout, and the prior-period adjustments in it. */
async function statement(payee: string, period: string): Promise<{ payout: string; adjustments: string }> {
  const res = await t.call.finance.get(`/api/v1/incentives/statements/${payee}/${period}`);
  expect(res.statusCode).toBe(200);
  const data = res.json().data as { lines: Array<{ kind: string; amount: string }>; payouts: Array<{ payout: string }> };
  const sum = (xs: string[]) => xs.reduce((a, v) => a + Number(v), 0).toFixed(2);
  return { payout: sum(data.payouts.map((p) => p.payout)), adjustments: sum(data.lines.filter((l) => l.kind === 'adjustment').map((l) => l.amount)) };
}
const payout = async (payee: string, period: string) => (await statement(payee, period)).payout;

async function visibleOpportunities(caller: Caller): Promise<string[]> {
  const res = await caller.get('/api/v1/objects/opportunity?limit=500');
  expect(res.statusCode).toBe(200);
  return (res.json().data as Array<{ id: string }>).map((o) => o.id);
}

async function approvers(caller: Caller, flowName: string, recordId: string): Promise<string[]> {
  const res = await caller.post(`/api/v1/workflow/flows/${flowName}/preview`, { recordId });
  expect(res.statusCode).toBe(200);
  return (res.json().steps as Array<{ approvers: string[] }>)[0]!.approvers;
}

describe('one effective-dated org', () => {
  it("a rep moved into a team with PATCH /objects/user rolls up to the new manager, who now sees the rep's records and approves them", async () => {
    const solo = await person('solo', 'rep', {});
    await order(solo.id, TODAY, '1000');
    const deal = await opportunity(solo.id, 'Solo deal');
    await drain();
    const mgrb = people.mgrb!;
    expect(await payout(mgrb.id, MONTH)).toBe('0.00');
    expect(await visibleOpportunities(mgrb.call)).not.toContain(deal);
    expect(await approvers(solo.call, 'to_manager', deal)).toEqual([]);

    expect((await t.call.admin.patch(`/api/v1/objects/user/${solo.id}`, { manager_id: mgrb.id })).statusCode).toBe(200);
    await drain();
    // 1,000 rolled up × 10% = 100.00
    expect(await payout(mgrb.id, MONTH)).toBe('100.00');
    expect(await visibleOpportunities(mgrb.call)).toContain(deal);
    expect(await approvers(solo.call, 'to_manager', deal)).toEqual([mgrb.id]);
  });

  it("changing a unit's head_id moves the roll-up, the team scope and the org-head approver of its members", async () => {
    const { mgrb, mgrc } = people as Record<'mgrb' | 'mgrc', { id: string; call: Caller }>;
    units.east = (await t.call.admin.post('/api/v1/objects/org_unit', { name: 'East', head_id: mgrb.id })).json().id;
    const rep = await person('eastrep', 'rep', { org_unit_id: units.east });
    await order(rep.id, TODAY, '2000');
    const deal = await opportunity(rep.id, 'East deal');
    await drain();
    // mgrb: 100.00 (solo) + 2,000 × 10% = 300.00
    expect([await payout(mgrb.id, MONTH), await payout(mgrc.id, MONTH)]).toEqual(['300.00', '0.00']);
    expect(await visibleOpportunities(mgrb.call)).toContain(deal);
    expect(await approvers(rep.call, 'to_head', deal)).toEqual([mgrb.id]);

    expect((await t.call.admin.patch(`/api/v1/objects/org_unit/${units.east}`, { head_id: mgrc.id })).statusCode).toBe(200);
    await drain();
    expect([await payout(mgrb.id, MONTH), await payout(mgrc.id, MONTH)]).toEqual(['100.00', '200.00']);
    expect(await visibleOpportunities(mgrb.call)).not.toContain(deal);
    expect(await visibleOpportunities(mgrc.call)).toContain(deal);
    expect(await approvers(rep.call, 'to_head', deal)).toEqual([mgrc.id]);
    // Without a manager of their own, a member reports to the unit's head: the manager step agrees.
    expect(await approvers(rep.call, 'to_manager', deal)).toEqual([mgrc.id]);
  });

  it('a back-dated POST /goals/org/import mid-month splits roll-up credit by date, and goals team attainment counts the same people', async () => {
    const mgrc = people.mgrc!;
    const mover = await person('mover', 'rep', { org_unit_id: sales, manager_id: t.ids.manager });
    await order(mover.id, `${PREV}-05`, '1000');
    await order(mover.id, `${PREV}-20`, '3000');
    const deal = await opportunity(mover.id, 'Mover deal');
    await drain();
    expect(await payout(t.ids.manager, PREV)).toBe('400.00');
    expect(await payout(mgrc.id, PREV)).toBe('0.00');

    const moved = await t.call.admin.post('/api/v1/goals/org/import', { rows: [{ user_id: mover.id, org_unit_id: units.east, manager_id: mgrc.id, valid_from: `${PREV}-15` }] });
    expect(moved.statusCode).toBe(200);
    await drain();
    // Before the 15th the old manager: 1,000 × 10%; from the 15th the new one: 3,000 × 10%.
    expect([await payout(t.ids.manager, PREV), await payout(mgrc.id, PREV)]).toEqual(['100.00', '300.00']);
    // Goals see the same teams on the same days: East has the 20th's order, Sales the 5th's.
    const actual = async (unit: string) => (await t.call.admin.get(`/api/v1/goals/attainment?kpi=order_revenue&period=${PREV}&unit=${unit}`)).json().data[0].actual;
    expect([await actual(units.east!), await actual(sales)]).toEqual([3000, 1000]);
    // Today the mover reports to mgrc: their record scope and approvals follow.
    expect(await visibleOpportunities(mgrc.call)).toContain(deal);
    expect(await approvers(mover.call, 'to_manager', deal)).toEqual([mgrc.id]);
  });

  it('a back-dated move into an approved period leaves that period alone and books the difference as a prior-period adjustment', async () => {
    const mgrc = people.mgrc!;
    const mover = people.mover!;
    const approved = await t.call.finance.post(`/api/v1/incentives/periods/${PREV}/status`, { status: 'approved' });
    expect(approved.statusCode).toBe(200);
    const before = await statement(mgrc.id, MONTH);
    const moved = await t.call.admin.post('/api/v1/goals/org/import', { rows: [{ user_id: mover.id, org_unit_id: units.east, manager_id: mgrc.id, valid_from: `${PREV}-01` }] });
    expect(moved.statusCode).toBe(200);
    await drain();
    expect([await payout(t.ids.manager, PREV), await payout(mgrc.id, PREV)]).toEqual(['100.00', '300.00']);
    // The 5th's order (1,000 × 10%) moves from the old manager to mgrc in the first open month.
    expect((await statement(t.ids.manager, MONTH)).adjustments).toBe('-100.00');
    const after = await statement(mgrc.id, MONTH);
    expect([before.adjustments, after.adjustments]).toEqual(['0.00', '100.00']);
  });

  it('refuses a bad org import naming the row and field, and changes nothing', async () => {
    const mover = people.mover!;
    const bad = await t.call.admin.post('/api/v1/goals/org/import', {
      rows: [{ user_id: mover.id, org_unit_id: units.east, manager_id: '00000000-0000-7000-8000-000000000001', valid_from: `${PREV}-31x` }],
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details[0]).toMatchObject({ path: '/rows/0/valid_from', rule: 'format' });
    const unknown = await t.call.admin.post('/api/v1/goals/org/import', {
      rows: [{ user_id: mover.id, org_unit_id: units.east, manager_id: '00000000-0000-7000-8000-000000000001', valid_from: `${PREV}-02` }],
    });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.details).toEqual([{ path: '/rows/0/manager_id', rule: 'unknown_reference', message: 'no such user' }]);
    await drain();
    expect(await payout(t.ids.manager, PREV)).toBe('100.00');
  });
});
