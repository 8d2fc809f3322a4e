// Outbound change events over HTTP, to a local receiver standing in for a subscriber: a customer
// write is delivered signed (the workflow webhook's x-attain-* headers), a failing receiver is
// tried again with exponential backoff by durable jobs until the attempts run out, the delivery is
// then a dead letter an admin lists with its error and replays (one, or several by id) with the
// same body and the same delivery id; replays are audited, bad ids change nothing.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { JobRunner } from '@attain/store';
import { workflowFor } from '@attain/workflow';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import { DELIVER_QUEUE, integrationsBackground } from '../src/modules/integrations/index.ts';
import type { Store } from '../src/store-port.ts';

type Hit = { headers: IncomingHttpHeaders; body: string };

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;
let receiver: Server;
let url: string;
let secret: string;
let failing = true;
const hits: Hit[] = [];
// The worker's clock: each drain runs what is due by then, so backoff is seen without waiting.
let clock = Date.now() + 60_000;
let runner: JobRunner;

async function drain(): Promise<void> {
  await runner.drain();
}

async function fullyFail(): Promise<void> {
  // Run the first attempt, then each retry once it is due: four attempts in all.
  for (let i = 0; i < 6; i++) {
    await drain();
    clock += 3_600_000;
  }
}

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'erpout');
  admin = as(app, await login(app, t.name, t.users.admin.email));
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += String(c)));
    req.on('end', () => {
      hits.push({ headers: req.headers, body });
      res.writeHead(failing ? 500 : 200, { 'content-type': 'application/json' });
      res.end(failing ? '{"error":"down"}' : '{"ok":true}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/attain`;
  const bg = integrationsBackground({ store }, { maxAttempts: 4, now: () => new Date(clock) });
  for (const s of bg.subscriptions ?? []) store.events.subscribe(s);
  runner = new JobRunner(store.jobs as never, { handlers: bg.handlers, now: () => new Date(clock) });
});
afterAll(async () => {
  await new Promise<void>((r) => receiver.close(() => r()));
  await app.close();
  await store.close();
});

describe('subscriptions', () => {
  it('refuse a private URL unless allowed, an unknown object, and non-admins; the secret is shown once', async () => {
    const blocked = await admin.post('/api/v1/integrations/subscriptions', { url, objects: ['customer'] });
    expect(blocked.statusCode).toBe(422);
    expect(blocked.json().error).toMatchObject({ code: 'ssrf_blocked', details: [{ path: '/url', rule: 'ssrf_blocked' }] });
    const wf = workflowFor(store);
    await wf.core.saveSettings(await wf.tenant(t.name), { webhookAllowHosts: ['127.0.0.1'] });
    const unknown = await admin.post('/api/v1/integrations/subscriptions', { url, objects: ['nope'] });
    expect(unknown.json().error).toMatchObject({ code: 'unknown_object', details: [{ path: '/objects/0', rule: 'exists' }] });
    const rep = as(app, await login(app, t.name, t.users.repEast.email));
    expect((await rep.post('/api/v1/integrations/subscriptions', { url, objects: ['customer'] })).statusCode).toBe(403);
    expect((await rep.get('/api/v1/integrations/dead-letters')).statusCode).toBe(403);
    const made = await admin.post('/api/v1/integrations/subscriptions', { url, objects: ['customer'] });
    expect(made.statusCode).toBe(201);
    secret = made.json().data.secret;
    expect(secret).toMatch(/^whsec_/);
    const listed = (await admin.get('/api/v1/integrations/subscriptions')).json().data;
    expect(listed).toEqual([expect.objectContaining({ url, objects: ['customer'], active: true })]);
    expect(JSON.stringify(listed)).not.toContain(secret);
  });
});

describe('deliveries and dead letters', () => {
  let deliveryId = '';
  let firstBody = '';

  it('retries a failing receiver with exponential backoff, then lists a dead letter with its error', async () => {
    const created = await admin.post('/api/v1/objects/customer', { name: 'ACME', region: 'north' });
    expect(created.statusCode).toBe(201);
    // A write to an object nobody subscribed to makes no delivery.
    await admin.post('/api/v1/objects/deal', { name: 'Big', amount: '1' });
    const before = clock;
    await fullyFail();
    expect(hits).toHaveLength(4);
    const ids = new Set(hits.map((h) => h.headers['x-attain-delivery']));
    expect(ids.size).toBe(1);
    deliveryId = String([...ids][0]);
    firstBody = (hits[0] as Hit).body;
    expect(hits.every((h) => h.body === firstBody)).toBe(true);
    expect(JSON.parse(firstBody)).toMatchObject({ id: deliveryId, type: 'customer.created', data: { object: 'customer', id: created.json().id, record: { name: 'ACME', region: 'north' } } });
    // Signed as the workflow's webhooks are: sha256=HMAC(secret, "<timestamp>.<body>").
    for (const h of hits) {
      const expected = createHmac('sha256', secret).update(`${h.headers['x-attain-timestamp']}.${h.body}`).digest('hex');
      expect(h.headers['x-attain-signature']).toBe(`sha256=${expected}`);
    }
    // The retries were due 30 s, 60 s and 120 s after each failure (the clock moved an hour per round).
    const jobs = (await store.jobs.list({ queue: DELIVER_QUEUE, tenant: t.name })).sort((a, b) => a.runAt.localeCompare(b.runAt));
    const retries = jobs.slice(1).map((j, i) => new Date(j.runAt).getTime() - (before + i * 3_600_000));
    expect(retries).toEqual([30_000, 60_000, 120_000]);

    // Once this node knows the tenant's subscriptions, a write of another object queues nothing for them.
    const queued = async () => (await store.jobs.list({ queue: 'event:integrations', tenant: t.name })).length;
    const n = await queued();
    expect((await admin.post('/api/v1/objects/deal', { name: 'Small', amount: '2' })).statusCode).toBe(201);
    expect(await queued()).toBe(n);

    const dead = await admin.get('/api/v1/integrations/dead-letters');
    expect(dead.statusCode).toBe(200);
    expect(dead.json().data).toEqual([
      expect.objectContaining({ id: deliveryId, url, eventType: 'customer.created', object: 'customer', recordId: created.json().id, attempts: 4, replays: 0, error: 'webhook answered HTTP 500' }),
    ]);
  });

  it('replays a dead letter with the same body and delivery id, audited', async () => {
    failing = false;
    hits.length = 0;
    const replayed = await admin.post(`/api/v1/integrations/dead-letters/${deliveryId}/replay`, {});
    expect(replayed.statusCode).toBe(200);
    expect(replayed.json().data.replayed).toEqual([deliveryId]);
    // Not a dead letter any more: a second replay is refused.
    expect((await admin.post(`/api/v1/integrations/dead-letters/${deliveryId}/replay`, {})).statusCode).toBe(404);
    await drain();
    expect(hits).toHaveLength(1);
    expect((hits[0] as Hit).headers['x-attain-delivery']).toBe(deliveryId);
    expect((hits[0] as Hit).body).toBe(firstBody);
    expect((await admin.get('/api/v1/integrations/dead-letters')).json().data).toEqual([]);
    const audit = (await admin.get('/api/v1/audit?object=integration_delivery')).json().data as Array<{ action: string; record_id?: string; recordId?: string }>;
    expect(audit.map((a) => a.action)).toContain('integrations.dead_letter.replay');
  });

  it('replays several by id, all or none', async () => {
    failing = true;
    await admin.post('/api/v1/objects/customer', { name: 'Beta' });
    await admin.post('/api/v1/objects/customer', { name: 'Gamma' });
    await fullyFail();
    const dead = (await admin.get('/api/v1/integrations/dead-letters')).json().data as Array<{ id: string }>;
    expect(dead).toHaveLength(2);
    const ids = dead.map((d) => d.id);
    const bad = await admin.post('/api/v1/integrations/dead-letters/replay', { ids: [...ids, deliveryId] });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error).toMatchObject({ code: 'not_dead_letter', details: [{ path: '/ids/2', rule: 'dead_letter' }] });
    expect((await admin.post('/api/v1/integrations/dead-letters/replay', { ids: ['x'] })).json().error.details[0]).toMatchObject({ path: '/ids/0', rule: 'format' });
    expect((await admin.post('/api/v1/integrations/dead-letters/replay', { ids: [] })).statusCode).toBe(400);
    expect((await admin.get('/api/v1/integrations/dead-letters')).json().data).toHaveLength(2);
    failing = false;
    hits.length = 0;
    const ok = await admin.post('/api/v1/integrations/dead-letters/replay', { ids });
    expect(ok.json().data.replayed.sort()).toEqual([...ids].sort());
    await drain();
    expect(new Set(hits.map((h) => h.headers['x-attain-delivery']))).toEqual(new Set(ids));
    expect((await admin.get('/api/v1/integrations/dead-letters')).json().data).toEqual([]);
  });

  it('a removed subscription gets nothing more; a delivery still waiting for a retry becomes a dead letter', async () => {
    const sub = (await admin.get('/api/v1/integrations/subscriptions')).json().data[0] as { id: string };
    failing = true;
    hits.length = 0;
    await admin.post('/api/v1/objects/customer', { name: 'Delta' });
    await drain();
    expect(hits).toHaveLength(1);
    expect((await admin.del(`/api/v1/integrations/subscriptions/${sub.id}`)).statusCode).toBe(204);
    expect((await admin.del('/api/v1/integrations/subscriptions/nope')).statusCode).toBe(404);
    clock += 3_600_000;
    await drain();
    expect(hits).toHaveLength(1);
    const dead = (await admin.get('/api/v1/integrations/dead-letters')).json().data as Array<{ error: string; attempts: number }>;
    expect(dead).toEqual([expect.objectContaining({ error: 'the subscription was removed', attempts: 2 })]);
    await admin.post('/api/v1/objects/customer', { name: 'Epsilon' });
    await drain();
    expect(hits).toHaveLength(1);
    expect((await admin.get('/api/v1/integrations/subscriptions')).json().data[0].active).toBe(false);
  });
});
