// The submitter never gets a task on their own request, not even through SLA escalation.
import { beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type Store } from '@attain/store';
import { Workflow } from '../src/index.ts';
import { baseDocs, clock, deal, HOUR, makeOrg, system, type Org } from './fixtures.ts';

let store: Store;
let wf: Workflow;
let org: Org;
const c = clock();

beforeAll(async () => {
  store = await openTestStore();
  wf = new Workflow(store, { now: c.now });
  org = await makeOrg(store);
  const flow = {
    kind: 'approval_flow',
    id: 'wf.flow.vp_review',
    name: 'vp_review',
    label: { en: 'VP review' },
    object: 'deal',
    steps: [{ name: 'vp', approvers: [{ type: 'user', userId: org.users.vp }], sla: { hours: 1, escalateTo: [{ type: 'role', role: 'admin' }] } }],
  };
  await store.metadata.apply(org.tenant, [...baseDocs(), flow], { actor: system });
});

describe('self-approval', () => {
  it('an overdue task is not escalated to its own submitter; the escalation fails instead', async () => {
    const t = await wf.tenant(org.tenant);
    const id = await deal(store, org, { name: 'Escalating', amount: 10 });
    const inst = await wf.approvals.submit(t, 'vp_review', id, { userId: org.users.admin });
    c.advance(2 * HOUR);
    expect((await wf.tick(org.tenant)).escalated).toBe(0);
    const full = (await wf.approvals.instance(t, inst.id))!;
    expect(full.tasks.map((k) => [k.approver_id, k.status])).toEqual([[org.users.vp, 'open']]);
    const history = await wf.approvals.historyFor(t, 'deal', id);
    expect(history.map((h) => h.action)).toContain('escalation_failed');
  });
});
