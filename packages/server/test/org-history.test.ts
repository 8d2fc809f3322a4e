// The org's history reaches every reader, and dated changes reach the records on their day — seen
// from outside, in a tenant on Asia/Shanghai time: goals roll a past month up along the tree it
// had; approval routing reads "manager on a day" on the tenant's day near midnight; a change dated
// after today reaches the user and org_unit records when the daily job's day comes (the job runner
// driven with a fixed clock, as two server processes would run it); an org change dated after
// every open period recalculates nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { calendar, JobRunner, openTestStore, orgBackground, ORG_DAILY_QUEUE, eventQueue } from '@attain/store';
import { goalsBackground, incentivesBackground } from '@attain/engine';
import { workflowFor } from '@attain/workflow';
import { testServer } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';

const ZONE = 'Asia/Shanghai';
let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
let drain: () => Promise<number>;
let customer: string;
/** The workflow's clock: real time unless a test sets it. */
let clock: Date | null = null;

const TODAY = calendar.localToday(ZONE);
const monthBefore = (m: string) => {
  const [y, mm] = m.split('-').map(Number) as [number, number];
  return mm === 1 ? `${y - 1}-12` : `${y}-${String(mm - 1).padStart(2, '0')}`;
};
const PREV = monthBefore(TODAY.slice(0, 7));
const PREV2 = monthBefore(PREV);
const MONTH = TODAY.slice(0, 7);
const units: Record<string, string> = {};

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
const flow = {
  kind: 'approval_flow',
  id: 'flow_to_manager',
  name: 'to_manager',
  label: { en: 'to manager' },
  object: 'opportunity',
  entryCondition: 'amount > 0',
  steps: [{ name: 'first', approvers: [{ type: 'manager', levels: 1 }] }],
};

beforeAll(async () => {
  store = (await openTestStore()) as unknown as Store;
  // The workflow service of this store, on a clock the tests can set (created before the server's).
  workflowFor(store as never, { now: () => clock ?? new Date() });
  ({ app } = await testServer(store));
  const goals = goalsBackground(store as never);
  for (const s of goals.subscriptions ?? []) store.events.subscribe(s);
  t = await coreTenant(app, store, 'orghist', { timeZone: ZONE });
  const runner = new JobRunner(store.jobs as never, { handlers: { ...goals.handlers, ...incentivesBackground(store as never).handlers }, batch: 200 });
  drain = () => runner.drain();
  const admin = t.call.admin;
  customer = (await admin.post('/api/v1/objects/customer', { name: 'ACME' })).json().id;
  expect((await admin.put('/api/v1/goals/kpis/order_revenue', kpi)).statusCode).toBe(200);
  expect((await admin.put('/api/v1/incentives/crediting-rules', { rules })).statusCode).toBe(200);
  expect((await admin.put('/api/v1/workflow/flows/to_manager', flow)).statusCode).toBe(200);
  for (const name of ['North', 'South']) units[name] = (await admin.post('/api/v1/objects/org_unit', { name })).json().id;
  units.team = (await admin.post('/api/v1/objects/org_unit', { name: 'Team', parent_id: units.North })).json().id;
  // rep1 has been in the team for years: a record write stating its day.
  expect((await admin.patch(`/api/v1/objects/user/${t.ids.rep1}?effective_from=2020-01-01`, { org_unit_id: units.team })).statusCode).toBe(200);
  await drain();
});
afterAll(async () => {
  await app.close();
  await store.close();
});

let orders = 0;
async function order(owner: string, date: string, amount: string): Promise<void> {
  const res = await t.call.admin.post('/api/v1/objects/order', { order_number: `O-${++orders}`, customer_id: customer, order_date: date, status: 'booked', amount, currency: 'USD', owner_id: owner });
  expect(res.statusCode).toBe(201);
}

async function payout(payee: string, period: string): Promise<string> {
  const res = await t.call.finance.get(`/api/v1/incentives/statements/${payee}/${period}`);
  expect(res.statusCode).toBe(200);
  return (res.json().data.payouts as Array<{ payout: string }>).reduce((a, p) => a + Number(p.payout), 0).toFixed(2);
}

async function unitActual(unit: string, period: string): Promise<number> {
  const res = await t.call.admin.get(`/api/v1/goals/attainment?kpi=order_revenue&period=${period}&unit=${unit}`);
  expect(res.statusCode).toBe(200);
  return res.json().data[0].actual as number;
}

async function board(unit: string, period: string, asOf: string): Promise<string[]> {
  const res = await t.call.admin.get(`/api/v1/goals/attainment?kpi=order_revenue&period=${period}&team=${unit}&asOf=${asOf}`);
  expect(res.statusCode).toBe(200);
  return (res.json().data as Array<{ subject: { id: string } }>).map((r) => r.subject.id).sort();
}

describe('the org history reaches every reader', () => {
  it('a unit moved under another parent by a back-dated POST /org/changes: goals roll each past month up along the tree it had', async () => {
    await order(t.ids.rep1, `${PREV2}-10`, '1000');
    await order(t.ids.rep1, `${PREV}-10`, '2000');
    await drain();
    expect([await unitActual(units.North!, PREV2), await unitActual(units.North!, PREV)]).toEqual([1000, 2000]);

    const moved = await t.call.admin.post('/api/v1/org/changes', { units: [{ unit_id: units.team, parent_id: units.South, head_id: null, valid_from: `${PREV}-01` }] });
    expect(moved.statusCode).toBe(200);
    await drain();
    // Two months ago the team sat under North; from last month on under South.
    expect([await unitActual(units.North!, PREV2), await unitActual(units.South!, PREV2)]).toEqual([1000, 0]);
    expect([await unitActual(units.North!, PREV), await unitActual(units.South!, PREV)]).toEqual([0, 2000]);
    // The team's own month is the same either way.
    expect(await unitActual(units.team!, PREV2)).toBe(1000);
    // Team boards list the sub-units of their day.
    expect(await board(units.North!, PREV2, `${PREV2}-15`)).toContain(units.team);
    expect(await board(units.North!, PREV, `${PREV}-15`)).not.toContain(units.team);
    expect(await board(units.South!, PREV, `${PREV}-15`)).toContain(units.team);
    // The record shows today's answer.
    expect((await t.call.admin.get(`/api/v1/objects/org_unit/${units.team}`)).json().parent_id).toBe(units.South);
  });

  it("approval routing reads the manager on the tenant's day: half past midnight in Shanghai is already the new day", async () => {
    const deal = await t.call.admin.post('/api/v1/objects/opportunity', { name: 'Deal', customer_id: customer, amount: '500', close_date: TODAY, owner_id: t.ids.rep2 });
    expect(deal.statusCode).toBe(201);
    // From 2025-06-01 on rep2 reports to the admin instead of the manager.
    const moved = await t.call.admin.post('/api/v1/goals/org/import', {
      rows: [{ user_id: t.ids.rep2, org_unit_id: (await t.call.admin.get(`/api/v1/objects/user/${t.ids.rep2}`)).json().org_unit_id, manager_id: t.ids.admin, valid_from: '2025-06-01' }],
    });
    expect(moved.statusCode).toBe(200);
    await drain();
    const approvers = async (at: string) => {
      clock = new Date(at);
      try {
        const res = await t.call.rep2.post('/api/v1/workflow/flows/to_manager/preview', { recordId: deal.json().id });
        expect(res.statusCode).toBe(200);
        return (res.json().steps as Array<{ approvers: string[] }>)[0]!.approvers;
      } finally {
        clock = null;
      }
    };
    // 23:30 on May 31st in Shanghai (15:30 UTC): still the manager.
    expect(await approvers('2025-05-31T15:30:00Z')).toEqual([t.ids.manager]);
    // 00:30 on June 1st in Shanghai, though still May 31st in UTC: the admin.
    expect(await approvers('2025-05-31T16:30:00Z')).toEqual([t.ids.admin]);
  });

  it("a change dated after today reaches the records when its day starts in the tenant's zone, once, however many processes run the job", async () => {
    const future = calendar.addDays(TODAY, 3);
    const later = calendar.addDays(TODAY, 5);
    const before = (await t.call.admin.get(`/api/v1/objects/user/${t.ids.rep1}`)).json();
    const res = await t.call.admin.post('/api/v1/org/changes', {
      memberships: [{ user_id: t.ids.rep1, org_unit_id: units.North, manager_id: t.ids.admin, valid_from: future }],
      units: [{ unit_id: units.team, parent_id: units.North, head_id: null, valid_from: later }],
    });
    expect(res.statusCode).toBe(200);
    await drain();
    // Today the records still say what today's org says.
    const now = (await t.call.admin.get(`/api/v1/objects/user/${t.ids.rep1}`)).json();
    expect([now.org_unit_id, now.manager_id]).toEqual([before.org_unit_id, before.manager_id]);
    const jobs = async (status?: 'ready' | 'done') =>
      (await store.jobs.list({ queue: ORG_DAILY_QUEUE, tenant: t.name, ...(status ? { status } : {}) })).filter((j) => (j.payload as { day: string }).day >= future);
    expect((await jobs('ready')).map((j) => [(j.payload as { day: string }).day, j.runAt])).toEqual([[future, calendar.dayStart(future, ZONE).toISOString()]]);

    // Two server processes, each with the job runner and the org's daily job, on a fixed clock.
    let at = new Date(calendar.dayStart(future, ZONE).getTime() - 60_000);
    const node = () => new JobRunner(store.jobs as never, { handlers: orgBackground(store as never, { now: () => at }).handlers, now: () => at });
    const [a, b] = [node(), node()];
    // A minute before midnight in Shanghai: nothing is due.
    expect((await Promise.all([a.drain(), b.drain()])).reduce((x, y) => x + y, 0)).toBe(0);
    expect((await t.call.admin.get(`/api/v1/objects/user/${t.ids.rep1}`)).json().org_unit_id).toBe(before.org_unit_id);
    // Five minutes after: the job runs once, and the user's record shows the new unit and manager.
    at = new Date(calendar.dayStart(future, ZONE).getTime() + 5 * 60_000);
    expect((await Promise.all([a.drain(), b.drain()])).reduce((x, y) => x + y, 0)).toBe(1);
    const moved = (await t.call.admin.get(`/api/v1/objects/user/${t.ids.rep1}`)).json();
    expect([moved.org_unit_id, moved.manager_id]).toEqual([units.North, t.ids.admin]);
    // Showing it on the record moved nothing in the history: the change still starts on its day.
    const spans = (await t.call.admin.get(`/api/v1/org/memberships?user=${t.ids.rep1}`)).json().data as Array<{ org_unit_id: string; valid_from: string; valid_to: string | null }>;
    expect(spans.slice(-2).map((m) => [m.org_unit_id, m.valid_from, m.valid_to])).toEqual([
      [units.team, '2020-01-01', future],
      [units.North, future, null],
    ]);
    const done = await jobs('done');
    expect(done.map((j) => j.result)).toEqual([{ day: future, users: 1, units: 0, next: later }]);
    // The run scheduled the next day a span starts on; the unit's record waits for it.
    expect((await jobs('ready')).map((j) => (j.payload as { day: string }).day)).toEqual([later]);
    expect((await t.call.admin.get(`/api/v1/objects/org_unit/${units.team}`)).json().parent_id).toBe(units.South);
    at = new Date(calendar.dayStart(later, ZONE).getTime() + 60_000);
    expect(await a.drain()).toBe(1);
    expect((await t.call.admin.get(`/api/v1/objects/org_unit/${units.team}`)).json().parent_id).toBe(units.North);

    // Running the day again changes nothing: the record is not written a second time.
    const settled = (await t.call.admin.get(`/api/v1/objects/user/${t.ids.rep1}`)).json();
    await store.jobs.enqueue({ queue: ORG_DAILY_QUEUE, tenant: t.name, key: `again:${t.name}`, payload: { tenant: t.name, day: future, since: TODAY }, runAt: at });
    expect(await b.drain()).toBe(1);
    expect((await t.call.admin.get(`/api/v1/objects/user/${t.ids.rep1}`)).json()).toEqual(settled);

    // A job claimed before its day in the tenant's zone (its zone changed) waits for that midnight.
    const far = calendar.addDays(later, 30);
    const early = await store.jobs.enqueue({ queue: ORG_DAILY_QUEUE, tenant: t.name, key: `early:${t.name}`, payload: { tenant: t.name, day: far, since: later }, runAt: at });
    const junk = await store.jobs.enqueue({ queue: ORG_DAILY_QUEUE, tenant: t.name, key: `junk:${t.name}`, payload: { day: far }, runAt: at });
    expect(await a.drain()).toBe(2);
    expect((await store.jobs.get(early.id))?.result).toMatchObject({ users: 0, units: 0, next: far });
    expect((await store.jobs.get(junk.id))?.result).toEqual({ skipped: 'bad payload' });
    expect((await jobs('ready')).map((j) => [(j.payload as { day: string }).day, j.runAt])).toEqual([[far, calendar.dayStart(far, ZONE).toISOString()]]);
  });

  it('an org change dated after every open period recalculates no incentive period', async () => {
    await order(t.ids.rep2, TODAY, '500');
    await drain();
    const far = `${Number(TODAY.slice(0, 4)) + 2}-01-01`;
    expect((await t.call.admin.post('/api/v1/org/changes', { memberships: [{ user_id: t.ids.rep2, org_unit_id: units.South, manager_id: t.ids.manager, valid_from: far }] })).statusCode).toBe(200);
    await drain();
    const runs = await store.jobs.list({ queue: eventQueue('incentives.org'), tenant: t.name, status: 'done' });
    // Newest first: the last org event's run found no open period its dates reach.
    expect(runs[0]?.result).toEqual({ skipped: true });
  });

  it("an org change dated within the open periods recredits from its day: the month before keeps its roll-up, this month's moves to the new manager", async () => {
    const admin = t.call.admin;
    expect((await admin.put(`/api/v1/incentives/plans/${managerPlan.id}`, managerPlan)).statusCode).toBe(200);
    expect((await admin.put('/api/v1/incentives/plans/plan_mgr/assignments', { assignments: [t.ids.manager, t.ids.admin].map((payeeId) => ({ payeeId, from: '2020-01-01' })) })).statusCode).toBe(200);
    const rep = await admin.post('/api/v1/objects/user', { name: 'rep3', email: `rep3@${t.name}.test`, role: 'rep', active: true, org_unit_id: units.South, manager_id: t.ids.manager });
    expect(rep.statusCode).toBe(201);
    const rep3 = rep.json().id as string;
    await order(rep3, `${PREV}-12`, '1000');
    await order(rep3, TODAY, '3000');
    await drain();
    const before = { prev: await payout(t.ids.manager, PREV), mgr: await payout(t.ids.manager, MONTH), admin: await payout(t.ids.admin, MONTH) };
    const moved = await admin.post('/api/v1/org/changes', { memberships: [{ user_id: rep3, org_unit_id: units.South, manager_id: t.ids.admin, valid_from: `${MONTH}-01` }] });
    expect(moved.statusCode).toBe(200);
    await drain();
    // Last month stays with the manager; this month's 3,000 × 10% moves to the admin.
    expect(await payout(t.ids.manager, PREV)).toBe(before.prev);
    expect(Number(await payout(t.ids.manager, MONTH))).toBeCloseTo(Number(before.mgr) - 300, 2);
    expect(Number(await payout(t.ids.admin, MONTH))).toBeCloseTo(Number(before.admin) + 300, 2);
  });
});
