import { beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type Store } from '@attain/store';
import { Workflow, WorkflowError } from '../src/index.ts';
import { baseDocs, clock, deal, discountFlow, HOUR, makeOrg, system, type Org } from './fixtures.ts';

let store: Store;
let wf: Workflow;
let org: Org;
const c = clock();
const as = (userId: string) => ({ userId });

beforeAll(async () => {
  store = await openTestStore();
  wf = new Workflow(store, { now: c.now });
  org = await makeOrg(store);
});

const open = (inst: { tasks: Array<{ status: string; approver_id: string }> }) =>
  inst.tasks
    .filter((x) => x.status === 'open')
    .map((x) => x.approver_id)
    .sort();
const taskOf = (inst: { tasks: Array<{ id: string; status: string; approver_id: string }> }, user: string) => {
  const task = inst.tasks.find((x) => x.status === 'open' && x.approver_id === user);
  if (!task) throw new Error(`no open task for ${user}`);
  return task.id;
};

describe('approval flows', () => {
  it('runs a two-step flow: manager, then a conditional parallel "all" step; fields are locked while pending', async () => {
    const t = await wf.tenant(org.tenant);
    const id = await deal(store, org, { name: 'Big discount', amount: 5000, discount: 0.3 });
    const inst = await wf.approvals.submit(t, 'discount', id, as(org.users.rep), { comment: 'please' });
    expect(inst.status).toBe('pending');
    expect(inst.version).toBe(1);
    const full = (await wf.approvals.instance(t, inst.id))!;
    expect(open(full)).toEqual([org.users.mgr]);

    const records = await store.records(org.tenant);
    const locked = await records.update('deal', id, { amount: 1 }, as(org.users.rep)).catch((e: unknown) => e);
    expect(locked).toMatchObject({ code: 'record_locked', status: 409, details: [{ path: '/amount', rule: 'locked' }] });
    expect((locked as Error).message).toMatch(/"amount" is locked while the approval "Discount approval" is pending/);
    await expect(records.update('deal', id, { amount: '5000.00', name: 'Renamed' }, as(org.users.rep))).resolves.toMatchObject({ name: 'Renamed' });
    await expect(records.delete('deal', id, as(org.users.rep))).rejects.toMatchObject({ code: 'record_locked' });
    await expect(records.upsert('deal', [{ external_id: 'x-none', name: 'n' }], system)).resolves.toMatchObject({ created: 1 });

    await expect(wf.approvals.decide(t, taskOf(full, org.users.mgr), 'approve', as(org.users.rep))).rejects.toMatchObject({ code: 'self_approval', status: 403 });
    const afterMgr = await wf.approvals.decide(t, taskOf(full, org.users.mgr), 'approve', as(org.users.mgr), 'ok');
    const step2 = (await wf.approvals.instance(t, afterMgr.id))!;
    expect(step2.step_index).toBe(1);
    expect(open(step2)).toEqual([org.users.fin1, org.users.fin2, org.users.vp].sort());
    await wf.approvals.decide(t, taskOf(step2, org.users.fin1), 'approve', as(org.users.fin1));
    await wf.approvals.decide(t, taskOf(step2, org.users.vp), 'approve', as(org.users.vp));
    expect((await wf.approvals.instance(t, inst.id))?.status).toBe('pending');
    await expect(wf.approvals.decide(t, taskOf(step2, org.users.fin1), 'approve', as(org.users.fin1))).rejects.toThrow(/no open task|no longer open/);
    const done = await wf.approvals.decide(t, taskOf(step2, org.users.fin2), 'approve', as(org.users.fin2));
    expect(done.status).toBe('approved');
    // the final action ran right after the decision, and the record is unlocked
    expect((await records.get('deal', id))?.stage).toBe('approved');
    await expect(records.update('deal', id, { amount: 10 }, as(org.users.rep))).resolves.toMatchObject({ amount: '10.00' });

    const history = await wf.approvals.historyFor(t, 'deal', id);
    expect(history.map((h) => h.action)).toEqual(['submitted', 'step_started', 'approved', 'step_started', 'approved', 'approved', 'approved', 'approved']);
    expect(history[0]?.comment).toBe('please');
    const audit = await store.audit.list(org.tenant, { object: 'deal', recordId: id });
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['approval.submitted', 'approval.step_started', 'approval.approved']));
  });

  it('skips the conditional step when its formula does not hold', async () => {
    const t = await wf.tenant(org.tenant);
    const id = await deal(store, org, { discount: 0.1 });
    const inst = await wf.approvals.submit(t, 'discount', id, as(org.users.rep));
    const preview = await wf.approvals.preview(t, 'discount', id, org.users.rep);
    expect(preview).toEqual([
      { step: 'manager', skipped: false, approvers: [org.users.mgr], delegatedFrom: [] },
      { step: 'finance', skipped: true, approvers: [], delegatedFrom: [] },
    ]);
    const full = (await wf.approvals.instance(t, inst.id))!;
    const done = await wf.approvals.decide(t, taskOf(full, org.users.mgr), 'approve', as(org.users.mgr));
    expect(done.status).toBe('approved');
    expect((await wf.approvals.historyFor(t, 'deal', id)).map((h) => h.action)).toContain('step_skipped');
  });

  it('resolves the manager chain through a 3-level org, org heads, fields, owners; falls back when nobody resolves', async () => {
    const t = await wf.tenant(org.tenant);
    const id = await deal(store, org, { reviewer_id: org.users.fin2 });
    expect((await wf.approvals.preview(t, 'chain3', id, org.users.rep))[0]?.approvers).toEqual([org.users.ceo]);
    expect((await wf.approvals.preview(t, 'chain4', id, org.users.rep))[0]?.approvers).toEqual([org.users.admin]);
    const { resolveUsers } = await import('../src/approvers.ts');
    const ctx = { q: t.knex, schema: t.schema, registry: t.registry, record: { owner_id: org.users.rep, reviewer_id: org.users.fin2 }, submitterId: org.users.mgr, now: c.now(), timeZone: t.timeZone };
    // the head of the submitter's own unit is the submitter: the next head up approves
    expect(await resolveUsers(ctx, [{ type: 'org_head' }])).toEqual([org.users.vp]);
    expect(await resolveUsers(ctx, [{ type: 'org_head', orgUnitId: org.units.root }])).toEqual([org.users.ceo]);
    expect(await resolveUsers(ctx, [{ type: 'field', field: 'reviewer_id' }, { type: 'owner' }, { type: 'submitter' }, { type: 'user', userId: org.users.fin1 }])).toEqual([
      org.users.fin2,
      org.users.rep,
      org.users.mgr,
      org.users.fin1,
    ]);
    expect(
      await resolveUsers(ctx, [
        { type: 'user', userId: 'not-a-uuid' },
        { type: 'manager', levels: 9 },
      ]),
    ).toEqual([]);
  });

  it('routes tasks to a delegate within the date range, and lets the delegate act on earlier tasks', async () => {
    const t = await wf.tenant(org.tenant);
    const early = await wf.approvals.submit(t, 'discount', await deal(store, org, {}), as(org.users.rep));
    const d = await wf.approvals.delegate(
      t,
      { from: org.users.mgr, to: org.users.vp, startsAt: new Date(c.now().getTime() - HOUR), endsAt: new Date(c.now().getTime() + 48 * HOUR) },
      as(org.users.mgr),
    );
    const late = (await wf.approvals.instance(t, (await wf.approvals.submit(t, 'discount', await deal(store, org, {}), as(org.users.rep))).id))!;
    expect(late.tasks[0]).toMatchObject({ approver_id: org.users.vp, original_approver_id: org.users.mgr });
    const inbox = await wf.approvals.inbox(t, org.users.vp);
    expect(inbox.map((r) => r.instance_id)).toEqual(expect.arrayContaining([early.id, late.id]));
    expect(inbox.find((r) => r.instance_id === early.id)?.onBehalfOf).toBe(org.users.mgr);
    const earlyFull = (await wf.approvals.instance(t, early.id))!;
    const approved = await wf.approvals.decide(t, taskOf(earlyFull, org.users.mgr), 'approve', as(org.users.vp));
    expect(approved.status).toBe('approved');
    expect((await wf.approvals.historyFor(t, 'deal', early.record_id)).find((h) => h.action === 'approved' && h.step_index === 0)?.details).toMatchObject({ onBehalfOf: org.users.mgr });
    expect((await wf.approvals.delegations(t, org.users.mgr)).map((x) => x.id)).toContain(d.id);
    await expect(wf.approvals.delegate(t, { from: org.users.mgr, to: org.users.mgr, startsAt: c.now(), endsAt: c.now() }, as(org.users.mgr))).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(wf.approvals.delegate(t, { from: org.users.mgr, to: org.users.vp, startsAt: c.now(), endsAt: new Date(0) }, as(org.users.mgr))).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(wf.approvals.revokeDelegation(t, d.id as string, as(org.users.rep))).rejects.toMatchObject({ code: 'forbidden' });
    await wf.approvals.revokeDelegation(t, d.id as string, as(org.users.mgr));
    const after = (await wf.approvals.instance(t, (await wf.approvals.submit(t, 'discount', await deal(store, org, {}), as(org.users.rep))).id))!;
    expect(after.tasks[0]?.approver_id).toBe(org.users.mgr);
  });

  it('sends back for changes (unlocking the record) and resubmits on the same version', async () => {
    const t = await wf.tenant(org.tenant);
    const id = await deal(store, org, { discount: 0.1 });
    const inst = (await wf.approvals.instance(t, (await wf.approvals.submit(t, 'discount', id, as(org.users.rep))).id))!;
    await expect(wf.approvals.decide(t, taskOf(inst, org.users.mgr), 'send_back', as(org.users.mgr), '  ')).rejects.toMatchObject({ code: 'validation_failed', details: [{ path: '/comment' }] });
    const back = await wf.approvals.decide(t, taskOf(inst, org.users.mgr), 'send_back', as(org.users.mgr), 'lower the discount');
    expect(back.status).toBe('returned');
    const records = await store.records(org.tenant);
    await records.update('deal', id, { discount: 0.05 }, as(org.users.rep));
    await expect(wf.approvals.resubmit(t, inst.id, as(org.users.mgr))).rejects.toMatchObject({ code: 'forbidden' });
    // submitting again while returned resubmits the same instance
    const again = await wf.approvals.submit(t, 'discount', id, as(org.users.rep), { comment: 'fixed' });
    expect(again).toMatchObject({ id: inst.id, status: 'pending', round: 2 });
    const r2 = (await wf.approvals.instance(t, inst.id))!;
    await expect(wf.approvals.decide(t, inst.tasks[0]!.id, 'approve', as(org.users.mgr))).rejects.toMatchObject({ code: 'invalid_state' });
    expect((await wf.approvals.decide(t, taskOf(r2, org.users.mgr), 'approve', as(org.users.mgr))).status).toBe('approved');
    await expect(wf.approvals.resubmit(t, inst.id, as(org.users.rep))).rejects.toMatchObject({ code: 'invalid_state' });
    expect((await wf.approvals.historyFor(t, 'deal', id)).map((h) => h.action)).toEqual([
      'submitted',
      'step_started',
      'sent_back',
      'resubmitted',
      'step_started',
      'approved',
      'step_skipped',
      'approved',
    ]);
  });

  it('rejects with a reason and runs the reject actions; withdraws; comments; refuses bad submissions', async () => {
    const t = await wf.tenant(org.tenant);
    const id = await deal(store, org, { amount: 700 });
    const inst = (await wf.approvals.instance(t, (await wf.approvals.submit(t, 'discount', id, as(org.users.rep))).id))!;
    await expect(wf.approvals.submit(t, 'discount', id, as(org.users.rep))).rejects.toMatchObject({ code: 'conflict' });
    await wf.approvals.comment(t, inst.id, as(org.users.mgr), 'looking');
    await expect(wf.approvals.comment(t, inst.id, as(org.users.fin1), 'me too')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(wf.approvals.comment(t, inst.id, as(org.users.mgr), '')).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(wf.approvals.decide(t, taskOf(inst, org.users.mgr), 'reject', as(org.users.mgr))).rejects.toMatchObject({ code: 'validation_failed' });
    expect((await wf.approvals.decide(t, taskOf(inst, org.users.mgr), 'reject', as(org.users.mgr), 'too cheap')).status).toBe('rejected');
    const rec = await (await store.records(org.tenant)).get('deal', id);
    expect(rec).toMatchObject({ stage: 'rejected', notes: 'rejected at 700.00' });

    const id2 = await deal(store, org, {});
    const i2 = await wf.approvals.submit(t, 'discount', id2, as(org.users.rep));
    await expect(wf.approvals.withdraw(t, i2.id, as(org.users.mgr))).rejects.toMatchObject({ code: 'forbidden' });
    expect((await wf.approvals.withdraw(t, i2.id, as(org.users.rep), { comment: 'oops' })).status).toBe('withdrawn');
    await expect(wf.approvals.withdraw(t, i2.id, as(org.users.rep))).rejects.toMatchObject({ code: 'invalid_state' });

    await expect(wf.approvals.submit(t, 'discount', await deal(store, org, { amount: 0 }), as(org.users.rep))).rejects.toMatchObject({ code: 'entry_condition', status: 422 });
    await expect(wf.approvals.submit(t, 'nope', id2, as(org.users.rep))).rejects.toMatchObject({ code: 'not_found' });
    await expect(wf.approvals.submit(t, 'discount', '00000000-0000-7000-8000-000000000000', as(org.users.rep))).rejects.toMatchObject({ code: 'not_found' });
    await expect(wf.approvals.decide(t, '00000000-0000-7000-8000-000000000000', 'approve', as(org.users.rep))).rejects.toBeInstanceOf(WorkflowError);
    expect(await wf.approvals.instancesFor(t, 'deal', id2)).toHaveLength(1);
  });

  it('reminds and escalates overdue steps on a controllable clock', async () => {
    const t = await wf.tenant(org.tenant);
    const id = await deal(store, org, {});
    const inst = await wf.approvals.submit(t, 'discount', id, as(org.users.rep));
    expect(await wf.tick(org.tenant)).toMatchObject({ reminded: 0, escalated: 0 });
    c.advance(5 * HOUR);
    expect((await wf.tick(org.tenant)).reminded).toBeGreaterThanOrEqual(1);
    const mgrNotes = await wf.notifications(org.tenant, org.users.mgr);
    expect(mgrNotes.data.map((n) => n.title)).toEqual(expect.arrayContaining([expect.stringMatching(/^提醒/)]));
    c.advance(20 * HOUR);
    const swept = await wf.tick(org.tenant);
    expect(swept.escalated).toBeGreaterThanOrEqual(1);
    const full = (await wf.approvals.instance(t, inst.id))!;
    expect(full.tasks.map((x) => [x.approver_id, x.status])).toEqual([
      [org.users.mgr, 'escalated'],
      [org.users.vp, 'open'],
    ]);
    const hist = await wf.approvals.historyFor(t, 'deal', id);
    expect(hist.find((h) => h.action === 'escalated')?.details).toMatchObject({ from: org.users.mgr, to: [org.users.vp] });
    expect((await wf.approvals.decide(t, taskOf(full, org.users.vp), 'approve', as(org.users.vp))).status).toBe('approved');
    c.advance(30 * HOUR);
  });

  it('keeps a running instance on its version when the flow is edited', async () => {
    const t0 = await wf.tenant(org.tenant);
    const id = await deal(store, org, { discount: 0.5 });
    const old = await wf.approvals.submit(t0, 'discount', id, as(org.users.rep));
    const edited = discountFlow({ steps: [{ name: 'ceo', approvers: [{ type: 'user', userId: org.users.ceo }] }] });
    const docs = baseDocs().filter((d) => d.id !== edited.id);
    await store.metadata.apply(org.tenant, [...docs, edited], { actor: system });
    const t = await wf.tenant(org.tenant);
    const fresh = await wf.approvals.submit(t, 'discount', await deal(store, org, {}), as(org.users.rep));
    expect([old.version, fresh.version]).toEqual([old.version, old.version + 1]);
    expect((await wf.approvals.instance(t, fresh.id))?.tasks[0]?.approver_id).toBe(org.users.ceo);
    // the old instance still follows version 1: manager, then the finance step
    const o = (await wf.approvals.instance(t, old.id))!;
    const next = await wf.approvals.decide(t, taskOf(o, org.users.mgr), 'approve', as(org.users.mgr));
    expect(next.step_index).toBe(1);
    const { listVersions } = await import('../src/index.ts');
    expect((await listVersions(wf.core, t, 'wf.flow.discount')).length).toBe(2);
  });

  it('keeps an inbox of notifications with an unread count and preferences', async () => {
    const note = await wf.notifications(org.tenant, org.users.mgr, { unread: true });
    expect(note.unread).toBeGreaterThan(0);
    expect(note.data[0]?.title).toMatch(/待审批|提醒|已升级/);
    await wf.markRead(org.tenant, org.users.mgr, [note.data[0]?.id as string]);
    expect(await wf.unreadCount(org.tenant, org.users.mgr)).toBe(note.unread - 1);
    await wf.markRead(org.tenant, org.users.mgr, 'all');
    expect(await wf.unreadCount(org.tenant, org.users.mgr)).toBe(0);
    await wf.setPreferences(org.tenant, org.users.mgr, { channels: { inbox: false }, locale: 'en' });
    expect(await wf.preferences(org.tenant, org.users.mgr)).toEqual({ channels: { inbox: false, email: true }, locale: 'en' });
    const t = await wf.tenant(org.tenant);
    await wf.approvals.submit(t, 'discount', await deal(store, org, {}), as(org.users.rep));
    expect(await wf.unreadCount(org.tenant, org.users.mgr)).toBe(0);
    await wf.setPreferences(org.tenant, org.users.mgr, { channels: { inbox: true } });
    expect(await wf.check(org.tenant)).toEqual([]);
  });
});
