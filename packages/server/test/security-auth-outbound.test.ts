// Issue #12, finding 20: webhook, robot and SMTP addresses in private, loopback and link-local
// ranges were refused only when a message was sent; now they are refused when saved, too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { openTestStore } from '@attain/store';
import { workflowFor } from '@attain/workflow';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'sob');
  admin = as(app, await login(app, t.name, t.users.admin.email));
});
afterAll(async () => {
  await app.close();
});

const PRIVATE = ['127.0.0.1', 'localhost', '10.1.2.3', '192.168.1.1', '172.16.0.9', '169.254.169.254', '100.64.0.1', '[::1]', '[fe80::1]', '[::ffff:127.0.0.1]', '0.0.0.0', 'metadata.google.internal'];

const rule = (name: string, url: unknown, format?: string) => ({
  kind: 'automation',
  id: `sec.rule.${name}`,
  name,
  label: { en: 'Hook' },
  object: 'deal',
  trigger: { type: 'record', on: ['create'] },
  actions: [{ type: 'webhook', ...(format ? { format } : {}), url }],
});

describe('webhook addresses are checked when saved', () => {
  it('refuses private, loopback, link-local and metadata targets with 422 ssrf_blocked naming the field', async () => {
    for (const [i, host] of PRIVATE.entries()) {
      const name = `hook_${i}`;
      const res = await admin.put(`/api/v1/workflow/automations/${name}`, rule(name, `http://${host}:8080/hook`, i % 2 ? 'dingtalk' : undefined));
      expect(res.statusCode, host).toBe(422);
      expect(res.json().error.code, host).toBe('ssrf_blocked');
      expect(res.json().error.details, host).toEqual([expect.objectContaining({ path: '/actions/0/url', rule: 'ssrf_blocked' })]);
    }
    expect((await admin.get('/api/v1/workflow/automations')).json().data).toEqual([]);
  });

  it("refuses them in POST /metadata/apply too, with the document's place in the path", async () => {
    const res = await admin.post('/api/v1/metadata/apply', { documents: [rule('via_apply_ok', 'https://93.184.215.14/hook'), rule('via_apply', 'http://localhost/hook')] });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'ssrf_blocked', details: [{ path: '/documents/1/actions/0/url', rule: 'ssrf_blocked' }] });
    expect((await admin.get('/api/v1/workflow/automations')).json().data).toEqual([]);
  });

  it('saves a public address; a non-http(s) URL is refused by the metadata schema, naming the field', async () => {
    expect((await admin.put('/api/v1/workflow/automations/public_hook', rule('public_hook', 'https://93.184.215.14/hook'))).statusCode).toBe(200);
    const ftp = await admin.put('/api/v1/workflow/automations/ftp_hook', rule('ftp_hook', 'ftp://93.184.215.14/hook'));
    expect(ftp.statusCode).toBe(422);
    expect(ftp.json().error.details[0].path).toContain('/actions/0/url');
  });
});

describe('SMTP servers are checked when saved', () => {
  it('refuses private hosts with 422 naming /smtp/host and keeps the settings', async () => {
    for (const host of ['127.0.0.1', 'localhost', '::1', '10.0.0.25', '169.254.169.254', 'fe80::1', 'metadata.google.internal']) {
      const res = await admin.put('/api/v1/workflow/settings', { smtp: { host, port: 25, from: 'crm@example.com' } });
      expect(res.statusCode, host).toBe(422);
      expect(res.json().error.code).toBe('ssrf_blocked');
      expect(res.json().error.details).toEqual([expect.objectContaining({ path: '/smtp/host', rule: 'ssrf_blocked' })]);
    }
    expect((await admin.get('/api/v1/workflow/settings')).json().smtp).toBeNull();
    expect((await admin.put('/api/v1/workflow/settings', { smtp: { host: '93.184.215.14', port: 587, from: 'crm@example.com' } })).statusCode).toBe(200);
  });

  it("honours the tenant's allowlist, by host and port, as the sender does", async () => {
    const wf = workflowFor(store);
    await wf.core.saveSettings(await wf.tenant(t.name), { webhookAllowHosts: ['127.0.0.1:2525'] });
    expect((await admin.put('/api/v1/workflow/settings', { smtp: { host: '127.0.0.1', port: 2525, from: 'crm@example.com' } })).statusCode).toBe(200);
    expect((await admin.put('/api/v1/workflow/settings', { smtp: { host: '127.0.0.1', port: 2526, from: 'crm@example.com' } })).statusCode).toBe(422);
    expect((await admin.put('/api/v1/workflow/automations/allowed_hook', rule('allowed_hook', 'http://127.0.0.1:2525/hook'))).statusCode).toBe(200);
    await wf.core.saveSettings(await wf.tenant(t.name), { webhookAllowHosts: [] });
  });
});

describe("the operator's allowlist", () => {
  it('lets a named private host be saved', async () => {
    const own = (await openTestStore()) as unknown as Store;
    workflowFor(own, { webhookAllowHosts: ['localhost'] });
    const { app: server } = await testServer(own);
    try {
      const o = await createTenant(own, 'sop');
      const a = as(server, await login(server, o.name, o.users.admin.email));
      expect((await a.put('/api/v1/workflow/automations/local_hook', rule('local_hook', 'http://localhost:9000/hook'))).statusCode).toBe(200);
      expect((await a.put('/api/v1/workflow/settings', { smtp: { host: 'localhost', port: 25, from: 'crm@example.com' } })).statusCode).toBe(200);
      expect((await a.put('/api/v1/workflow/automations/other_hook', rule('other_hook', 'http://127.0.0.1:9000/hook'))).statusCode).toBe(422);
    } finally {
      await server.close();
    }
  });
});
