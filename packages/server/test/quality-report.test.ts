// biome-ignore-all lint/suspicious/noExplicitAny: route answers are JSON, read field by field in assertions
// The monthly data health report (issue #18, item 6) through HTTP: this month's scores and their
// trend over two scans, the worst records, latency percentiles from the persisted history, the
// database statistics (or why there are none), the PDF in English and Chinese, and the job of the
// first of the month that tells the administrators.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { extractText, getDocumentProxy } from 'unpdf';
import { workflowFor } from '@attain/workflow';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import { qualityDocs, seedQuality } from './quality-fixture.ts';
import type { Store } from '../src/store-port.ts';
import { qualityBackground } from '../src/modules/quality/jobs.ts';
import { nextFirst, QUALITY_REPORT_QUEUE } from '../src/modules/quality/report-jobs.ts';
import { quantileMs } from '../src/modules/quality/report-latency.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;
let repEast: Caller;
let ids: Record<string, string>;
const actor = { userId: null, label: 'test' };
const month = new Date().toISOString().slice(0, 7);

const pdfText = async (bytes: Buffer) => (await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: true })).text;

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'qh');
  await store.metadata.apply(t.name, qualityDocs(), { actor });
  ids = await seedQuality(store, t);
  admin = as(app, await login(app, t.name, t.users.admin.email));
  repEast = as(app, await login(app, t.name, t.users.repEast.email));
  expect((await admin.post('/api/v1/quality/runs', {})).statusCode).toBe(201);
  await (await store.records(t.name)).update('deal', ids.d2 as string, { close_date: '2026-05-01' }, actor);
  expect((await admin.post('/api/v1/quality/runs', {})).statusCode).toBe(201);
  for (let i = 0; i < 5; i++) expect((await repEast.get('/api/v1/quality/rules')).statusCode).toBe(200);
});

afterAll(async () => {
  await app.close();
  await store.close();
});

describe('the data health report', () => {
  it('is for administrators, of a real month', async () => {
    expect((await repEast.get('/api/v1/quality/report')).statusCode).toBe(403);
    const bad = await admin.get('/api/v1/quality/report?month=2026-13');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].path).toContain('month');
  });

  it("gives the month's scores, their trend and the worst records, hand-counted", async () => {
    const res = await admin.get(`/api/v1/quality/report?month=${month}`);
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json().data;
    // deal 56 + customer 21 checked; 22 failing, then 21 once d2 has its close date
    expect(r.trend.map((x: any) => [x.checked, x.failed, x.score, x.issues])).toEqual([
      [77, 22, 0.7143, 22],
      [77, 21, 0.7273, 21],
    ]);
    expect(r.scores.overall).toEqual({ checked: 77, failed: 21, score: 0.7273 });
    expect(r.scores.byObject).toEqual([
      { key: 'customer', checked: 21, failed: 12, score: 0.4286 },
      { key: 'deal', checked: 56, failed: 9, score: 0.8393 },
    ]);
    expect(r.scores.byRule.find((s: any) => s.key === 'deal_complete')).toEqual({ key: 'deal_complete', checked: 10, failed: 1, score: 0.9 });
    // c1 and c3: name, email and phone each; then records with two
    expect(r.worstRecords.slice(0, 2)).toEqual([
      { object: 'customer', recordId: ids.c1, title: 'Acme Ltd', ownerId: t.users.repEast.id, issues: 3, rules: ['customer_email', 'customer_name', 'customer_phone'], url: `/o/customer/${ids.c1}` },
      { object: 'customer', recordId: ids.c3, title: 'ACME, Ltd.', ownerId: t.users.repWest.id, issues: 3, rules: ['customer_email', 'customer_name', 'customer_phone'], url: `/o/customer/${ids.c3}` },
    ]);
    expect(r.worstRecords[2].issues).toBe(2);
    // A month without scans has no scores.
    const empty = (await admin.get('/api/v1/quality/report?month=2020-01')).json().data;
    expect(empty).toMatchObject({ month: '2020-01', run: null, scores: null, trend: [], worstRecords: [] });
  });

  it('reads API latency percentiles per route from the persisted latency history', async () => {
    const r = (await admin.get('/api/v1/quality/report')).json().data;
    const rules = r.latency.find((l: any) => l.route === '/api/v1/quality/rules' && l.method === 'GET');
    expect(rules.count).toBe(5); // the five reads in beforeAll
    expect(rules.p50).toBeGreaterThan(0);
    expect(rules.p50).toBeLessThanOrEqual(rules.p95);
    expect(rules.p95).toBeLessThanOrEqual(rules.p99);
  });

  it('interpolates a percentile within its bucket (hand figures)', () => {
    // 2 requests at ≤ 10 ms (none ≤ 5 ms), 2 more ≤ 25 ms
    const buckets: Array<[number, number]> = [
      [0.005, 0],
      [0.01, 2],
      [0.025, 4],
      [Number.POSITIVE_INFINITY, 4],
    ];
    expect(quantileMs(buckets, 0.5)).toBe(10); // rank 2: the top of the 5–10 ms bucket
    expect(quantileMs(buckets, 0.95)).toBe(23.5); // rank 3.8: 10 + 15 × 0.9
    expect(quantileMs(buckets, 0.99)).toBe(24.7); // rank 3.96: 10 + 15 × 0.98
    expect(quantileMs([...buckets.slice(0, 3), [Number.POSITIVE_INFINITY, 10]], 0.99)).toBe(25); // beyond the last bound: that bound
    expect(quantileMs([[Number.POSITIVE_INFINITY, 0]], 0.5)).toBeNull();
  });

  it('reports index statistics on PostgreSQL, and says they are not available on PGlite', async () => {
    const db = (await admin.get('/api/v1/quality/report')).json().data.database;
    if (store.db.dialect === 'pglite') expect(db).toEqual({ available: false, code: 'pglite', reason: expect.stringContaining('PGlite') });
    else {
      expect(db.available).toBe(true);
      expect(db.largestTables.map((x: any) => x.table)).toEqual(expect.arrayContaining(['deal', 'customer']));
      expect(Array.isArray(db.unusedIndexes)).toBe(true);
    }
  });

  it('renders the PDF in English and in Chinese', async () => {
    const en = await admin.get(`/api/v1/quality/report/pdf?month=${month}&locale=en`);
    expect(en.statusCode).toBe(200);
    expect(en.headers['content-type']).toBe('application/pdf');
    expect(en.headers['content-disposition']).toBe(`attachment; filename="data-health-${month}.pdf"`);
    const enText = await pdfText(en.rawPayload);
    expect(enText).toContain(`Data health report ${month}`);
    expect(enText).toContain('72.7%');
    expect(enText).toContain('Acme Ltd');
    const zh = await pdfText((await admin.get(`/api/v1/quality/report/pdf?month=${month}&locale=zh-CN`)).rawPayload);
    expect(zh).toContain('数据健康报告');
    expect(zh).toContain('问题最多的记录');
    expect((await admin.get('/api/v1/quality/report/pdf?locale=fr')).statusCode).toBe(400);
  });

  it("tells the administrators on the first of the month, and queues the next month's", async () => {
    const first = nextFirst(`${month}-15`);
    const handler = qualityBackground({ store, workflow: workflowFor(store as never) }).handlers[QUALITY_REPORT_QUEUE]!;
    const out = await handler({ id: 'x', queue: QUALITY_REPORT_QUEUE, tenant: t.name, payload: { tenant: t.name, first }, attempts: 1 } as never);
    expect(out).toMatchObject({ month });
    const notes = (await admin.get('/api/v1/workflow/notifications')).json().data.filter((n: any) => n.kind === 'data_health_report');
    expect(notes).toHaveLength(1);
    expect(notes[0].title).toBe(`Data health report ${month}: score 72.7%`);
    expect(await handler({ payload: { tenant: t.name, first: '2026-01-15' } } as never)).toEqual({ skipped: 'bad payload' });
    const queued = await store.jobs.list({ queue: QUALITY_REPORT_QUEUE, tenant: t.name, status: 'ready' });
    expect(queued.map((j) => j.key)).toEqual([`quality-report:${t.name}:${first}`]);
  });
});
