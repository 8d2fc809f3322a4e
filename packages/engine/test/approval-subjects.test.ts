// Target plan versions and incentive periods approved through a workflow flow (the subject
// handlers the engine registers), and the fallback when no flow is configured.
import { beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type Store } from '@attain/store';
import { approvalGateway, Workflow } from '@attain/workflow';
import {
  activeVersion,
  disputeSubject,
  DISPUTE_SUBJECT,
  fmt,
  goalsContext,
  IncentiveEngine,
  incentivePeriodSubject,
  PERIOD_SUBJECT,
  saveDraft,
  seedMemberships,
  submitVersion,
  targetPlanSubject,
  TARGET_PLAN_SUBJECT,
  type GoalsContext,
} from '../src/index.ts';
import { orgTenant, type Org } from './fixture.ts';
import { plan, rule } from './incentives-fixture.ts';

const flow = { kind: 'approval_flow', id: 'eng.flow.signoff', name: 'signoff', label: { en: 'Sign-off' }, object: 'user', steps: [{ name: 'peer', approvers: [{ type: 'role', role: 'rep' }] }] };
// Nobody decides their own request: the other reps approve what org.users[0] submits.
const peer = () => ({ userId: org.users[1]! });

let store: Store;
let org: Org;
let ctx: GoalsContext;
let wf: Workflow;

beforeAll(async () => {
  store = await openTestStore();
  org = await orgTenant(store, 3, [{ kind: 'target_plan', id: 'plan.subj', name: 'revenue_2026', label: { en: 'Revenue 2026' }, kpi: 'paid_revenue', year: 2026, total: '1200' }, flow]);
  ctx = await goalsContext(store, org.tenant);
  await seedMemberships(ctx);
  wf = new Workflow(store);
  wf.registerSubject(TARGET_PLAN_SUBJECT, targetPlanSubject(store));
  wf.registerSubject(PERIOD_SUBJECT, incentivePeriodSubject(store));
  wf.registerSubject(DISPUTE_SUBJECT, disputeSubject(store));
});

describe('engine subjects approved through workflow flows', () => {
  it('activates a target plan version when its flow approves, and falls back to manual without one', async () => {
    const gateway = approvalGateway(wf);
    const me = org.users[0]!;
    const { version } = await saveDraft(ctx, 'revenue_2026', {}, me);
    await submitVersion(ctx, 'revenue_2026', version.id, me);
    expect(await gateway.submit({ tenant: org.tenant, subject: { kind: TARGET_PLAN_SUBJECT, id: version.id }, requestedBy: me })).toBe('manual');
    const t = await wf.tenant(org.tenant);
    await wf.core.saveSettings(t, { subjectFlows: { [TARGET_PLAN_SUBJECT]: 'signoff', [PERIOD_SUBJECT]: 'signoff' } });
    const { version: draft } = await saveDraft(ctx, 'revenue_2026', { total: '2400' }, me);
    await expect(gateway.submit({ tenant: org.tenant, subject: { kind: TARGET_PLAN_SUBJECT, id: draft.id }, requestedBy: me })).rejects.toMatchObject({ code: 'bad_status' });
    await submitVersion(ctx, 'revenue_2026', draft.id, me);
    const started = await gateway.submit({ tenant: org.tenant, subject: { kind: TARGET_PLAN_SUBJECT, id: draft.id, label: 'revenue_2026 v2' }, requestedBy: me });
    const ref = (started as { ref: string }).ref;
    expect((await activeVersion(ctx, 'revenue_2026'))?.id).not.toBe(draft.id);
    const task = (await wf.approvals.instance(t, ref))!.tasks[0]!;
    await wf.approvals.decide(t, task.id, 'approve', peer());
    expect(await activeVersion(ctx, 'revenue_2026')).toMatchObject({ id: draft.id, total: '2400.00' });
    // the handler is idempotent: a second call finds the version decided
    await targetPlanSubject(store).decided({ tenant: org.tenant, subject: { kind: TARGET_PLAN_SUBJECT, id: draft.id }, outcome: 'approved', actor: { userId: me } });
    await expect(targetPlanSubject(store).check(org.tenant, { id: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'unknown_version' });
  });

  it('approves a calculated incentive period through its flow; a rejection leaves it calculated', async () => {
    const engine = new IncentiveEngine(store, org.tenant);
    const me = org.users[0]!;
    await engine.openPeriod('2026-01');
    await expect(incentivePeriodSubject(store).check(org.tenant, { id: '2026-01' })).rejects.toMatchObject({ code: 'bad_transition' });
    await expect(incentivePeriodSubject(store).check(org.tenant, { id: '2031-01' })).rejects.toMatchObject({ code: 'unknown_period' });
    await engine.setPeriodStatus('2026-01', 'calculated', me);
    const t = await wf.tenant(org.tenant);
    const first = await wf.approvals.submitSubject(t, { kind: PERIOD_SUBJECT, id: '2026-01', label: '2026-01' }, { userId: me });
    await wf.approvals.decide(t, (await wf.approvals.instance(t, first.id))!.tasks[0]!.id, 'reject', peer(), 'numbers look off');
    expect((await engine.periods()).find((p) => p.period === '2026-01')?.status).toBe('calculated');
    const second = await wf.approvals.submitSubject(t, { kind: PERIOD_SUBJECT, id: '2026-01' }, { userId: me });
    await wf.approvals.decide(t, (await wf.approvals.instance(t, second.id))!.tasks[0]!.id, 'approve', peer());
    expect((await engine.periods()).find((p) => p.period === '2026-01')?.status).toBe('approved');
    const { history } = await wf.approvals.forSubject(t, PERIOD_SUBJECT, '2026-01');
    expect(history.filter((h) => h.action === 'rejected' || h.action === 'approved').map((h) => h.action)).toEqual(['rejected', 'rejected', 'approved', 'approved']);
  });

  it('a dispute approved through its flow books its claimed amount once as an adjustment', async () => {
    const engine = new IncentiveEngine(store, org.tenant);
    const me = org.users[0]!;
    const rep = org.users[1]!;
    await engine.saveRules([rule('owner')]);
    await engine.savePlan(plan([{ name: 'commission', type: 'rate', measure: 'revenue', rate: '0.1' }], {}, 'plan_d'));
    await engine.setAssignments([{ kind: 'plan', payeeId: rep, key: 'plan_d', from: '2020-01-01' }]);
    await engine.openPeriod('2026-02');
    await engine.upsertTransactions([{ id: 'od1', object: 'order', ownerId: rep, date: '2026-02-03', amount: '500.00', currency: 'USD' }]);
    await engine.recompute({ credit: true });
    const key = 'plan_d:commission:earning:';
    const t = await wf.tenant(org.tenant);
    await wf.core.saveSettings(t, { subjectFlows: { [TARGET_PLAN_SUBJECT]: 'signoff', [PERIOD_SUBJECT]: 'signoff', [DISPUTE_SUBJECT]: 'signoff' } });
    const lines = async () => (await engine.statement(rep, '2026-02')).lines.map((l) => `${l.kind} ${fmt(l.amount, 2)}`).sort();
    // rejected through the flow: nothing booked
    const no = await engine.raiseDispute({ payeeId: rep, period: '2026-02', lineKey: key, reason: 'more', actor: rep, amount: '99' });
    const r1 = await wf.approvals.submitSubject(t, { kind: DISPUTE_SUBJECT, id: String(no.id) }, { userId: me });
    await wf.approvals.decide(t, (await wf.approvals.instance(t, r1.id))!.tasks[0]!.id, 'reject', peer(), 'not yours');
    expect((await engine.disputes({ id: String(no.id) }))[0]).toMatchObject({ status: 'rejected', resolution: 'not yours', adjustment: null });
    expect(await lines()).toEqual(['earning 50.00']);
    // approved through the flow: 12.34 claimed → one adjustment line, decided by the approver
    const yes = await engine.raiseDispute({ payeeId: rep, period: '2026-02', lineKey: key, reason: 'o7 missing', actor: rep, amount: '12.34' });
    const r2 = await wf.approvals.submitSubject(t, { kind: DISPUTE_SUBJECT, id: String(yes.id) }, { userId: me });
    await wf.approvals.decide(t, (await wf.approvals.instance(t, r2.id))!.tasks[0]!.id, 'approve', peer(), 'checked');
    expect(await lines()).toEqual(['adjustment 12.34', 'earning 50.00']);
    const line = (await engine.statement(rep, '2026-02')).lines.find((l) => l.kind === 'adjustment');
    expect(line?.trace.dispute).toMatchObject({ id: yes.id, lineKey: key, status: 'accepted', decidedBy: peer().userId, amount: '12.34' });
    expect((await engine.payouts('2026-02')).find((p) => p.payeeId === rep)).toMatchObject({ adjustments: 123400000000n, payout: 623400000000n });
    // the handler is retried by the workflow: a second delivery changes nothing
    await disputeSubject(store).decided({ tenant: org.tenant, subject: { kind: DISPUTE_SUBJECT, id: String(yes.id) }, outcome: 'approved', actor: { userId: me }, reason: 'again' });
    await engine.recompute({ credit: true });
    expect(await lines()).toEqual(['adjustment 12.34', 'earning 50.00']);
    await expect(disputeSubject(store).check(org.tenant, { id: String(yes.id) })).rejects.toMatchObject({ code: 'dispute_closed' });
  });
});
