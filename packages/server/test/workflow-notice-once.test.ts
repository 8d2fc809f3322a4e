import { beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

// The submitter hears an approval's outcome once. A flow whose onApprove notifies the submitter
// (as the demo's big-deal flow does) used to add its notice to the built-in one: two "Approved".
let app: FastifyInstance;
let store: Store;
let tenant: TestTenant;
let admin: Caller;
let rep: Caller;
let mgr: Caller;

const flow = (name: string, onApprove: unknown[]) => ({
  kind: 'approval_flow',
  id: `flow_${name}`,
  name,
  label: { en: name },
  object: 'deal',
  entryCondition: 'amount > 0',
  steps: [{ name: 'manager', approvers: [{ type: 'manager', levels: 1 }] }],
  onApprove,
});

beforeAll(async () => {
  ({ app, store } = await testServer());
  tenant = await createTenant(store, 'wfn');
  admin = as(app, await login(app, tenant.name, tenant.users.admin.email));
  rep = as(app, await login(app, tenant.name, tenant.users.repEast.email));
  mgr = as(app, await login(app, tenant.name, tenant.users.mgrEast.email));
});

async function approveOne(flowName: string, dealName: string): Promise<Array<{ title: string; kind: string }>> {
  const id = (await rep.post('/api/v1/objects/deal', { name: dealName, amount: 100 })).json().id as string;
  expect((await rep.post('/api/v1/workflow/approvals', { flow: flowName, recordId: id })).statusCode).toBe(201);
  const task = (await mgr.get('/api/v1/workflow/tasks')).json().data.find((x: { title: string }) => x.title === dealName);
  expect((await mgr.post(`/api/v1/workflow/tasks/${task.id}/approve`, {})).json().status).toBe('approved');
  const notes = (await rep.get('/api/v1/workflow/notifications')).json().data as Array<{ title: string; kind: string }>;
  return notes.filter((n) => n.title.includes(dealName));
}

describe('approval outcome notices', () => {
  it('sends the flow’s own notice instead of the built-in one when the flow notifies the submitter', async () => {
    const own = [{ type: 'notify', to: [{ type: 'submitter' }], channels: ['inbox'], template: { title: { en: 'Approved: {{record.name}}' } } }];
    expect((await admin.put('/api/v1/workflow/flows/own_notice', flow('own_notice', own))).statusCode).toBe(200);
    const notes = await approveOne('own_notice', 'Globex');
    expect(notes.map((n) => n.title)).toEqual(['Approved: Globex']);
    expect(notes[0]!.kind).toBe('automation');
  });

  it('sends the built-in notice, once, when the flow has none for the submitter', async () => {
    const other = [{ type: 'notify', to: [{ type: 'role', role: 'finance' }], channels: ['inbox'], template: { title: { en: 'FYI approved: {{record.name}}' } } }];
    expect((await admin.put('/api/v1/workflow/flows/builtin_notice', flow('builtin_notice', other))).statusCode).toBe(200);
    const notes = await approveOne('builtin_notice', 'Initech');
    expect(notes.map((n) => n.kind)).toEqual(['approval_approved']);
    expect(notes[0]!.title).toMatch(/^Approved: Initech/);
  });
});

describe('notifications for the header bell', () => {
  it('counts unread, lists the latest few, marks one read, and refuses a bad limit naming it', async () => {
    const count = (await rep.get('/api/v1/workflow/notifications/unread-count')).json().unread as number;
    expect(count).toBeGreaterThanOrEqual(2);
    const latest = (await rep.get('/api/v1/workflow/notifications?limit=1')).json();
    expect(latest.data).toHaveLength(1);
    expect(latest.unread).toBe(count);
    expect((await rep.post('/api/v1/workflow/notifications/read', { ids: [latest.data[0].id] })).json()).toEqual({ marked: 1 });
    expect((await rep.get('/api/v1/workflow/notifications/unread-count')).json()).toEqual({ unread: count - 1 });
    for (const bad of ['0', '201', '2.5', 'ten']) {
      const res = await rep.get(`/api/v1/workflow/notifications?limit=${bad}`);
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'invalid_query', details: [{ path: '/limit', rule: 'range' }] });
    }
  });
});
