import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { JobRunner, openTestStore, type Store } from '@attain/store';
import { prepareWebhook, render, sendWebhook, Workflow } from '../src/index.ts';
import { smtpAddress } from '../src/notify/email.ts';
import { baseDocs, deal, makeOrg } from './fixtures.ts';
import { httpReceiver, smtpReceiver } from './receivers.ts';

const OK = { timeoutMs: 5000, allowHosts: ['127.0.0.1'] };
let store: Store;
let wf: Workflow;
let smtp: Awaited<ReturnType<typeof smtpReceiver>>;
let http: Awaited<ReturnType<typeof httpReceiver>>;

beforeAll(async () => {
  store = await openTestStore();
  wf = new Workflow(store, { webhookAllowHosts: ['127.0.0.1'] });
  smtp = await smtpReceiver();
  http = await httpReceiver((hit) => {
    if (hit.url.startsWith('/dingtalk')) return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
    if (hit.url.startsWith('/wecom')) return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
    if (hit.url.startsWith('/feishu')) return { status: 200, body: { code: 0, msg: 'success' } };
    if (hit.url.startsWith('/refuse')) return { status: 200, body: { errcode: 310000, errmsg: 'sign not match' } };
    if (hit.url.startsWith('/notjson')) return { status: 200, body: 'x' };
    return { status: 200 };
  });
});

afterAll(async () => {
  await smtp.close();
  await http.close();
});

/** The decoded Subject header (RFC 2047 encoded words, B or Q). */
function subjectOf(raw: string): string {
  const header = /^Subject: ((?:.*)(?:\r?\n[ \t].*)*)/m.exec(raw)?.[1] ?? '';
  const bytes: Buffer[] = [];
  for (const m of header.matchAll(/=\?UTF-8\?([BQ])\?([^?]*)\?=/gi)) {
    const enc = m[1]?.toUpperCase();
    const data = m[2] ?? '';
    bytes.push(
      enc === 'B'
        ? Buffer.from(data, 'base64')
        : Buffer.from(
            data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
            'latin1',
          ),
    );
  }
  return Buffer.concat(bytes).toString('utf8');
}

describe('notifications', () => {
  it('emails approvers over SMTP in their language, honouring preferences', async () => {
    const org = await makeOrg(store, baseDocs(), 'mail');
    const t = await wf.tenant(org.tenant);
    await wf.core.saveSettings(t, { smtp: { host: '127.0.0.1', port: smtp.port, from: 'attain@example.test' } });
    const m = wf.background();
    const runner = new JobRunner(store.jobs, { handlers: m.handlers });
    await wf.approvals.submit(t, 'discount', await deal(store, org, { name: '报价单 A' }), { userId: org.users.rep });
    await runner.drain();
    const mail = smtp.mails.find((x) => x.to.includes(`mgr@${org.tenant}.test`));
    expect(mail).toBeDefined();
    expect(mail?.from).toBe('attain@example.test');
    // the manager's locale is zh-CN: the subject is the Chinese template (MIME-encoded)
    expect(mail?.raw).toMatch(/Subject: =\?UTF-8\?/);
    expect(subjectOf(mail?.raw ?? '')).toContain('待审批');
    await wf.setPreferences(org.tenant, org.users.mgr, { channels: { email: false } });
    const before = smtp.mails.length;
    await wf.approvals.submit(t, 'discount', await deal(store, org, { name: 'B' }), { userId: org.users.rep });
    await runner.drain();
    expect(smtp.mails.length).toBe(before);
    // without an SMTP server configured, email jobs finish as skipped instead of failing forever
    const bare = new Workflow(await openTestStore());
    const org2 = await makeOrg(bare.core.store, baseDocs(), 'nomail');
    await bare.approvals.submit(await bare.tenant(org2.tenant), 'discount', await deal(bare.core.store, org2, {}), { userId: org2.users.rep });
    const jobs = await bare.core.store.jobs.claim(['workflow.deliver'], { limit: 10 });
    expect(await bare.deliverJob(jobs[0]!)).toEqual({ skipped: 'no SMTP server is configured' });
  });

  it('guards an SMTP server a tenant configured like its webhooks (no private, loopback or metadata address)', async () => {
    const none = { allowHosts: [] };
    const refused = /SMTP server .* is not allowed/;
    await expect(smtpAddress({ host: '127.0.0.1', port: 25, from: 'a@b.c' }, none)).rejects.toThrow(refused);
    await expect(smtpAddress({ host: '::1', port: 25, from: 'a@b.c' }, none)).rejects.toThrow(refused);
    await expect(smtpAddress({ host: 'localhost', port: 25, from: 'a@b.c' }, none)).rejects.toThrow(refused);
    await expect(smtpAddress({ host: '169.254.169.254', port: 25, from: 'a@b.c' }, none)).rejects.toThrow(refused);
    await expect(smtpAddress({ host: 'metadata.google.internal', port: 25, from: 'a@b.c' }, none)).rejects.toThrow(refused);
    expect(await smtpAddress({ host: '8.8.8.8', port: 25, from: 'a@b.c' }, none)).toEqual({ host: '8.8.8.8' });
    // The operator's allow list (host, or host:port) lets a private server through.
    expect(await smtpAddress({ host: '127.0.0.1', port: 2525, from: 'a@b.c' }, { allowHosts: ['127.0.0.1:2525'] })).toEqual({ host: '127.0.0.1' });
    await expect(smtpAddress({ host: '127.0.0.1', port: 25, from: 'a@b.c' }, { allowHosts: ['127.0.0.1:2525'] })).rejects.toThrow(refused);

    // End to end: a tenant pointing its SMTP at a loopback address gets a failed delivery, and nothing connects.
    const guarded = new Workflow(store);
    const org = await makeOrg(store, baseDocs(), 'smtpguard');
    const t = await guarded.tenant(org.tenant);
    await guarded.core.saveSettings(t, { smtp: { host: '127.0.0.1', port: smtp.port, from: 'attain@example.test' } });
    const before = smtp.mails.length;
    await guarded.approvals.submit(t, 'discount', await deal(store, org, { name: 'Guarded' }), { userId: org.users.rep });
    const jobs = await store.jobs.claim(['workflow.deliver'], { limit: 10 });
    const mine = jobs.filter((j) => (j.payload as { tenant?: string }).tenant === org.tenant);
    expect(mine.length).toBeGreaterThan(0);
    await expect(guarded.deliverJob(mine[0]!)).rejects.toThrow(refused);
    expect(smtp.mails.length).toBe(before);
  });

  it('formats and signs DingTalk, WeCom and Feishu robot messages and generic webhooks', async () => {
    const now = new Date('2026-03-01T00:00:00Z');
    const msg = { payload: { a: 1 }, title: '新订单', text: '客户 ACME 下单 ¥1,000' };
    const ding = prepareWebhook('dingtalk', http.url('/dingtalk/robot/send?access_token=abc'), msg, { secret: 'SECx', now, deliveryId: 'd1' });
    await sendWebhook('dingtalk', ding, OK);
    const dh = http.hits.at(-1)!;
    const u = new URL(dh.url, 'http://x');
    expect(u.searchParams.get('access_token')).toBe('abc');
    expect(u.searchParams.get('timestamp')).toBe(String(now.getTime()));
    expect(u.searchParams.get('sign')).toBe(createHmac('sha256', 'SECx').update(`${now.getTime()}\nSECx`).digest('base64'));
    expect(JSON.parse(dh.body)).toEqual({ msgtype: 'markdown', markdown: { title: '新订单', text: '#### 新订单\n\n客户 ACME 下单 ¥1,000' } });

    await sendWebhook('wecom', prepareWebhook('wecom', http.url('/wecom/cgi-bin/webhook/send?key=k'), msg, { now, deliveryId: 'd2' }), OK);
    expect(JSON.parse(http.hits.at(-1)!.body)).toEqual({ msgtype: 'markdown', markdown: { content: '**新订单**\n客户 ACME 下单 ¥1,000' } });

    await sendWebhook('feishu', prepareWebhook('feishu', http.url('/feishu/open-apis/bot/v2/hook/x'), msg, { secret: 'fs', now, deliveryId: 'd3' }), OK);
    const fb = JSON.parse(http.hits.at(-1)!.body);
    const ts = String(now.getTime() / 1000);
    expect(fb).toEqual({ msg_type: 'text', content: { text: '新订单\n客户 ACME 下单 ¥1,000' }, timestamp: ts, sign: createHmac('sha256', `${ts}\nfs`).update('').digest('base64') });

    const json = prepareWebhook('json', http.url('/generic'), msg, { secret: 'g', now, deliveryId: 'd4' });
    await sendWebhook('json', json, OK);
    const gh = http.hits.at(-1)!;
    expect(gh.headers['x-attain-signature']).toBe(`sha256=${createHmac('sha256', 'g').update(`${gh.headers['x-attain-timestamp']}.${gh.body}`).digest('hex')}`);
    expect(gh.headers['x-attain-delivery']).toBe('d4');

    await expect(sendWebhook('dingtalk', prepareWebhook('dingtalk', http.url('/refuse'), msg, { now, deliveryId: 'd5' }), OK)).rejects.toThrow(/refused the message: sign not match/);
    await expect(sendWebhook('wecom', prepareWebhook('wecom', http.url('/notjson'), { ...msg }, { now, deliveryId: 'd6' }), OK)).resolves.toBeUndefined();
    await expect(sendWebhook('json', { url: 'ftp://x', headers: {}, body: '' }, OK)).rejects.toThrow(/http/);
  });

  it('sends robot messages from a rule, with templates filled from the record', async () => {
    const rule = {
      kind: 'automation',
      id: 'wf.rule.robot',
      name: 'robot',
      label: { en: 'Robot' },
      object: 'deal',
      trigger: { type: 'record', on: ['create'] },
      actions: [{ type: 'webhook', format: 'feishu', url: http.url('/feishu/hook/rule'), template: { title: { en: 'New deal' }, body: { en: '{{record.name}}: {{record.amount}} ({{op}})' } } }],
    };
    const org = await makeOrg(store, [...baseDocs(), rule], 'robot');
    const m = wf.background();
    for (const s of m.subscriptions ?? []) store.events.subscribe(s);
    const runner = new JobRunner(store.jobs, { handlers: m.handlers });
    await deal(store, org, { name: 'ACME', amount: 1234.5 });
    await runner.drain();
    const hit = http.hits.find((h) => h.url === '/feishu/hook/rule');
    expect(JSON.parse(hit?.body ?? '{}').content.text).toBe('New deal\nACME: 1234.50 (create)');
    expect(render('{{a.b}} {{missing}} {{a}}', { a: { b: 1 } })).toBe('1  {"b":1}');
  });
});
