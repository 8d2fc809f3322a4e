// biome-ignore-all lint/suspicious/noExplicitAny: fixture documents and answers are JSON of any shape, read field by field
// Dashboard snapshots and subscriptions (issue #15) through HTTP: a dashboard as PNG and PDF in the
// caller's scope; subscriptions that run as durable jobs and send the snapshot by email (a local
// SMTP server) or to a group robot (a local HTTP server), rendered with the owner's scope.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { SMTPServer } from 'smtp-server';
import { extractText, getDocumentProxy } from 'unpdf';
import { JobRunner } from '@attain/store';
import { workflowFor } from '@attain/workflow';
import { addUser, as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import { baseDocs } from './fixtures/metadata.ts';
import { subscriptionBackground } from '../src/modules/analytics/subscription-jobs.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let mgr: Caller;
let rep: Caller;
let viewer: Caller;
const actor = { userId: null, label: 'test' };

function docs(): unknown[] {
  const all = baseDocs() as Array<Record<string, any>>;
  const deal = all.find((d) => d.name === 'deal') as Record<string, any>;
  deal.schema.properties.region = { type: 'string', enum: ['north', 'south'], 'x-attain': { id: 'fld_deal_region', label: { en: 'Region' } } };
  // Reps may export their own deals here; a viewer may only read them.
  const repRole = all.find((d) => d.kind === 'role' && d.name === 'rep') as Record<string, any>;
  repRole.permissions[0].actions = ['read', 'create', 'update', 'export'];
  all.push({ kind: 'role', id: 'role_viewer', name: 'viewer', label: { en: 'Viewer' }, permissions: [{ object: 'deal', actions: ['read'], scope: 'all' }] });
  return all;
}

const board = {
  kind: 'analytics.dashboard',
  id: 'dash_snap',
  name: 'snap',
  label: { en: 'Snapshot board', 'zh-CN': '快照看板' },
  filters: [{ name: 'region', type: 'field', field: 'region', label: { en: 'Region' } }],
  widgets: [
    { id: 'total', title: { en: 'Total amount' }, chart: 'kpi', question: { object: 'deal', measures: [{ name: 'amount', op: 'sum', field: 'amount' }] }, layout: { x: 0, y: 0, w: 4, h: 2 } },
    {
      id: 'by_region',
      title: { en: '按区域金额' },
      chart: 'bar',
      question: { object: 'deal', groups: [{ field: 'region' }], measures: [{ name: 'amount', op: 'sum', field: 'amount' }] },
      layout: { x: 4, y: 0, w: 8, h: 4 },
    },
    {
      id: 'by_stage',
      title: { en: 'By stage' },
      chart: 'table',
      question: { object: 'deal', groups: [{ field: 'stage' }], measures: [{ name: 'deals', op: 'count' }] },
      layout: { x: 0, y: 2, w: 4, h: 3 },
    },
  ],
  sharedWith: ['manager', 'rep', 'viewer'],
};

// owner, region, amount: repEast 111.11 + 222.22 = 333.33; repEast2 4000; repWest 50000 (outside the manager's team).
const DEALS: Array<[string, 'repEast' | 'repEast2' | 'repWest', string, string]> = [
  ['d1', 'repEast', 'north', '111.11'],
  ['d2', 'repEast', 'south', '222.22'],
  ['d3', 'repEast2', 'north', '4000.00'],
  ['d4', 'repWest', 'south', '50000.00'],
];

async function smtpReceiver() {
  const mails: Array<{ to: string[]; raw: string }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      let raw = '';
      stream.on('data', (c) => (raw += String(c)));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { mails, port: (server.server.address() as { port: number }).port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function httpReceiver(reply: () => unknown) {
  const hits: Array<{ url: string; body: any }> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += String(c)));
    req.on('end', () => {
      hits.push({ url: req.url ?? '', body: JSON.parse(body || '{}') });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { hits, url: (path: string) => `http://127.0.0.1:${port}${path}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Runs every due subscription job as if the clock were `days` later. */
async function runJobs(days: number): Promise<number> {
  const now = () => new Date(Date.now() + days * 86_400_000);
  return new JobRunner(store.jobs, { handlers: subscriptionBackground(store, { now }).handlers, now }).drain();
}

const pdfText = async (bytes: Buffer) => {
  const pdf = await getDocumentProxy(new Uint8Array(bytes));
  return { pages: pdf.numPages, text: (await extractText(pdf, { mergePages: true })).text };
};

let smtp: Awaited<ReturnType<typeof smtpReceiver>>;

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'snap');
  await store.metadata.apply(t.name, [...docs(), board], { actor });
  const records = await store.records(t.name);
  for (const [name, owner, region, amount] of DEALS) await records.create('deal', { name, owner_id: t.users[owner].id, region, amount, stage: 'open' }, actor);
  const v = await addUser(store, t, 'Viewer', 'viewer');
  mgr = as(app, await login(app, t.name, t.users.mgrEast.email));
  rep = as(app, await login(app, t.name, t.users.repEast.email));
  viewer = as(app, await login(app, t.name, v.email));
  smtp = await smtpReceiver();
  const wf = workflowFor(store);
  // The local SMTP and robot servers are on loopback: the tenant's allowlist lets them past the SSRF guard.
  await wf.core.saveSettings(await wf.tenant(t.name), { webhookAllowHosts: ['127.0.0.1'], smtp: { host: '127.0.0.1', port: smtp.port, from: 'attain@example.com' } });
});
afterAll(async () => {
  await smtp.close();
  await app.close();
  await store.close();
});

describe('dashboard export', () => {
  it('answers a PNG of the whole grid: the signature and the grid size', async () => {
    const res = await mgr.get('/api/v1/analytics/dashboards/snap/export?format=png');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    const bytes = res.rawPayload;
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const meta = await sharp(bytes).metadata();
    // 1200 wide; five grid rows of 80 px and their gaps under a 96 px header, 24 px below.
    expect([meta.width, meta.height]).toEqual([1200, 96 + 5 * 92 + 24]);
  });

  it('answers a PDF with the title, the filters and each widget', async () => {
    const res = await mgr.get(`/api/v1/analytics/dashboards/snap/export?format=pdf&filters=${encodeURIComponent(JSON.stringify({ region: 'north' }))}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="snap-\d{4}-\d{2}-\d{2}\.pdf"$/);
    expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const { pages, text } = await pdfText(res.rawPayload);
    expect(pages).toBeGreaterThanOrEqual(1);
    expect(text).toContain('Snapshot board');
    expect(text).toContain('Region: north');
    expect(text).toContain('按区域金额');
    // The manager's team, north only: d1 111.11 + d3 4000.
    expect(text).toContain('4,111.11');
  });

  it("shows a rep only their own figures, the run route's", async () => {
    const run = (await rep.post('/api/v1/analytics/dashboards/snap/run', {})).json().data;
    const total = run.widgets.find((w: any) => w.id === 'total').result.totals.values.amount;
    expect(Number(total)).toBe(333.33);
    const { text } = await pdfText((await rep.get('/api/v1/analytics/dashboards/snap/export?format=pdf')).rawPayload);
    expect(text).toContain('333.33');
    expect(text).not.toContain('4,000');
    expect(text).not.toContain('50,000');
  });

  it('needs export on the objects shown, and refuses bad filters naming them', async () => {
    const denied = await viewer.get('/api/v1/analytics/dashboards/snap/export?format=png');
    expect(denied.statusCode).toBe(403);
    const notJson = await mgr.get('/api/v1/analytics/dashboards/snap/export?format=png&filters=nope');
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error.details[0]).toMatchObject({ path: '/filters', rule: 'format' });
    const unknown = await mgr.get(`/api/v1/analytics/dashboards/snap/export?format=png&filters=${encodeURIComponent('{"colour":"red"}')}`);
    expect(unknown.json().error.code).toBe('unknown_filter');
    expect((await mgr.get('/api/v1/analytics/dashboards/snap/export?format=gif')).statusCode).toBe(400);
  });
});

describe('subscriptions', () => {
  it('sends a PDF by email, rendered with the owner scope, and records the run', async () => {
    const res = await mgr.post('/api/v1/analytics/dashboards/snap/subscriptions', {
      schedule: { every: 'week', weekday: 1, hour: 8 },
      format: 'pdf',
      channel: 'email',
      recipients: [t.users.repEast.id],
    });
    expect(res.statusCode, res.body).toBe(201);
    const sub = res.json().data;
    expect(new Date(sub.nextRun).getTime()).toBeGreaterThan(Date.now());
    expect(sub).toMatchObject({ lastRun: null, lastError: null, channel: 'email' });
    expect(await runJobs(8)).toBeGreaterThanOrEqual(1);
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0] as { to: string[]; raw: string };
    expect(mail.to).toEqual([t.users.repEast.email]);
    expect(mail.raw).toContain('Content-Type: application/pdf');
    expect(mail.raw).toMatch(/filename=.?snap-\d{4}-\d{2}-\d{2}\.pdf/);
    // The attachment is the manager's view (team total 4,333.33), not the recipient's.
    const b64 = /Content-Type: application\/pdf[\s\S]*?\r?\n\r?\n([A-Za-z0-9+/=\r\n]+)/.exec(mail.raw)?.[1] ?? '';
    const { text } = await pdfText(Buffer.from(b64.replace(/\s/g, ''), 'base64'));
    expect(text).toContain('4,333.33');
    expect(text).not.toContain('50,000');
    const listed = (await mgr.get('/api/v1/analytics/dashboards/snap/subscriptions')).json().data;
    expect(listed).toHaveLength(1);
    expect(listed[0].lastRun).not.toBeNull();
    expect(listed[0].lastError).toBeNull();
    expect(new Date(listed[0].nextRun).getTime()).toBeGreaterThan(Date.now() + 8 * 86_400_000);
    // Someone else's subscriptions are not listed, and cannot be cancelled.
    expect((await rep.get('/api/v1/analytics/dashboards/snap/subscriptions')).json().data).toEqual([]);
    expect((await rep.del(`/api/v1/analytics/dashboards/snap/subscriptions/${sub.id}`)).statusCode).toBe(404);
    expect((await mgr.del(`/api/v1/analytics/dashboards/snap/subscriptions/${sub.id}`)).statusCode).toBe(200);
    expect((await mgr.get('/api/v1/analytics/dashboards/snap/subscriptions')).json().data).toEqual([]);
    // Audited, both ways.
    const admin = as(app, await login(app, t.name, t.users.admin.email));
    const audit = (await admin.get(`/api/v1/audit?object=analytics_subscription&recordId=${sub.id}`)).json().data as Array<{ action: string; after: any }>;
    expect(audit.map((a) => a.action).sort()).toEqual(['analytics.subscription.create', 'analytics.subscription.delete']);
    expect(audit.find((a) => a.after)?.after).toMatchObject({ dashboard: 'snap', channel: 'email', recipients: [t.users.repEast.id] });
  });

  it('posts a DingTalk markdown message with the PNG inline from a signed link that expires', async () => {
    const robot = await httpReceiver(() => ({ errcode: 0, errmsg: 'ok' }));
    try {
      const res = await rep.post('/api/v1/analytics/dashboards/snap/subscriptions', {
        schedule: { every: 'month', day: 31, hour: 7 },
        format: 'png',
        channel: 'robot',
        robot: { format: 'dingtalk', url: robot.url('/robot/send?access_token=abcdef0123456789'), secret: 'SECabc' },
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().data.robot).toEqual({ format: 'dingtalk', url: expect.not.stringContaining('abcdef0123456789'), signed: true });
      await runJobs(32);
      expect(robot.hits).toHaveLength(1);
      const hit = robot.hits[0] as { url: string; body: any };
      expect(hit.url).toMatch(/^\/robot\/send\?access_token=abcdef0123456789&timestamp=\d+&sign=/);
      expect(hit.body.msgtype).toBe('markdown');
      expect(hit.body.markdown.title).toBe('Snapshot board');
      const link = /!\[[^\]]*\]\((http[^)]+)\)/.exec(hit.body.markdown.text)?.[1] as string;
      const path = new URL(link).pathname;
      const file = await app.inject({ method: 'GET', url: path });
      expect(file.statusCode).toBe(200);
      expect(file.headers['content-type']).toBe('image/png');
      expect((await app.inject({ method: 'GET', url: `${path.slice(0, -4)}AAAA` })).statusCode).toBe(404);
    } finally {
      await robot.close();
    }
  });

  it('posts Feishu rich text (signed, with the link) and a signed generic JSON webhook', async () => {
    const robot = await httpReceiver(() => ({ code: 0, msg: 'success' }));
    try {
      for (const [format, path] of [
        ['feishu', '/open-apis/bot/v2/hook/0123456789abcdef'],
        ['json', '/hooks/attain'],
      ] as const) {
        const res = await mgr.post('/api/v1/analytics/dashboards/snap/subscriptions', {
          schedule: { every: 'week', weekday: 5, hour: 18 },
          format: 'pdf',
          channel: 'robot',
          robot: { format, url: robot.url(path), secret: 's3cret' },
        });
        expect(res.statusCode, res.body).toBe(201);
        expect(res.json().data.robot.url).not.toContain('0123456789abcdef');
      }
      await runJobs(8);
      const feishu = robot.hits.find((h) => h.url.startsWith('/open-apis'))?.body;
      expect(feishu).toMatchObject({ msg_type: 'post', timestamp: expect.any(String), sign: expect.any(String) });
      expect(feishu.content.post.zh_cn.title).toBe('Snapshot board');
      const href = feishu.content.post.zh_cn.content[0][0].href as string;
      const pdf = await app.inject({ method: 'GET', url: new URL(href).pathname });
      expect(pdf.headers['content-type']).toBe('application/pdf');
      const json = robot.hits.find((h) => h.url === '/hooks/attain')?.body;
      expect(json).toMatchObject({ event: 'analytics.dashboard.snapshot', dashboard: 'snap', format: 'pdf', url: expect.stringContaining('/api/v1/analytics/snapshots/') });
    } finally {
      await robot.close();
    }
  });

  it('records a failed run (the robot refused) and keeps the chain going', async () => {
    const robot = await httpReceiver(() => ({ errcode: 93000, errmsg: 'invalid webhook url' }));
    try {
      const res = await rep.post('/api/v1/analytics/dashboards/snap/subscriptions', {
        schedule: { every: 'week', weekday: 3, hour: 9 },
        format: 'png',
        channel: 'robot',
        robot: { format: 'wecom', url: robot.url('/cgi-bin/webhook/send?key=k') },
      });
      expect(res.statusCode, res.body).toBe(201);
      await runJobs(8);
      const mine = (await rep.get('/api/v1/analytics/dashboards/snap/subscriptions')).json().data.find((s: any) => s.id === res.json().data.id);
      expect(mine.lastError).toMatch(/wecom robot refused the message/);
      expect(new Date(mine.nextRun).getTime()).toBeGreaterThan(Date.now() + 8 * 86_400_000);
    } finally {
      await robot.close();
    }
  });

  it('refuses a private robot address naming /robot/url, and recipients the owner may not read', async () => {
    const priv = await mgr.post('/api/v1/analytics/dashboards/snap/subscriptions', {
      schedule: { every: 'week', weekday: 1, hour: 8 },
      format: 'png',
      channel: 'robot',
      robot: { format: 'json', url: 'http://10.1.2.3/hook' },
    });
    expect(priv.statusCode).toBe(422);
    expect(priv.json().error).toMatchObject({ code: 'ssrf_blocked', details: [{ path: '/robot/url', rule: 'ssrf_blocked' }] });
    const nobody = await mgr.post('/api/v1/analytics/dashboards/snap/subscriptions', {
      schedule: { every: 'week', weekday: 1, hour: 8 },
      format: 'png',
      channel: 'email',
      recipients: ['00000000-0000-4000-8000-000000000000'],
    });
    expect(nobody.statusCode).toBe(400);
    expect(nobody.json().error.details[0]).toMatchObject({ path: '/recipients/0', rule: 'readable' });
    const noDay = await mgr.post('/api/v1/analytics/dashboards/snap/subscriptions', { schedule: { every: 'month', hour: 8 }, format: 'png', channel: 'email', recipients: [t.users.repEast.id] });
    expect(noDay.json().error.details[0]).toMatchObject({ path: '/schedule/day', rule: 'required' });
    const denied = await viewer.post('/api/v1/analytics/dashboards/snap/subscriptions', {
      schedule: { every: 'week', weekday: 1, hour: 8 },
      format: 'png',
      channel: 'email',
      recipients: [t.users.repEast.id],
    });
    expect(denied.statusCode).toBe(403);
  });

  it('cancels the subscriptions of a built dashboard when it is deleted', async () => {
    const built = await mgr.post('/api/v1/analytics/dashboards', {
      label: { en: 'Mine' },
      widgets: [{ id: 'n', chart: 'kpi', question: { object: 'deal', measures: [{ name: 'deals', op: 'count' }] }, layout: { x: 0, y: 0, w: 4, h: 2 } }],
    });
    expect(built.statusCode, built.body).toBe(201);
    const name = built.json().data.name as string;
    const sub = await mgr.post(`/api/v1/analytics/dashboards/${name}/subscriptions`, {
      schedule: { every: 'week', weekday: 2, hour: 7 },
      format: 'png',
      channel: 'email',
      recipients: [t.users.mgrEast.id],
    });
    expect(sub.statusCode, sub.body).toBe(201);
    expect((await mgr.del(`/api/v1/analytics/dashboards/${name}`)).statusCode).toBe(204);
    const admin = as(app, await login(app, t.name, t.users.admin.email));
    const audit = (await admin.get(`/api/v1/audit?object=analytics_subscription&recordId=${sub.json().data.id}`)).json().data as Array<{ action: string }>;
    expect(audit.map((a) => a.action)).toContain('analytics.subscription.delete');
    // Its queued run finds nothing to send.
    const before = smtp.mails.length;
    await runJobs(8);
    expect(smtp.mails.length).toBe(before);
  });

  it('cancels a subscription at its next run when its metadata dashboard was removed', async () => {
    const gone = { ...board, id: 'dash_gone', name: 'gone', label: { en: 'Gone soon' } };
    await store.metadata.apply(t.name, [...docs(), board, gone], { actor });
    const sub = await mgr.post('/api/v1/analytics/dashboards/gone/subscriptions', {
      schedule: { every: 'week', weekday: 3, hour: 9 },
      format: 'png',
      channel: 'email',
      recipients: [t.users.mgrEast.id],
    });
    expect(sub.statusCode, sub.body).toBe(201);
    await store.metadata.apply(t.name, [...docs(), board], { actor });
    const before = smtp.mails.length;
    await runJobs(8);
    expect(smtp.mails.length).toBe(before);
    const admin = as(app, await login(app, t.name, t.users.admin.email));
    const audit = (await admin.get(`/api/v1/audit?object=analytics_subscription&recordId=${sub.json().data.id}`)).json().data as Array<{ action: string; actor?: unknown }>;
    expect(audit.map((a) => a.action).sort()).toEqual(['analytics.subscription.create', 'analytics.subscription.delete']);
    // Nothing is queued for it any more: a later clock sends nothing either.
    await runJobs(40);
    expect(smtp.mails.length).toBe(before);
  });
});
