// Issue #12 point 5: nobody approves their own request, through any path (direct approver,
// delegation, role approver, admin fallback). Driven over HTTP as the users would.
import { beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { hashPassword } from '../src/index.ts';
import { as, createTenant, login, PASSWORD, testServer, type Caller, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let tenant: TestTenant;
let admin: Caller;
let admin2: Caller;
let admin2Id: string;
let rep: Caller;
let mgr: Caller;

const flow = (name: string, steps: unknown[], extra: Record<string, unknown> = {}) => ({
  kind: 'approval_flow',
  id: `flow_${name}`,
  name,
  label: { en: name },
  object: 'deal',
  steps,
  ...extra,
});

const day = 86_400_000;
const window = () => ({ startsAt: new Date(Date.now() - day).toISOString(), endsAt: new Date(Date.now() + 30 * day).toISOString() });

async function deal(caller: Caller, amount = 900_000): Promise<string> {
  const res = await caller.post('/api/v1/objects/deal', { name: `Deal ${amount}`, amount });
  expect(res.statusCode).toBe(201);
  return res.json().id as string;
}

async function submit(caller: Caller, flowName: string, recordId: string) {
  const res = await caller.post('/api/v1/workflow/approvals', { flow: flowName, recordId });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; status: string };
}

async function openTasks(instanceId: string): Promise<Array<{ id: string; approver_id: string; original_approver_id: string | null; status: string }>> {
  const inst = (await admin.get(`/api/v1/workflow/approvals/${instanceId}`)).json() as { tasks: Array<{ id: string; approver_id: string; original_approver_id: string | null; status: string }> };
  return inst.tasks.filter((t) => t.status === 'open');
}

beforeAll(async () => {
  ({ app, store } = await testServer());
  tenant = await createTenant(store, 'slap');
  admin = as(app, await login(app, tenant.name, tenant.users.admin.email));
  rep = as(app, await login(app, tenant.name, tenant.users.repEast.email));
  mgr = as(app, await login(app, tenant.name, tenant.users.mgrEast.email));
  // A second admin, so an admin's own request has someone else to go to.
  const created = await admin.post('/api/v1/objects/user', { name: 'Admin Two', email: `admin2@${tenant.name}.test`, role: 'admin', org_unit_id: tenant.orgUnits.root, active: true });
  expect(created.statusCode).toBe(201);
  admin2Id = created.json().id as string;
  await store.auth.upsertCredential({ tenant: tenant.name, userId: admin2Id, email: `admin2@${tenant.name}.test`, passwordHash: await hashPassword(PASSWORD, { N: 1024 }), active: true });
  admin2 = as(app, await login(app, tenant.name, `admin2@${tenant.name}.test`));
  for (const doc of [
    flow('by_manager', [{ name: 'manager', approvers: [{ type: 'manager' }] }], { fallback: [{ type: 'role', role: 'admin' }] }),
    flow('by_managers_role', [{ name: 'managers', approvers: [{ type: 'role', role: 'manager' }] }]),
    flow('by_submitter', [{ name: 'self', approvers: [{ type: 'submitter' }] }]),
    flow('by_user', [{ name: 'named', approvers: [{ type: 'user', userId: tenant.users.repEast.id }] }]),
  ]) {
    const res = await admin.put(`/api/v1/workflow/flows/${doc.name}`, doc);
    expect(res.statusCode, res.body).toBe(200);
  }
});

describe('self-approval is impossible', () => {
  it('a delegation from the manager to the submitting rep does not hand the rep their own task', async () => {
    const d = await mgr.post('/api/v1/workflow/delegations', { to: tenant.users.repEast.id, ...window() });
    expect(d.statusCode).toBe(201);
    try {
      const id = await deal(rep);
      const preview = (await rep.post('/api/v1/workflow/flows/by_manager/preview', { recordId: id })).json();
      expect(preview.steps[0]).toMatchObject({ approvers: [tenant.users.mgrEast.id], delegatedFrom: [] });
      const inst = await submit(rep, 'by_manager', id);
      const tasks = await openTasks(inst.id);
      expect(tasks.map((t) => t.approver_id)).toEqual([tenant.users.mgrEast.id]);
      expect((await rep.get('/api/v1/workflow/tasks')).json().data).toEqual([]);
      const own = await rep.post(`/api/v1/workflow/tasks/${tasks[0]?.id}/approve`, {});
      expect(own.statusCode).toBe(403);
      expect(own.json().error.code).toBe('self_approval');
      expect((await admin.get(`/api/v1/workflow/approvals/${inst.id}`)).json().status).toBe('pending');
      expect((await mgr.post(`/api/v1/workflow/tasks/${tasks[0]?.id}/approve`, {})).json().status).toBe('approved');
    } finally {
      await mgr.del(`/api/v1/workflow/delegations/${d.json().id}`);
    }
  });

  it('a delegation made after the task was assigned does not let the submitter decide it (403 self_approval)', async () => {
    const id = await deal(rep);
    const inst = await submit(rep, 'by_manager', id);
    const [task] = await openTasks(inst.id);
    expect(task?.approver_id).toBe(tenant.users.mgrEast.id);
    const d = await mgr.post('/api/v1/workflow/delegations', { to: tenant.users.repEast.id, ...window() });
    try {
      for (const action of ['approve', 'reject', 'send-back']) {
        const res = await rep.post(`/api/v1/workflow/tasks/${task?.id}/${action}`, { comment: 'mine' });
        expect(res.statusCode).toBe(403);
        expect(res.json().error).toMatchObject({ code: 'self_approval', details: [{ rule: 'self_approval' }] });
      }
      expect((await admin.get(`/api/v1/workflow/approvals/${inst.id}`)).json().status).toBe('pending');
    } finally {
      await mgr.del(`/api/v1/workflow/delegations/${d.json().id}`);
    }
  });

  it('an admin’s own request does not come back to them through the admin fallback; another admin gets it', async () => {
    const id = await deal(admin);
    const inst = await submit(admin, 'by_manager', id);
    const tasks = await openTasks(inst.id);
    expect(tasks.map((t) => t.approver_id)).toEqual([admin2Id]);
    const own = await admin.post(`/api/v1/workflow/tasks/${tasks[0]?.id}/approve`, {});
    expect(own.statusCode).toBe(403);
    expect(own.json().error.code).toBe('self_approval');
    expect((await admin2.post(`/api/v1/workflow/tasks/${tasks[0]?.id}/approve`, {})).json().status).toBe('approved');
  });

  it('a role approver who is the submitter is skipped: the step goes to someone else', async () => {
    // mgrEast is the only manager and has no manager of their own, so the step goes to the admins.
    const id = await deal(mgr);
    const inst = await submit(mgr, 'by_managers_role', id);
    const approvers = (await openTasks(inst.id)).map((t) => t.approver_id).sort();
    expect(approvers).toEqual([tenant.users.admin.id, admin2Id].sort());
    expect(approvers).not.toContain(tenant.users.mgrEast.id);
  });

  it('a step naming the submitter, or naming them directly, routes to the submitter’s manager', async () => {
    for (const name of ['by_submitter', 'by_user']) {
      const id = await deal(rep);
      const inst = await submit(rep, name, id);
      expect((await openTasks(inst.id)).map((t) => t.approver_id)).toEqual([tenant.users.mgrEast.id]);
    }
  });
});
