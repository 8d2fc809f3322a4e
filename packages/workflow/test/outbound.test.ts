// The SSRF guard. Every request here goes to 127.0.0.1 or to a name that resolves locally
// (`localhost`); refusals are checked before any connection (the receivers count their hits).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { JobRunner, openTestStore, type Store } from '@attain/store';
import { checkUrl, guardedRequest, isPrivateAddress, listRuns, OutboundRefused, sendWebhook, Workflow } from '../src/index.ts';
import { guardedLookup } from '../src/notify/outbound.ts';
import { baseDocs, deal, makeOrg } from './fixtures.ts';

interface Local {
  port: number;
  hits: string[];
  close: () => Promise<void>;
}

async function local(handler: (url: string, res: import('node:http').ServerResponse) => void): Promise<Local> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    req.resume();
    req.on('end', () => handler(req.url ?? '', res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

let target: Local;
let redirector: Local;

beforeAll(async () => {
  target = await local((url, res) => {
    if (url === '/big') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('x'.repeat(10_000));
    } else if (url === '/slow') {
      // never answers: the deadline ends the request
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    }
  });
  redirector = await local((url, res) => {
    const to = decodeURIComponent(url.slice('/to/'.length));
    res.writeHead(url.startsWith('/to/') ? 307 : 302, { location: url.startsWith('/to/') ? to : '/loop' });
    res.end();
  });
});

afterAll(async () => {
  await target.close();
  await redirector.close();
});

const ALLOW = ['127.0.0.1'];
const post = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' };

describe('outbound webhook guard (SSRF)', () => {
  it('classifies private, loopback, link-local, metadata and mapped addresses', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.0.10',
      '169.254.169.254',
      '100.100.100.200',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd00:ec2::254',
      'fc00::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      '64:ff9b::a9fe:a9fe',
      '2002:7f00:1::',
      'ff02::1',
      'not-an-ip',
    ]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isPrivateAddress(a), a).toBe(false);
  });

  it('refuses other schemes, credentials, literal private addresses and metadata names before connecting', async () => {
    for (const url of ['ftp://example.test/x', 'file:///etc/passwd', 'gopher://127.0.0.1:70/', 'javascript:alert(1)']) {
      await expect(guardedRequest(url, post, { timeoutMs: 1000 })).rejects.toMatchObject({ rule: 'scheme' });
    }
    await expect(guardedRequest('not a url', post, { timeoutMs: 1000 })).rejects.toMatchObject({ rule: 'url' });
    expect(() => checkUrl('http://user:pw@127.0.0.1/', ALLOW)).toThrow(/credentials/);
    for (const url of [
      `http://127.0.0.1:${target.port}/`,
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/',
      'http://[fd00:ec2::254]/',
      'http://[::ffff:127.0.0.1]/',
      'http://100.100.100.200/',
      'http://0.0.0.0/',
      'http://10.0.0.1/',
      'http://2130706433/',
      'http://0x7f.1/',
    ]) {
      await expect(guardedRequest(url, post, { timeoutMs: 1000 }), url).rejects.toMatchObject({ rule: 'address' });
    }
    for (const url of ['http://metadata.google.internal/computeMetadata/v1/', 'http://metadata/', 'http://foo.internal/']) {
      await expect(guardedRequest(url, post, { timeoutMs: 1000 }), url).rejects.toMatchObject({ rule: 'host' });
    }
    expect(target.hits).toEqual([]);
  });

  it('resolves host names and refuses when any address is private, before the connection starts', async () => {
    await expect(guardedRequest(`http://localhost:${target.port}/`, post, { timeoutMs: 2000 })).rejects.toThrow(/resolves to a private, loopback/);
    await expect(sendWebhook('json', { url: `http://LOCALHOST:${target.port}/`, headers: {}, body: '{}' }, 2000)).rejects.toBeInstanceOf(OutboundRefused);
    expect(target.hits).toEqual([]);
    // the lookup the socket uses: every resolved address is checked, in both calling styles
    const viaLookup = (all: boolean) => new Promise<unknown>((resolve) => guardedLookup(false)('localhost', { all }, (err) => resolve(err)));
    expect(await viaLookup(true)).toBeInstanceOf(OutboundRefused);
    expect(await viaLookup(false)).toBeInstanceOf(OutboundRefused);
    const allowed = await new Promise<unknown>((resolve) => guardedLookup(true)('localhost', {}, (err, address) => resolve(err ?? address)));
    expect(typeof allowed).toBe('string');
  });

  it('lets an explicitly allowed host through, with a size cap and a deadline', async () => {
    await expect(guardedRequest(`http://127.0.0.1:${target.port}/ok`, post, { timeoutMs: 2000, allowHosts: ALLOW })).resolves.toEqual({ status: 200, text: '{"ok":true}' });
    await expect(guardedRequest(`http://127.0.0.1:${target.port}/ok`, post, { timeoutMs: 2000, allowHosts: [`127.0.0.1:${target.port}`] })).resolves.toMatchObject({ status: 200 });
    // an allowance for another port does not cover this one
    await expect(guardedRequest(`http://127.0.0.1:${target.port}/ok`, post, { timeoutMs: 2000, allowHosts: ['127.0.0.1:1'] })).rejects.toMatchObject({ rule: 'address' });
    await expect(guardedRequest(`http://127.0.0.1:${target.port}/big`, post, { timeoutMs: 2000, allowHosts: ALLOW, maxBytes: 1000 })).rejects.toMatchObject({ rule: 'size' });
    await expect(guardedRequest(`http://127.0.0.1:${target.port}/slow`, post, { timeoutMs: 150, allowHosts: ALLOW })).rejects.toThrow(/abort|timeout/i);
  });

  it('checks every redirect hop again and refuses hops to private addresses', async () => {
    const via = (to: string) => `http://127.0.0.1:${redirector.port}/to/${encodeURIComponent(to)}`;
    const before = target.hits.length;
    // allowed host -> allowed host: followed
    await expect(guardedRequest(via(`http://127.0.0.1:${target.port}/ok`), post, { timeoutMs: 2000, allowHosts: ALLOW })).resolves.toMatchObject({ status: 200 });
    expect(target.hits.length).toBe(before + 1);
    // allowed host -> a name resolving to loopback, a metadata address, another scheme: refused
    await expect(guardedRequest(via(`http://localhost:${target.port}/ok`), post, { timeoutMs: 2000, allowHosts: ALLOW })).rejects.toThrow(/resolves to a private/);
    await expect(guardedRequest(via('http://169.254.169.254/latest/meta-data/'), post, { timeoutMs: 2000, allowHosts: ALLOW })).rejects.toMatchObject({ rule: 'redirect' });
    await expect(guardedRequest(via('file:///etc/passwd'), post, { timeoutMs: 2000, allowHosts: ALLOW })).rejects.toMatchObject({ rule: 'redirect' });
    await expect(guardedRequest(`http://127.0.0.1:${redirector.port}/loop`, post, { timeoutMs: 2000, allowHosts: ALLOW })).rejects.toThrow(/too many times/);
    expect(target.hits.length).toBe(before + 1);
  });

  it('refuses automation and final-action webhooks to private hosts unless the tenant allows the host', async () => {
    const store: Store = await openTestStore();
    const url = `http://127.0.0.1:${target.port}/rule`;
    const rule = { kind: 'automation', id: 'wf.rule.ssrf', name: 'ssrf', label: { en: 'Hook' }, object: 'deal', trigger: { type: 'record', on: ['create'] }, actions: [{ type: 'webhook', url }] };
    const robot = {
      kind: 'automation',
      id: 'wf.rule.robot2',
      name: 'robot2',
      label: { en: 'Robot' },
      object: 'deal',
      trigger: { type: 'record', on: ['create'] },
      actions: [{ type: 'webhook', format: 'dingtalk', url: `http://localhost:${target.port}/robot` }],
    };
    const wf = new Workflow(store, { maxAttempts: 1 });
    const org = await makeOrg(store, [...baseDocs(), rule, robot], 'ssrf');
    const m = wf.background();
    for (const s of m.subscriptions ?? []) store.events.subscribe(s);
    const runner = new JobRunner(store.jobs, { handlers: m.handlers, backoffMs: () => 1 });
    await deal(store, org, { name: 'One' });
    await runner.drain();
    const t = await wf.tenant(org.tenant);
    const runs = await listRuns(wf.core, t, {});
    expect(runs.map((r) => [r.rule, r.status]).sort()).toEqual([
      ['robot2', 'failed'],
      ['ssrf', 'failed'],
    ]);
    expect(runs.find((r) => r.rule === 'ssrf')?.last_error).toMatch(/private, loopback, link-local or metadata/);
    expect(target.hits.filter((h) => h === '/rule' || h === '/robot')).toEqual([]);
    // the tenant allows the receiver's address explicitly: the next event's webhook goes through
    await wf.core.saveSettings(t, { webhookAllowHosts: [`127.0.0.1:${target.port}`] });
    await deal(store, org, { name: 'Two' });
    await runner.drain();
    expect(target.hits.filter((h) => h === '/rule')).toHaveLength(1);
    expect(target.hits.filter((h) => h === '/robot')).toEqual([]);
  });
});
