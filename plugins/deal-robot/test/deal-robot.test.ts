// deal-robot against a real isolate, a test tenant, the durable job runner and a local fake robot
// server over HTTPS (self-signed; allowed by the test-only loopback override). Checks each robot's
// message format and signature, and that a robot error is retried.
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pluginHarness, type Harness } from '@attain/plugins/testing';
import { base64, hmacSha256, sha256 } from '../src/hmac.ts';

const dir = fileURLToPath(new URL('..', import.meta.url));
const cert = readFileSync(new URL('./localhost-cert.pem', import.meta.url), 'utf8');
const key = readFileSync(new URL('./localhost-key.pem', import.meta.url), 'utf8');

interface Posted {
  url: string;
  body: Record<string, unknown>;
}
let server: Server;
let h: Harness;
let host: string;
const posted: Posted[] = [];
let failNext = 0;

beforeAll(async () => {
  server = createServer({ key, cert }, (req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      posted.push({ url: req.url ?? '', body: JSON.parse(text) as Record<string, unknown> });
      const feishu = (req.url ?? '').includes('/open-apis/');
      if (failNext > 0) {
        failNext--;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(feishu ? { code: 19021, msg: 'sign match fail' } : { errcode: 310000, errmsg: 'keywords not in content' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(feishu ? { code: 0, msg: 'success' } : { errcode: 0, errmsg: 'ok' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `localhost:${(server.address() as AddressInfo).port}`;
  h = await pluginHarness(dir, {
    outbound: { allowHosts: [host], ca: cert },
    manifest: (m) => ({ ...m, capabilities: { ...m.capabilities, fetch: [`https://${host}/*`] } }),
    settings: { platform: 'dingtalk', webhookUrl: `https://${host}/robot/send?access_token=tok`, secret: 'SECabc', minAmount: 100 },
  });
});

afterAll(async () => {
  await h?.close();
  await new Promise((r) => server?.close(r));
});

let n = 0;
async function winDeal(name: string, amount = '25000'): Promise<void> {
  const records = await h.records();
  const c = await records.create('customer', { name: `Customer of ${name}` }, h.actor);
  const opp = await records.create('opportunity', { name, customer_id: c.id, amount, close_date: '2026-06-30', stage: 'proposal' }, h.actor);
  await records.update('opportunity', opp.id, { stage: 'closed_won' }, h.actor);
  await records.update('opportunity', opp.id, { next_step: `kick-off ${++n}` }, h.actor);
  await h.drain();
}

describe('deal-robot plugin', () => {
  it('signs like node:crypto does (the isolate has no crypto module)', () => {
    for (const [k, m] of [
      ['SECabc', '1700000000000\nSECabc'],
      ['1700000000\nsecret', ''],
      ['k'.repeat(100), '中文 message'],
    ] as const) {
      expect(base64(hmacSha256(k, m))).toBe(createHmac('sha256', k).update(m).digest('base64'));
    }
    for (const size of [0, 55, 56, 64, 200]) expect(base64(sha256(new Uint8Array(size).fill(7)))).toBe(createHash('sha256').update(Buffer.alloc(size, 7)).digest('base64'));
  });

  it('posts a won deal once to DingTalk as markdown with a valid signature', async () => {
    await winDeal('Big Win');
    expect(posted).toHaveLength(1);
    const p = posted[0]!;
    expect(p.body).toEqual({ msgtype: 'markdown', markdown: { title: '🎉 Won: Big Win', text: expect.stringContaining('Customer: Customer of Big Win') } });
    const url = new URL(p.url, 'https://x');
    expect(url.pathname).toBe('/robot/send');
    expect(url.searchParams.get('access_token')).toBe('tok');
    const ts = url.searchParams.get('timestamp')!;
    expect(url.searchParams.get('sign')).toBe(createHmac('sha256', 'SECabc').update(`${ts}\nSECabc`).digest('base64'));
  });

  it('skips small deals', async () => {
    await winDeal('Tiny', '50');
    expect(posted).toHaveLength(1);
  });

  it('speaks Feishu (signed text) and WeCom (markdown)', async () => {
    await h.runtime.service.configure(h.tenant, 'deal-robot', { platform: 'feishu', webhookUrl: `https://${host}/open-apis/bot/v2/hook/abc`, secret: '••••' }, h.actor);
    await winDeal('Feishu Win');
    const f = posted.at(-1)!;
    expect(f.url).toBe('/open-apis/bot/v2/hook/abc');
    expect(f.body).toMatchObject({ msg_type: 'text', content: { text: expect.stringContaining('🎉 Won: Feishu Win') } });
    expect(f.body.sign).toBe(
      createHmac('sha256', `${String(f.body.timestamp)}\nSECabc`)
        .update('')
        .digest('base64'),
    );

    await h.runtime.service.configure(h.tenant, 'deal-robot', { platform: 'wecom', webhookUrl: `https://${host}/cgi-bin/webhook/send?key=k1` }, h.actor);
    await winDeal('WeCom Win');
    const w = posted.at(-1)!;
    expect(w.url).toBe('/cgi-bin/webhook/send?key=k1');
    expect(w.body).toEqual({ msgtype: 'markdown', markdown: { content: expect.stringMatching(/^\*\*🎉 Won: WeCom Win\*\*\n> Amount: 25000/) } });
  });

  it('retries when the robot answers with an error code', async () => {
    failNext = 1;
    const before = posted.length;
    await winDeal('Flaky Win');
    expect(posted.length - before).toBe(2);
    const audit = await h.store.audit.list(h.tenant, { object: 'plugin', limit: 50 });
    expect(audit.some((a) => a.action === 'plugin.failed' && JSON.stringify(a.after).includes('did not accept'))).toBe(true);
    expect(audit.some((a) => a.action === 'plugin.log' && JSON.stringify(a.after).includes('posted won deal Flaky Win'))).toBe(true);
  });
});
