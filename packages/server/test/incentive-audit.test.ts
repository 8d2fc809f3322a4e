// Every incentives change that moves pay writes exactly one audit entry, through the module's data
// port, in the change's own transaction (DESIGN §9.6): plan saves, crediting rules, plan, role and
// territory assignments, period open and status, dispute raise and resolve — by hand, and when an
// approval flow decides (then as the approver). A refused change writes nothing. Over HTTP, read
// back from GET /api/v1/audit as an admin.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { readMetadataDir } from '@attain/meta/node';
import { JobRunner } from '@attain/store';
import { workflowFor } from '@attain/workflow';
import { testServer } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
/** Runs the approval flows' decisions (durable workflow runs) as the worker would. */
let workflowRuns: JobRunner;

const MAR = '2026-03';
const APR = '2026-04';

interface Entry {
  at: string;
  action: string;
  object: string;
  recordId: string | null;
  actor: { userId: string | null };
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

const plan = {
  kind: 'incentive_plan',
  id: 'plan_trail',
  name: 'plan_trail',
  label: { en: 'Audited plan' },
  versions: [
    {
      version: 1,
      effectiveFrom: '2026-01-01',
      currency: 'USD',
      rounding: { scale: 2, mode: 'half_up' },
      measures: [{ name: 'revenue', type: 'sum' }],
      components: [{ name: 'commission', type: 'rate', measure: 'revenue', rate: '0.05' }],
    },
  ],
};

/** The tenant's entries about one kind of thing, newest first. */
async function trail(object: string): Promise<Entry[]> {
  const res = await t.call.admin.get(`/api/v1/audit?object=${object}&limit=1000`);
  expect(res.statusCode).toBe(200);
  return res.json().data as Entry[];
}

const actions = (entries: readonly Entry[]) => entries.map((e) => e.action);

async function order(number: string, date: string, amount: string): Promise<void> {
  const customer = (await t.call.rep1.post('/api/v1/objects/customer', { name: `Customer ${number}` })).json().id;
  const res = await t.call.rep1.post('/api/v1/objects/order', { order_number: number, customer_id: customer, order_date: date, status: 'booked', amount, currency: 'USD' });
  expect(res.statusCode, res.body).toBe(201);
  await t.drain();
}

/**
 * Whoever holds the one open approval task (the flow's finance step; its requester does not approve
 * their own request) approves it, and the decision is carried out; answers the approver's id.
 */
async function approveTask(): Promise<string> {
  for (const who of ['finance', 'admin'] as const) {
    const tasks = (await t.call[who].get('/api/v1/workflow/tasks')).json().data as Array<{ id: string }>;
    if (!tasks.length) continue;
    expect(tasks).toHaveLength(1);
    const res = await t.call[who].post(`/api/v1/workflow/tasks/${tasks[0]?.id}/approve`, { comment: 'checked' });
    expect(res.statusCode, res.body).toBe(200);
    await workflowRuns.drain();
    return t.ids[who];
  }
  throw new Error('no open approval task');
}

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await coreTenant(app, store, 'inctrail');
  workflowRuns = new JobRunner(store.jobs as never, { handlers: workflowFor(store as never).background().handlers, batch: 50 });
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('incentive changes are audited once, with the change', () => {
  it('a plan save writes one entry; a refused save writes none', async () => {
    expect((await t.call.admin.put(`/api/v1/incentives/plans/${plan.id}`, plan)).statusCode).toBe(200);
    const refused = await t.call.admin.put(`/api/v1/incentives/plans/${plan.id}`, {
      ...plan,
      versions: [{ ...plan.versions[0], components: [{ name: 'c', type: 'rate', measure: 'nope', rate: '0.1' }] }],
    });
    expect(refused.statusCode).toBe(422);
    const entries = await trail('incentive_plan');
    expect(actions(entries)).toEqual(['incentives.plan.create']);
    expect(entries[0]).toMatchObject({ actor: { userId: t.ids.admin }, before: null, after: { id: plan.id, versions: [{ version: 1, effectiveFrom: '2026-01-01', effectiveTo: null }] } });
  });

  it('crediting rules: one entry with the rules before and after', async () => {
    const rule = { kind: 'crediting_rule', id: 'own', name: 'owner', label: { en: 'Owner' }, effectiveFrom: '2020-01-01', type: 'owner' };
    expect((await t.call.admin.put('/api/v1/incentives/crediting-rules', { rules: [rule] })).statusCode).toBe(200);
    expect((await t.call.admin.put('/api/v1/incentives/crediting-rules', { rules: [{ ...rule, effectiveFrom: '2026-02-30' }] })).statusCode).toBe(422);
    const entries = await trail('crediting_rule');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: 'incentives.crediting_rules.update', actor: { userId: t.ids.admin }, before: { count: 0 }, after: { count: 1, rows: [{ id: 'own', type: 'owner' }] } });
  });

  it('plan, role and territory assignments: one entry per save, each with what it replaced', async () => {
    const onPlan = await t.call.admin.put(`/api/v1/incentives/plans/${plan.id}/assignments`, {
      assignments: [t.ids.rep1, t.ids.rep2].map((payeeId) => ({ payeeId, from: '2026-01-01' })),
    });
    expect(onPlan.statusCode, onPlan.body).toBe(200);
    expect((await t.call.admin.put('/api/v1/incentives/plans/no_such_plan/assignments', { assignments: [] })).statusCode).toBe(404);
    const byRole = await t.call.admin.put('/api/v1/incentives/role-assignments', { roleAssignments: [{ id: 'ra1', planId: plan.id, role: 'manager', from: '2026-01-01' }] });
    expect(byRole.statusCode, byRole.body).toBe(200);
    const customer = (await t.call.admin.post('/api/v1/objects/customer', { name: 'Territory customer' })).json().id as string;
    const territory = await t.call.admin.put('/api/v1/incentives/territories', { territories: [{ customerId: customer, payeeId: t.ids.rep2, from: '2026-01-01' }] });
    expect(territory.statusCode, territory.body).toBe(200);
    const entries = await trail('incentive_assignment');
    expect(actions(entries)).toEqual(['incentives.territory_assignments.update', 'incentives.role_assignments.update', 'incentives.assignments.update']);
    expect(entries.every((e) => e.actor.userId === t.ids.admin)).toBe(true);
    expect(entries[2]).toMatchObject({ before: { plan: plan.id, count: 0 }, after: { plan: plan.id, count: 2 } });
    expect(entries[1]).toMatchObject({ before: { count: 0 }, after: { count: 1, rows: [{ id: 'ra1', planId: plan.id, role: 'manager' }] } });
    expect(entries[0]).toMatchObject({ before: { count: 0 }, after: { count: 1, rows: [{ customerId: customer, payeeId: t.ids.rep2 }] } });
  });

  it('period open and each status change by hand: one entry each, from what to what; a refused or empty change writes none', async () => {
    // The order's month opens as the order is booked: audited as the order's writer.
    await order('T-1', '2026-03-05', '1000');
    // Opening it again changes nothing, and writes nothing; a new period is opened by finance.
    expect((await t.call.finance.post(`/api/v1/incentives/periods/${MAR}/open`)).statusCode).toBe(200);
    expect((await t.call.finance.post('/api/v1/incentives/periods/2026-06/open')).statusCode).toBe(200);
    expect((await t.call.finance.post('/api/v1/incentives/recalculate')).statusCode).toBe(200);
    expect((await t.call.finance.post(`/api/v1/incentives/periods/${MAR}/status`, { status: 'paid' })).statusCode).toBe(409);
    expect((await t.call.finance.post(`/api/v1/incentives/periods/${MAR}/status`, { status: 'approved' })).statusCode).toBe(200);
    const entries = await trail('incentive_period');
    expect(entries.map((e) => [e.action, e.actor.userId, e.after?.period, e.before?.status ?? null, e.after?.status])).toEqual([
      ['incentives.period.approved', t.ids.finance, MAR, 'calculated', 'approved'],
      ['incentives.period.open', t.ids.finance, '2026-06', null, 'open'],
      ['incentives.period.open', t.ids.rep1, MAR, null, 'open'],
    ]);
  });

  it('disputes by hand: raised by the rep, resolved once by finance (a second resolve writes nothing)', async () => {
    const line = (await t.call.rep1.get(`/api/v1/incentives/statements/${t.ids.rep1}/${MAR}`)).json().data.lines[0] as { key: string };
    const raised = await t.call.rep1.post('/api/v1/incentives/disputes', { payeeId: t.ids.rep1, period: MAR, lineKey: line.key, reason: 'missing order', amount: '10.00' });
    expect(raised.statusCode, raised.body).toBe(201);
    const id = raised.json().data.id as string;
    expect((await t.call.finance.post(`/api/v1/incentives/disputes/${id}/resolve`, { status: 'rejected', resolution: 'no' })).statusCode).toBe(200);
    expect((await t.call.finance.post(`/api/v1/incentives/disputes/${id}/resolve`, { status: 'rejected', resolution: 'again' })).statusCode).toBe(409);
    const entries = (await trail('incentive_dispute')).filter((e) => e.recordId === id);
    expect(entries.map((e) => [e.action, e.actor.userId, e.before?.status ?? null, e.after?.status])).toEqual([
      ['incentives.dispute.rejected', t.ids.finance, 'open', 'rejected'],
      ['incentives.dispute.open', t.ids.rep1, null, 'open'],
    ]);
    // Written in the change's transaction: now() is that transaction's start, so the entry and the
    // dispute's own timestamps are the same instant (an entry written after the commit would be later).
    const dispute = ((await t.call.finance.get('/api/v1/incentives/disputes')).json().data as Array<Record<string, string>>).find((d) => d.id === id);
    const instant = (v: string | undefined) => new Date(String(v)).getTime();
    expect(instant(entries[1]?.at)).toBe(instant(dispute?.created_at));
    expect(instant(entries[0]?.at)).toBe(instant(dispute?.resolved_at));
  });

  it('decisions of approval flows are audited as the approver: a period approved, a dispute accepted', async () => {
    const flow = (id: string, name: string, subject: string) => ({
      kind: 'approval_flow',
      id,
      name,
      label: { en: name },
      subject,
      steps: [{ name: 'finance', mode: 'any', approvers: [{ type: 'role', role: 'finance' }] }],
    });
    const coreDir = fileURLToPath(new URL('../../../metadata/core', import.meta.url));
    await store.metadata.apply(t.name, [...(await readMetadataDir(coreDir)), flow('trail.flow.period', 'period_close', 'incentive_period'), flow('trail.flow.dispute', 'dispute_review', 'dispute')], {
      actor: { userId: null, label: 'test' },
    });
    await order('T-2', '2026-04-07', '2000');
    expect((await t.call.finance.post(`/api/v1/incentives/periods/${APR}/open`)).statusCode).toBe(200);
    expect((await t.call.finance.post('/api/v1/incentives/recalculate')).statusCode).toBe(200);

    // Asking to approve starts the flow: nothing changed yet, so nothing is audited yet.
    const asked = await t.call.finance.post(`/api/v1/incentives/periods/${APR}/status`, { status: 'approved' });
    expect(asked.statusCode, asked.body).toBe(200);
    expect(asked.json().approval).toEqual(expect.any(String));
    const approvedApr = async () => (await trail('incentive_period')).filter((e) => e.after?.period === APR && e.action === 'incentives.period.approved');
    expect(await approvedApr()).toEqual([]);
    const periodApprover = await approveTask();
    expect((await t.call.finance.get('/api/v1/incentives/periods')).json().data).toContainEqual(expect.objectContaining({ period: APR, status: 'approved' }));
    expect(await approvedApr()).toEqual([expect.objectContaining({ actor: expect.objectContaining({ userId: periodApprover }), before: { period: APR, status: 'calculated' } })]);

    const line = (await t.call.rep1.get(`/api/v1/incentives/statements/${t.ids.rep1}/${APR}`)).json().data.lines[0] as { key: string };
    const raised = await t.call.rep1.post('/api/v1/incentives/disputes', { payeeId: t.ids.rep1, period: APR, lineKey: line.key, reason: 'rate', amount: '25.00' });
    expect(raised.statusCode, raised.body).toBe(201);
    expect(raised.json().approval).toEqual(expect.any(String));
    const id = raised.json().data.id as string;
    const disputeApprover = await approveTask();
    const entries = (await trail('incentive_dispute')).filter((e) => e.recordId === id);
    expect(entries.map((e) => [e.action, e.actor.userId])).toEqual([
      ['incentives.dispute.accepted', disputeApprover],
      ['incentives.dispute.open', t.ids.rep1],
    ]);
    // Accepted in a frozen period: booked in the next open one (June, opened above), as the entry says.
    expect(entries[0]?.after).toMatchObject({ status: 'accepted', amount: expect.stringMatching(/^25(\.0+)?$/), postedPeriod: '2026-06' });
  });
});
