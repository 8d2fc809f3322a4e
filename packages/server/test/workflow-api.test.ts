import { beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let tenant: TestTenant;
let admin: Caller;
let rep: Caller;
let mgr: Caller;
let west: Caller;

const flow = (extra: Record<string, unknown> = {}) => ({
  kind: 'approval_flow',
  id: 'flow_big_deal',
  name: 'big_deal',
  label: { en: 'Big deal', 'zh-CN': '大单审批' },
  object: 'deal',
  entryCondition: 'amount > 0',
  lockedFields: ['amount'],
  steps: [
    { name: 'manager', approvers: [{ type: 'manager', levels: 1 }] },
    { name: 'finance', condition: 'amount > 10000', approvers: [{ type: 'role', role: 'finance' }] },
  ],
  onApprove: [{ type: 'update', set: { stage: 'won' } }],
  ...extra,
});

beforeAll(async () => {
  ({ app, store } = await testServer());
  tenant = await createTenant(store, 'wfa');
  admin = as(app, await login(app, tenant.name, tenant.users.admin.email));
  rep = as(app, await login(app, tenant.name, tenant.users.repEast.email));
  mgr = as(app, await login(app, tenant.name, tenant.users.mgrEast.email));
  west = as(app, await login(app, tenant.name, tenant.users.repWest.email));
});

describe('workflow API', () => {
  it('lets an admin define flows, refusing bad formulas with a clear error', async () => {
    const bad = await admin.put('/api/v1/workflow/flows/big_deal', flow({ entryCondition: 'amount > "x" +' }));
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.code).toBe('invalid_formula');
    expect((await admin.put('/api/v1/workflow/flows/other', flow())).statusCode).toBe(422);
    expect((await rep.put('/api/v1/workflow/flows/big_deal', flow())).statusCode).toBe(403);
    const ok = await admin.put('/api/v1/workflow/flows/big_deal', flow());
    expect(ok.statusCode).toBe(200);
    expect((await rep.get('/api/v1/workflow/flows?object=deal')).json().data.map((f: { name: string }) => f.name)).toEqual(['big_deal']);
    expect((await admin.get('/api/v1/workflow/check')).json()).toEqual({ problems: [] });
    expect((await admin.get('/api/v1/workflow/automations')).json()).toEqual({ data: [] });
  });

  it('submits, locks fields (409 naming the field), approves from the inbox, unlocks and shows the history', async () => {
    const created = await rep.post('/api/v1/objects/deal', { name: 'ACME', amount: 500 });
    const id = created.json().id as string;
    expect((await rep.post('/api/v1/workflow/flows/big_deal/preview', { recordId: id })).json().steps).toEqual([
      { step: 'manager', skipped: false, approvers: [tenant.users.mgrEast.id], delegatedFrom: [] },
      { step: 'finance', skipped: true, approvers: [], delegatedFrom: [] },
    ]);
    expect((await west.post('/api/v1/workflow/approvals', { flow: 'big_deal', recordId: id })).statusCode).toBe(404);
    const sub = await rep.post('/api/v1/workflow/approvals', { flow: 'big_deal', recordId: id, comment: 'please' });
    expect(sub.statusCode).toBe(201);
    expect(sub.json().status).toBe('pending');
    expect((await rep.post('/api/v1/workflow/approvals', { flow: 'big_deal', recordId: id })).json().error.code).toBe('conflict');

    const locked = await rep.patch(`/api/v1/objects/deal/${id}`, { amount: 1 });
    expect(locked.statusCode).toBe(409);
    expect(locked.json().error).toMatchObject({ code: 'record_locked', details: [{ path: '/amount', rule: 'locked' }] });
    expect(locked.json().error.message).toContain('"amount" is locked');
    expect((await rep.patch(`/api/v1/objects/deal/${id}`, { name: 'ACME 2' })).statusCode).toBe(200);

    const inbox = (await mgr.get('/api/v1/workflow/tasks')).json().data;
    expect(inbox).toHaveLength(1);
    expect(inbox[0]).toMatchObject({ title: 'ACME 2', flow_name: 'big_deal', step_name: 'manager' });
    expect((await rep.post(`/api/v1/workflow/tasks/${inbox[0].id}/approve`, {})).statusCode).toBe(403);
    expect((await mgr.post(`/api/v1/workflow/tasks/${inbox[0].id}/reject`, {})).statusCode).toBe(422);
    expect((await mgr.post(`/api/v1/workflow/tasks/${inbox[0].id}/bogus`, {})).statusCode).toBe(404);
    const done = await mgr.post(`/api/v1/workflow/tasks/${inbox[0].id}/approve`, { comment: 'fine' });
    expect(done.json().status).toBe('approved');
    expect((await mgr.get('/api/v1/workflow/tasks?status=decided')).json().data).toHaveLength(1);

    const rec = (await rep.get(`/api/v1/objects/deal/${id}`)).json();
    expect(rec.stage).toBe('won');
    expect((await rep.patch(`/api/v1/objects/deal/${id}`, { amount: 2 })).statusCode).toBe(200);
    const hist = (await rep.get(`/api/v1/workflow/approvals?object=deal&recordId=${id}`)).json();
    expect(hist.history.map((h: { action: string }) => h.action)).toEqual(['submitted', 'step_started', 'approved', 'step_skipped', 'approved']);
    const one = await rep.get(`/api/v1/workflow/approvals/${hist.data[0].id}`);
    expect(one.json().tasks).toHaveLength(1);
    expect((await west.get(`/api/v1/workflow/approvals/${hist.data[0].id}`)).statusCode).toBe(404);
    expect((await west.get(`/api/v1/workflow/approvals?object=deal&recordId=${id}`)).statusCode).toBe(404);

    const notes = (await rep.get('/api/v1/workflow/notifications')).json();
    expect(notes.unread).toBeGreaterThan(0);
    expect(notes.data[0].title).toMatch(/Approved: ACME 2/);
    expect((await rep.post('/api/v1/workflow/notifications/read', { all: true })).json().marked).toBe(notes.unread);
    expect((await rep.get('/api/v1/workflow/notifications/unread-count')).json()).toEqual({ unread: 0 });
    expect((await rep.post('/api/v1/workflow/notifications/read', {})).statusCode).toBe(400);
  });

  it('withdraws, comments, sends back and resubmits over HTTP', async () => {
    const id = (await rep.post('/api/v1/objects/deal', { name: 'Send back', amount: 100 })).json().id as string;
    const inst = (await rep.post('/api/v1/workflow/approvals', { flow: 'big_deal', recordId: id })).json();
    expect((await mgr.post(`/api/v1/workflow/approvals/${inst.id}/comment`, { comment: 'checking' })).json()).toEqual({ ok: true });
    const task = (await mgr.get('/api/v1/workflow/tasks')).json().data.find((x: { instance_id: string }) => x.instance_id === inst.id);
    expect((await mgr.post(`/api/v1/workflow/tasks/${task.id}/send-back`, { comment: 'lower it' })).json().status).toBe('returned');
    expect((await rep.post(`/api/v1/workflow/approvals/${inst.id}/resubmit`, { comment: 'done' })).json()).toMatchObject({ status: 'pending', round: 2 });
    expect((await mgr.post(`/api/v1/workflow/approvals/${inst.id}/withdraw`, {})).statusCode).toBe(403);
    expect((await rep.post(`/api/v1/workflow/approvals/${inst.id}/withdraw`, {})).json().status).toBe('withdrawn');
    expect((await rep.post(`/api/v1/workflow/approvals/${inst.id}/nope`, {})).statusCode).toBe(404);
    expect((await rep.get('/api/v1/workflow/approvals/not-a-uuid')).statusCode).toBe(404);
  });

  it('manages delegations, preferences, settings and the run log', async () => {
    const now = Date.now();
    const d = await mgr.post('/api/v1/workflow/delegations', { to: tenant.users.admin.id, startsAt: new Date(now - 1000).toISOString(), endsAt: new Date(now + 86_400_000).toISOString() });
    expect(d.statusCode).toBe(201);
    expect((await mgr.post('/api/v1/workflow/delegations', { to: tenant.users.admin.id, startsAt: 'x', endsAt: 'y' })).statusCode).toBe(400);
    expect(
      (await rep.post('/api/v1/workflow/delegations', { from: tenant.users.mgrEast.id, to: tenant.users.repEast.id, startsAt: new Date().toISOString(), endsAt: new Date(now + 1000).toISOString() }))
        .statusCode,
    ).toBe(403);
    const id = (await rep.post('/api/v1/objects/deal', { name: 'Delegated', amount: 100 })).json().id as string;
    await rep.post('/api/v1/workflow/approvals', { flow: 'big_deal', recordId: id });
    const adminInbox = (await admin.get('/api/v1/workflow/tasks')).json().data;
    expect(adminInbox.map((x: { title: string }) => x.title)).toContain('Delegated');
    expect((await mgr.get('/api/v1/workflow/delegations')).json().data).toHaveLength(1);
    expect((await mgr.del(`/api/v1/workflow/delegations/${d.json().id}`)).statusCode).toBe(204);

    expect((await rep.put('/api/v1/workflow/preferences', { channels: { email: false }, locale: 'zh-CN' })).json()).toEqual({ channels: { inbox: true, email: false }, locale: 'zh-CN' });
    expect((await rep.put('/api/v1/workflow/preferences', { channels: { email: 'no' } })).statusCode).toBe(400);
    expect((await rep.put('/api/v1/workflow/preferences', { locale: 'bad locale' })).statusCode).toBe(400);
    expect((await rep.get('/api/v1/workflow/preferences')).json().locale).toBe('zh-CN');

    expect((await rep.get('/api/v1/workflow/settings')).statusCode).toBe(403);
    expect((await admin.put('/api/v1/workflow/settings', { timezone: 'Mars/Base' })).statusCode).toBe(400);
    expect(
      (
        await admin.put('/api/v1/workflow/settings', {
          timezone: 'Asia/Shanghai',
          locale: 'zh-CN',
          smtp: { host: '1.1.1.1', port: 2525, from: 'a@b.c', user: 'u', pass: 'p' },
          secrets: { hook: 's3cret', old: null },
        })
      ).json(),
    ).toEqual({ ok: true });
    expect((await admin.put('/api/v1/workflow/settings', { smtp: { host: 1 } })).statusCode).toBe(400);
    expect((await admin.put('/api/v1/workflow/settings', { secrets: { 'Bad Name': 'x' } })).statusCode).toBe(400);
    expect((await admin.get('/api/v1/workflow/settings')).json()).toEqual({
      timezone: 'Asia/Shanghai',
      locale: 'zh-CN',
      smtp: { host: '1.1.1.1', port: 2525, from: 'a@b.c', secure: false, user: 'u', pass: '********' },
      secrets: ['hook'],
    });
    expect((await admin.get('/api/v1/workflow/runs')).json().data.length).toBeGreaterThan(0);
  });
});
