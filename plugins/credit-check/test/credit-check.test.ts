// The credit-check plugin against a real isolate, a test tenant and a local HTTPS service with a
// self-signed certificate. The tenant's grant names the local service (as an admin's grant names
// the real one); the SSRF guard lets it through only because the test passes the test-only
// loopback override (`outbound.allowHosts`) and trusts the certificate (`outbound.ca`).
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pluginHarness, type Harness } from '@attain/plugins/testing';

const dir = fileURLToPath(new URL('..', import.meta.url));
const cert = readFileSync(new URL('./localhost-cert.pem', import.meta.url), 'utf8');
const key = readFileSync(new URL('./localhost-key.pem', import.meta.url), 'utf8');

let server: Server;
let h: Harness;
const asked: Array<{ auth: string | undefined; body: Record<string, unknown> }> = [];

beforeAll(async () => {
  server = createServer({ key, cert }, (req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(text) as Record<string, unknown>;
      asked.push({ auth: req.headers.authorization, body });
      if (body.customerName === 'Broken Ltd') {
        res.writeHead(503).end('down');
        return;
      }
      const ok = body.customerName !== 'Risky Ltd';
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ok ? { approved: true } : { approved: false, reason: 'credit limit exceeded (score 412)' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `localhost:${(server.address() as AddressInfo).port}`;
  h = await pluginHarness(dir, {
    outbound: { allowHosts: [host], ca: cert },
    manifest: (m) => ({ ...m, capabilities: { ...m.capabilities, fetch: [`https://${host}/*`] } }),
    settings: { serviceUrl: `https://${host}/check`, apiKey: 'sk-test-123', limit: 1000 },
  });
});

afterAll(async () => {
  await h?.close();
  await new Promise((r) => server?.close(r));
});

async function customer(name: string): Promise<string> {
  return (await (await h.records()).create('customer', { name }, h.actor)).id;
}

const order = (customerId: string, amount: string, n: string) => ({ order_number: n, customer_id: customerId, order_date: '2026-03-01', amount, currency: 'CNY' });

describe('credit-check plugin', () => {
  it('keeps the API key secret in what clients see', () => {
    expect(h.view.settings.apiKey).toBe('••••');
    expect(h.view.status).toBe('enabled');
  });

  it('lets small orders through without asking', async () => {
    const before = asked.length;
    const c = await customer('Small Shop');
    await (await h.records()).create('order', order(c, '999', 'O-1'), h.actor);
    expect(asked.length).toBe(before);
  });

  it('asks the service over HTTPS for orders over the limit and saves approved ones', async () => {
    const c = await customer('Good Corp');
    const saved = await (await h.records()).create('order', order(c, '5000', 'O-2'), h.actor);
    expect(saved.id).toBeTruthy();
    const last = asked.at(-1)!;
    expect(last.auth).toBe('Bearer sk-test-123');
    expect(last.body).toMatchObject({ customerId: c, customerName: 'Good Corp', currency: 'CNY' });
    expect(Number(last.body.amount)).toBe(5000);
  });

  it('refuses an order the service declines, with its reason', async () => {
    const c = await customer('Risky Ltd');
    const records = await h.records();
    await expect(records.create('order', order(c, '5000', 'O-3'), h.actor)).rejects.toMatchObject({
      code: 'plugin_refused',
      status: 422,
      message: 'Credit check refused an order of 5000 for Risky Ltd: credit limit exceeded (score 412)',
    });
    expect((await records.list('order', { filter: { order_number: { eq: 'O-3' } } })).data).toHaveLength(0);
    const audit = await h.store.audit.list(h.tenant, { object: 'plugin' });
    expect(audit.some((a) => a.action === 'plugin.refused')).toBe(true);
    expect(audit.some((a) => a.action === 'plugin.call' && (a.after as { fn: string }).fn === 'fetch')).toBe(true);
  });

  it('refuses when the service is down', async () => {
    const c = await customer('Broken Ltd');
    await expect((await h.records()).create('order', order(c, '5000', 'O-4'), h.actor)).rejects.toMatchObject({ code: 'plugin_refused', message: expect.stringContaining('service answered 503') });
  });
});
