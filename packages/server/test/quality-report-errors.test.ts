// biome-ignore-all lint/suspicious/noExplicitAny: route answers are JSON, read field by field in assertions
// The data health report's "import and integration errors" (issue #18, item 6) and its latency
// from the persisted history, through HTTP: a data import's failed rows, a refused ERP event, an
// outbound dead letter, durable jobs that failed for good, a workflow rule whose action keeps
// failing, and a plugin job, each counted by hand per source; in the PDF in English and Chinese too.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractText, getDocumentProxy } from 'unpdf';
import { JobRunner } from '@attain/store';
import { workflowFor } from '@attain/workflow';
import type { Store } from '../src/store-port.ts';
import { signatureHeader } from '../src/modules/integrations/index.ts';
import { integrationsTables } from '../src/modules/integrations/tables.ts';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;
const month = new Date().toISOString().slice(0, 7);
const pdfText = async (bytes: Buffer) => (await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: true })).text;

/** A durable job of the tenant that fails on its only attempt. */
async function failJob(queue: string, error: string, payload: Record<string, unknown> = {}): Promise<void> {
  const { id } = await store.jobs.enqueue({ queue, tenant: t.name, payload: { tenant: t.name, ...payload }, maxAttempts: 1 });
  const claimed = await store.jobs.claim([queue], { limit: 50 });
  expect(claimed.map((j) => j.id)).toContain(id);
  for (const j of claimed) expect(await store.jobs.fail(j.id, error, new Date())).toBe('failed');
}

beforeAll(async () => {
  ({ app, store } = await testServer(undefined, { monitoring: { flushMs: 0 } }));
  t = await createTenant(store, 'qe');
  admin = as(app, await login(app, t.name, t.users.admin.email));
  // Three import jobs and one sync job fail; one plugin job and one plugin after-hook fail.
  for (const e of ['row 3: bad date', 'row 9: unknown owner', 'file is empty']) await failJob('imports.records', e);
  await failJob('erp.sync', 'HTTP 502 from the ERP');
  await failJob('plugins.job', 'quota exceeded', { plugin: 'acme_sync', job: 'nightly' });
  await failJob('plugins.after', 'timeout', { plugin: 'acme_sync', hook: 'afterCreate' });
  // A rule whose action cannot succeed (a name longer than the field allows): two deals, two failed runs.
  const rule = {
    kind: 'automation',
    id: 'qe.rule.long',
    name: 'long_name',
    label: { en: 'Long name' },
    object: 'deal',
    trigger: { type: 'record', on: ['create'] },
    actions: [{ type: 'update', set: { name: `="${'x'.repeat(250)}"` } }],
  };
  const saved = await admin.put('/api/v1/workflow/automations/long_name', rule);
  expect(saved.statusCode, saved.body).toBe(200);
  const wf = workflowFor(store as never);
  const m = wf.background();
  for (const s of m.subscriptions ?? []) store.events.subscribe(s);
  const runner = new JobRunner(store.jobs as never, { handlers: m.handlers, backoffMs: () => 1, batch: 20 });
  for (const name of ['One', 'Two']) expect((await admin.post('/api/v1/objects/deal', { name })).statusCode).toBe(201);
  for (let i = 0; i < 40; i++) {
    const n = await runner.drain(50);
    const runs = (await admin.get('/api/v1/workflow/runs?status=failed')).json().data;
    if (n === 0 && runs.length >= 2) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  for (let i = 0; i < 3; i++) expect((await admin.get('/api/v1/workflow/automations')).statusCode).toBe(200);

  // A rates import with two bad rows of three (through the import route).
  const finance = as(app, await login(app, t.name, t.users.finance.email));
  const csv = ['from,to,rate,effective_from', 'EUR,USD,1.08,2026-01-01', 'GBP,USD,abc,2026-01-01', 'JPY,USD,,2026-01-01'].join('\n');
  const imported = await finance.post('/api/v1/imports/rates', { csv, fileName: 'rates.csv' });
  expect(imported.statusCode, imported.body).toBe(200);
  expect(imported.json().summary).toMatchObject({ imported: 1, failed: 2 });
  // An ERP event naming an order that does not exist (signed, so it is received and fails).
  const secret = (await admin.post('/api/v1/integrations/inbound/secret', {})).json().data.secret as string;
  const body = JSON.stringify({ id: 'evt_qe_1', type: 'invoice.paid', data: { order_external_id: 'NO-SUCH-ORDER', paid_date: '2026-01-05' } });
  const event = await app.inject({
    method: 'POST',
    url: `/api/v1/integrations/${t.name}/events`,
    headers: { 'content-type': 'application/json', 'attain-signature': signatureHeader(secret, body) },
    payload: body,
  });
  expect(event.statusCode, event.body).toBe(422);
  // A dead letter: an outbound delivery that used up its attempts (as the delivery job leaves it).
  const port = await store.port(t.name, integrationsTables);
  const now = new Date();
  await port.table('delivery').insert({
    id: '00000000-0000-4000-8000-00000000dead',
    subscription_id: '00000000-0000-4000-8000-000000000001',
    source: 'job-1',
    event_type: 'record.updated',
    object: 'deal',
    record_id: 'r1',
    body: '{}',
    status: 'dead',
    attempts: 8,
    last_error: 'HTTP 503 from the receiver',
    created_at: now,
    updated_at: now,
    dead_at: now,
  });
});

afterAll(async () => {
  await app.close();
  await store.close();
});

describe('import and integration errors in the health report', () => {
  it("lists the month's failures per source, counted by hand", async () => {
    const res = await admin.get(`/api/v1/quality/report?month=${month}`);
    expect(res.statusCode, res.body).toBe(200);
    const errors = res.json().data.errors;
    expect(errors.map((s: any) => s.source)).toEqual(['data_imports', 'inbound_events', 'dead_letters', 'jobs', 'workflow_runs', 'plugins']);
    const [imports, inbound, dead, jobs, runs, plugins] = errors;
    expect(imports).toMatchObject({ total: 2, entries: [{ key: 'rates', count: 2 }] });
    expect(imports.entries[0].lastError).toMatch(/^row \d+: rate /);
    expect(inbound).toMatchObject({ total: 1, entries: [{ key: 'invoice.paid', count: 1 }] });
    expect(inbound.entries[0].lastError).toBeTruthy();
    expect(dead).toMatchObject({ total: 1, entries: [{ key: 'deal record.updated', count: 1, lastError: 'HTTP 503 from the receiver' }] });
    expect(jobs.total).toBe(4);
    expect(jobs.entries.map((e: any) => [e.key, e.count])).toEqual([
      ['imports.records', 3],
      ['erp.sync', 1],
    ]);
    expect(jobs.entries[1].lastError).toBe('HTTP 502 from the ERP');
    expect(runs).toMatchObject({ total: 2, entries: [{ key: 'long_name', count: 2 }] });
    expect(runs.entries[0].lastError).toBeTruthy();
    expect(plugins.entries.map((e: any) => [e.key, e.count, e.lastError])).toEqual([
      ['acme_sync: afterCreate', 1, 'timeout'],
      ['acme_sync: nightly', 1, 'quota exceeded'],
    ]);
    // Another month has none.
    const before = (await admin.get('/api/v1/quality/report?month=2020-01')).json().data;
    expect(before.errors.map((s: any) => s.total)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(before.latency).toEqual([]);
  });

  it('reads latency from the persisted history, with errors per route', async () => {
    const r = (await admin.get(`/api/v1/quality/report?month=${month}`)).json().data;
    const automations = r.latency.find((l: any) => l.route === '/api/v1/workflow/automations' && l.method === 'GET');
    expect(automations).toMatchObject({ count: 3, errors4xx: 0, errors5xx: 0 });
    expect(automations.p50).toBeLessThanOrEqual(automations.p95);
  });

  it('prints the sections in the PDF, in English and Chinese', async () => {
    const en = await pdfText((await admin.get(`/api/v1/quality/report/pdf?month=${month}&locale=en`)).rawPayload);
    expect(en).toContain('Import and integration errors: Background jobs');
    expect(en).toContain('imports.records');
    expect(en).toContain('acme_sync: nightly');
    expect(en).toContain('Data imports (failed rows)');
    expect(en).toContain('deal record.updated');
    const zh = await pdfText((await admin.get(`/api/v1/quality/report/pdf?month=${month}&locale=zh-CN`)).rawPayload);
    expect(zh).toContain('导入与集成错误');
    expect(zh).toContain('后台任务');
    expect(zh).toContain('数据导入');
  });
});
