// Approvals on subjects other than records, the public notify API and idempotent create actions.
import { beforeAll, describe, expect, it } from 'vitest';
import { JobRunner, openTestStore, type Store } from '@attain/store';
import { alertNotifier, approvalGateway, createKey, notify, subjectRecordId, Workflow, type SubjectDecision } from '../src/index.ts';
import { executeRun } from '../src/runs.ts';
import { T } from '../src/module.ts';
import { baseDocs, makeOrg, system, type Org } from './fixtures.ts';

let store: Store;
let wf: Workflow;
let org: Org;
const decisions: SubjectDecision[] = [];
const as = (userId: string) => ({ userId });

const signoff = {
  kind: 'approval_flow',
  id: 'wf.flow.signoff',
  name: 'signoff',
  label: { en: 'Sign-off' },
  object: 'user',
  steps: [
    { name: 'manager', approvers: [{ type: 'manager', levels: 1 }] },
    { name: 'finance', mode: 'all', condition: 'FALSE', approvers: [{ type: 'role', role: 'finance' }] },
  ],
  fallback: [{ type: 'role', role: 'admin' }],
  onApprove: [
    { type: 'notify', to: [{ type: 'submitter' }], channels: ['inbox'], template: { title: { en: 'Signed off: {{title}}' } } },
    { type: 'update', set: { name: 'x' } },
  ],
};

// A flow that declares its subject: no object, found by flowForSubject without any settings.
const periodClose = {
  kind: 'approval_flow',
  id: 'wf.flow.period',
  name: 'period_close',
  label: { en: 'Period close' },
  subject: 'incentive_period',
  steps: [{ name: 'finance', mode: 'any', approvers: [{ type: 'role', role: 'finance' }] }],
};

beforeAll(async () => {
  store = await openTestStore();
  wf = new Workflow(store);
  org = await makeOrg(store, [...baseDocs(), signoff, periodClose], 'subj');
  wf.registerSubject('target_plan_version', {
    async check(_tenant, subject) {
      if (subject.id === 'refused') throw new Error('not submittable');
    },
    async decided(d) {
      decisions.push(d);
    },
  });
});

describe('approvals on subjects other than records', () => {
  it('runs a configured flow on a subject and tells its handler the outcome, durably', async () => {
    const t = await wf.tenant(org.tenant);
    const gateway = approvalGateway(wf);
    const subject = { kind: 'target_plan_version', id: '2026-plan-v1', label: 'Revenue 2026 v1' };
    expect(await gateway.submit({ tenant: org.tenant, subject, requestedBy: org.users.rep })).toBe('manual');
    await wf.core.saveSettings(t, { subjectFlows: { target_plan_version: 'signoff', dispute: 'missing_flow' } });
    expect(await wf.approvals.flowForSubject(t, 'dispute')).toBeUndefined();
    await expect(wf.approvals.submitSubject(t, { kind: 'dispute', id: 'd1' }, as(org.users.rep))).rejects.toMatchObject({ code: 'invalid_state' });
    await expect(wf.approvals.submitSubject(t, { kind: 'target_plan_version', id: 'refused' }, as(org.users.rep))).rejects.toThrow(/not submittable/);
    await expect(wf.approvals.submitSubject(t, { kind: 'record', id: 'x' }, as(org.users.rep))).rejects.toMatchObject({ code: 'validation_failed' });
    expect(() => wf.registerSubject('record', { decided: async () => {} })).toThrow();

    const started = await gateway.submit({ tenant: org.tenant, subject, requestedBy: org.users.rep });
    expect(started).toMatchObject({ ref: expect.any(String) });
    await expect(gateway.submit({ tenant: org.tenant, subject, requestedBy: org.users.rep })).rejects.toMatchObject({ code: 'conflict' });
    const ref = (started as { ref: string }).ref;
    expect(await gateway.pending(org.tenant, 'target_plan_version', subject.id)).toBe(ref);
    const inst = (await wf.approvals.instance(t, ref))!;
    expect(inst).toMatchObject({
      object: 'target_plan_version',
      record_id: subjectRecordId('target_plan_version', subject.id),
      subject: { kind: 'target_plan_version', id: subject.id, label: 'Revenue 2026 v1' },
    });
    // the manager of the submitter approves from the inbox, which names the subject
    const inbox = await wf.approvals.inbox(t, org.users.mgr);
    const task = inbox.find((r) => r.instance_id === ref)!;
    expect(task.title).toBe('Revenue 2026 v1');
    // send back, resubmit through the gateway, then approve
    await wf.approvals.decide(t, task.id as string, 'send_back', as(org.users.mgr), 'lower the Q4 number');
    await gateway.submit({ tenant: org.tenant, subject, requestedBy: org.users.rep });
    const again = (await wf.approvals.instance(t, ref))!;
    expect(again.round).toBe(2);
    const open = again.tasks.find((k) => k.status === 'open')!;
    const step2 = await wf.approvals.decide(t, open.id, 'approve', as(org.users.mgr), 'ok');
    // a step condition is a record formula: on a subject it is not evaluated, and the step runs
    expect(step2).toMatchObject({ status: 'pending', step_index: 1 });
    const fin = (await wf.approvals.instance(t, ref))!.tasks.filter((k) => k.status === 'open');
    expect(fin.map((k) => k.approver_id).sort()).toEqual([org.users.fin1, org.users.fin2].sort());
    await wf.approvals.decide(t, fin[0]!.id, 'approve', as(fin[0]!.approver_id));
    expect(decisions).toHaveLength(0);
    const done = await wf.approvals.decide(t, fin[1]!.id, 'approve', as(fin[1]!.approver_id));
    expect(done.status).toBe('approved');
    // the handler ran in the final run right after the decision (and a retry does nothing more)
    expect(decisions).toEqual([
      {
        tenant: org.tenant,
        subject: { kind: 'target_plan_version', id: subject.id, label: 'Revenue 2026 v1' },
        outcome: 'approved',
        actor: { userId: fin[1]!.approver_id },
        reason: null,
        instanceId: ref,
      },
    ]);
    expect(await executeRun(wf.core, t, `final:${ref}:2:approved`, { final: false })).toBe('done');
    expect(decisions).toHaveLength(1);
    const { history } = await wf.approvals.forSubject(t, 'target_plan_version', subject.id);
    expect(history.map((h) => h.action)).toContain('approved');
    expect((await wf.notifications(org.tenant, org.users.rep)).data.map((n) => n.title)).toContain('Signed off: Revenue 2026 v1');
    expect(await gateway.pending(org.tenant, 'target_plan_version', subject.id)).toBeUndefined();

    // a rejection reaches the handler with the reason; period ids (not uuids) get a stable uuid
    const other = { kind: 'target_plan_version', id: '2026-03' };
    const r = await wf.approvals.submitSubject(t, other, as(org.users.rep), { flow: 'signoff' });
    expect(r.record_id).toBe(subjectRecordId('target_plan_version', '2026-03'));
    const k = (await wf.approvals.instance(t, r.id))!.tasks[0]!;
    await wf.approvals.decide(t, k.id, 'reject', as(org.users.mgr), 'too high');
    expect(decisions.at(-1)).toMatchObject({ outcome: 'rejected', reason: 'too high', subject: { id: '2026-03' } });
  });
});

describe('flows that declare their subject', () => {
  it('finds the flow of a subject kind from its declaration, lets settings override it, and keeps it off records', async () => {
    const t = await wf.tenant(org.tenant);
    const periods: SubjectDecision[] = [];
    wf.registerSubject('incentive_period', { decided: async (d) => void periods.push(d) });
    expect(await wf.approvals.flowForSubject(t, 'incentive_period')).toBe('period_close');
    expect(await wf.approvals.flowForSubject(t, 'record')).toBeUndefined();
    // submitted with no flow named and no settings: the declared flow runs
    const inst = await wf.approvals.submitSubject(t, { kind: 'incentive_period', id: '2026-04', label: 'April 2026' }, as(org.users.rep));
    expect(inst).toMatchObject({ flow_name: 'period_close', object: 'incentive_period', record_id: subjectRecordId('incentive_period', '2026-04'), status: 'pending' });
    const open = (await wf.approvals.instance(t, inst.id))!.tasks.filter((k) => k.status === 'open');
    expect(open.map((k) => k.approver_id).sort()).toEqual([org.users.fin1, org.users.fin2].sort());
    await wf.approvals.decide(t, open[0]!.id, 'approve', as(open[0]!.approver_id));
    expect(periods).toMatchObject([{ outcome: 'approved', subject: { kind: 'incentive_period', id: '2026-04' } }]);
    // a flow declared for another kind is refused, named or configured
    await expect(wf.approvals.submitSubject(t, { kind: 'target_plan_version', id: 'v9' }, as(org.users.rep), { flow: 'period_close' })).rejects.toMatchObject({ code: 'invalid_state' });
    await wf.core.saveSettings(t, { subjectFlows: { incentive_period: 'signoff', dispute: 'period_close' } });
    expect(await wf.approvals.flowForSubject(t, 'incentive_period')).toBe('signoff');
    expect(await wf.approvals.flowForSubject(t, 'dispute')).toBeUndefined();
    await wf.core.saveSettings(t, { subjectFlows: {} });
    expect(await wf.approvals.flowForSubject(t, 'incentive_period')).toBe('period_close');
    // a subject flow has no object: records cannot be submitted to it, nor previewed
    const deal = await (await store.records(org.tenant)).create('deal', { name: 'Not a period', amount: 5 }, system);
    await expect(wf.approvals.submit(t, 'period_close', deal.id as string, as(org.users.rep))).rejects.toMatchObject({ code: 'invalid_state' });
    await expect(wf.approvals.preview(t, 'period_close', deal.id as string, org.users.rep)).rejects.toMatchObject({ code: 'invalid_state' });
    expect(await wf.check(org.tenant)).toEqual([]);
  });
});

describe('notify and goal alerts through the workflow', () => {
  it('delivers to the inbox in the recipient language, once per key, honouring preferences', async () => {
    const n = await notify(wf, org.tenant, {
      to: [org.users.mgr, org.users.rep, 'not-a-user'],
      template: { title: { en: 'Hello {{who}}', 'zh-CN': '你好 {{who}}' } },
      vars: { who: 'team' },
      kind: 'test',
      key: 'hello-1',
      channels: ['inbox'],
    });
    expect(n).toBe(2);
    await notify(wf, org.tenant, { to: [org.users.mgr], template: { title: { en: 'Hello {{who}}' } }, kind: 'test', key: 'hello-1', channels: ['inbox'] });
    const mgr = (await wf.notifications(org.tenant, org.users.mgr)).data.filter((x) => x.kind === 'test');
    expect(mgr.map((x) => x.title)).toEqual(['你好 team']);
    const notifier = alertNotifier<{ tenant: string }>(wf, { also: { notify: async (_c, notice) => void seen.push(notice.key) } });
    const seen: string[] = [];
    const t = await wf.tenant(org.tenant);
    await t.knex.transaction(async (trx) => {
      await notifier.notify(
        { tenant: org.tenant },
        {
          tenant: org.tenant,
          key: 'pace:rep:2026-03',
          rule: 'pace',
          kind: 'pacing_below',
          subjectId: org.users.rep,
          to: [org.users.rep, org.users.mgr],
          params: { kpi: 'revenue', period: '2026-03', pacing: 0.42, threshold: 0.8, actual: 100, expected: 240, person: 'Rep' },
        },
        trx,
      );
      await notifier.notify(
        { tenant: org.tenant },
        { tenant: org.tenant, key: 'idle:rep', rule: 'idle', kind: 'no_activity', subjectId: org.users.rep, to: [org.users.rep], params: { kpi: 'visits', days: 7, last: '', person: 'Rep' } },
        trx,
      );
      await notifier.notify({ tenant: org.tenant }, { tenant: org.tenant, key: 'other', rule: 'custom', kind: 'other', subjectId: org.users.rep, to: [org.users.rep], params: {} }, trx);
    });
    expect(seen).toEqual(['pace:rep:2026-03', 'idle:rep', 'other']);
    // delivered by the durable job that committed with the firing
    await new JobRunner(store.jobs, { handlers: wf.background().handlers }).drain();
    const rep = (await wf.notifications(org.tenant, org.users.rep)).data.filter((x) => x.kind === 'goal_alert').map((x) => x.title);
    expect(rep).toEqual(expect.arrayContaining(['Behind pace: Rep on revenue (2026-03)', 'No activity: Rep on visits', 'Goal alert: custom']));
    const body = (await wf.notifications(org.tenant, org.users.rep)).data.find((x) => x.title === 'Behind pace: Rep on revenue (2026-03)')?.body;
    expect(body).toContain('42% of the expected pace');
  });
});

describe('create actions are idempotent', () => {
  it('a retried run finds the record its create action made instead of making another', async () => {
    const t = await wf.tenant(org.tenant);
    const dealRow = await (await store.records(org.tenant)).create('deal', { name: 'Idem', amount: 10 }, system);
    const key = 'test:idem';
    await t.knex.transaction(async (trx) => {
      await wf.core.table(trx, t, T.runs).insert({
        id: '018f0000-0000-7000-8000-000000000001',
        key,
        source: 'automation',
        rule: 'idem',
        object: 'deal',
        record_id: dealRow.id,
        actions: JSON.stringify([{ type: 'create', object: 'followup', set: { subject: '="Call " & name', deal_id: '=id' } }]),
        context: JSON.stringify({ actor: system }),
        status: 'ready',
        created_at: new Date(),
      });
    });
    expect(await executeRun(wf.core, t, key, { final: false })).toBe('done');
    // a crash before the progress was saved: the run is ready again at action 0
    await wf.core.table(t.knex, t, T.runs).where({ key }).update({ status: 'retry', progress: 0 });
    expect(await executeRun(wf.core, t, key, { final: false })).toBe('done');
    const rows = await t.knex.withSchema(t.schema).from(t.registry.object('followup')!.table).where('deal_id', dealRow.id);
    expect(rows).toHaveLength(1);
    expect(rows[0].external_id).toBe(createKey({ id: '018f0000-0000-7000-8000-000000000001' }, 0));
    expect(rows[0].subject).toBe('Call Idem');
  });
});
