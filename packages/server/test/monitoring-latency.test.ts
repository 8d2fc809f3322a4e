// biome-ignore-all lint/suspicious/noExplicitAny: route answers are JSON, read field by field in assertions
// API percentile monitoring (issue #18, item 7) through HTTP: traffic on two server instances that
// share one database, flushed and read back as per-route histograms and p50/p95/p99 (checked
// against buckets counted by hand), the alert thresholds (validated, audited, administrators only),
// and the minute job that tells the administrators once per breach and once when it resolves.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, sharedTestDatabase } from '@attain/store';
import { workflowFor } from '@attain/workflow';
import { ApiError } from '../src/http/errors.ts';
import { OK, query, replies } from '../src/http/route-schema.ts';
import { attainModules, defineModule } from '../src/modules/index.ts';
import { MONITORING_EVALUATE_QUEUE, monitoringBackground } from '../src/modules/monitoring/evaluate.ts';
import { LatencyRecorder } from '../src/modules/monitoring/recorder.ts';
import type { Store } from '../src/store-port.ts';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';

// A route that takes as long as it is asked to, and one that fails: traffic with known durations.
const timed = defineModule({
  id: 'timedtest',
  routes: [
    async (app) => {
      app.get('/test/sleep', { schema: { querystring: query({ ms: { type: 'string', pattern: '^[0-9]{1,4}$' } }), response: replies({ 200: OK }) } }, async (request) => {
        await sleep(Number((request.query as { ms?: string }).ms ?? 0));
        return { ok: true };
      });
      app.get('/test/fail', { schema: { querystring: query({ code: { type: 'string', pattern: '^5[0-9]{2}$' } }), response: replies({ 200: OK }) } }, async () => {
        throw new ApiError(503, 'unavailable', 'failing on purpose');
      });
    },
  ],
});

const SLEEP = '/api/v1/test/sleep';
let clock = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 10_000);
const now = () => clock;
let store: Store;
let storeB: Store;
let nodeA: FastifyInstance;
let nodeB: FastifyInstance;
let t: TestTenant;
let admin: Caller;
let adminB: Caller;
let rep: Caller;

beforeAll(async () => {
  const opts = { modules: [...attainModules, timed], monitoring: { flushMs: 0, now } };
  ({ app: nodeA, store } = await testServer(undefined, opts));
  // The second node has its own store (its own connections and caches) over the same database.
  storeB = (await createStore(await sharedTestDatabase(), { controlSchema: store.controlSchema, tenantSchemaPrefix: 'mon2_', ownsDatabase: false })) as unknown as Store;
  ({ app: nodeB } = await testServer(storeB, opts));
  t = await createTenant(store, 'mon');
  admin = as(nodeA, await login(nodeA, t.name, t.users.admin.email));
  adminB = as(nodeB, await login(nodeB, t.name, t.users.admin.email));
  rep = as(nodeA, await login(nodeA, t.name, t.users.repEast.email));
});

afterAll(async () => {
  await nodeA.close();
  await nodeB.close();
  await storeB.close();
  await store.close();
});

const notes = async () => (await admin.get('/api/v1/workflow/notifications')).json().data.filter((n: any) => n.kind === 'api_latency_alert');
const evaluate = () => monitoringBackground({ store, workflow: workflowFor(store as never) }, now).handlers[MONITORING_EVALUATE_QUEUE]!({ payload: { tenant: t.name } } as never);

describe('latency history', () => {
  it('merges the histograms of two nodes and computes percentiles from the merged buckets', async () => {
    // Node A: four requests of 120 ms (the 100–250 ms bucket); node B: one of 600 ms (500–1000 ms).
    await Promise.all([...Array.from({ length: 4 }, () => admin.get(`${SLEEP}?ms=120`)), adminB.get(`${SLEEP}?ms=600`)]);
    expect((await admin.get('/api/v1/test/fail')).statusCode).toBe(503);
    expect((await admin.get('/api/v1/test/fail?code=abc')).statusCode).toBe(400);
    await nodeB.latency.flush();
    await nodeA.latency.flush();
    const res = await admin.get(`/api/v1/monitoring/latency?route=${encodeURIComponent(SLEEP)}`);
    expect(res.statusCode, res.body).toBe(200);
    const d = res.json().data;
    expect(d.boundsMs).toEqual([1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]);
    expect(d.routes).toHaveLength(1);
    const r = d.routes[0];
    expect(r).toMatchObject({ method: 'GET', route: SLEEP, count: 5, errors4xx: 0, errors5xx: 0 });
    expect(r.buckets).toEqual([0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0, 0]);
    // p50: rank 2.5 of 5 in 100–250 (4 there): 100 + 150 × 2.5/4 = 193.75
    // p95: rank 4.75, in 500–1000 (1 there, 4 below): 500 + 500 × 0.75 = 875; p99: 500 + 500 × 0.95 = 975
    expect([r.p50, r.p95, r.p99]).toEqual([193.75, 875, 975]);
    expect(d.series).toEqual([{ at: new Date(Math.floor(clock.getTime() / 60_000) * 60_000).toISOString(), ...r, method: undefined, route: undefined }].map(({ method: _m, route: _r, ...p }) => p));
    // The same counts rolled up into the hour and the day.
    for (const bucket of ['hour', 'day']) {
      const rolled = (await admin.get(`/api/v1/monitoring/latency?bucket=${bucket}&route=${encodeURIComponent(SLEEP)}`)).json().data;
      expect(rolled.routes[0]).toMatchObject({ count: 5, p50: 193.75, p95: 875, p99: 975 });
      expect(rolled.series).toHaveLength(1);
    }
  });

  it('counts 4xx and 5xx per route pattern, never the raw URL', async () => {
    const d = (await admin.get('/api/v1/monitoring/latency')).json().data;
    const fail = d.routes.find((x: any) => x.route === '/api/v1/test/fail');
    expect(fail).toMatchObject({ method: 'GET', count: 2, errors4xx: 1, errors5xx: 1 });
    expect(d.routes.some((x: any) => x.route.includes('?') || x.route.includes('ms='))).toBe(false);
    // Requests of the other node (and the monitoring reads themselves) are in the same history.
    expect(d.routes.find((x: any) => x.route === SLEEP).count).toBe(5);
  });

  it('refuses bad ranges and non-administrators', async () => {
    const cases: Array<[string, string, string]> = [
      ['bucket=week', 'bucket', 'enum'],
      ['from=yesterday', 'from', 'format'],
      ['from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', 'from', 'range'],
      ['bucket=minute&from=2026-01-01T00:00:00Z&to=2026-01-05T00:00:00Z', 'from', 'maxRange'],
      ['route=api', 'route', 'pattern'],
    ];
    for (const [qs, field, rule] of cases) {
      const res = await admin.get(`/api/v1/monitoring/latency?${qs}`);
      expect(res.statusCode, qs).toBe(400);
      const detail = res.json().error.details[0];
      expect(detail.path, qs).toContain(field);
      expect(detail.rule, qs).toBe(rule);
    }
    expect((await rep.get('/api/v1/monitoring/latency')).statusCode).toBe(403);
    expect((await rep.get('/api/v1/monitoring/thresholds')).statusCode).toBe(403);
    expect((await rep.put('/api/v1/monitoring/thresholds', { thresholds: [] })).statusCode).toBe(403);
  });
});

describe('alert thresholds', () => {
  it('validates thresholds, naming the field and the rule, and changes nothing', async () => {
    const bad: Array<[unknown, string]> = [
      [{ percentile: 'p90', limitMs: 100 }, 'percentile'],
      [{ percentile: 'p95', limitMs: 0 }, 'limitMs'],
      [{ percentile: 'p95', limitMs: 100, windowMinutes: 2000 }, 'windowMinutes'],
      [{ percentile: 'p95', limitMs: 100, route: 'records' }, 'route'],
      [{ percentile: 'p95', limitMs: 100, colour: 'red' }, 'additionalProperties'],
    ];
    for (const [item, field] of bad) {
      const res = await admin.put('/api/v1/monitoring/thresholds', { thresholds: [item] });
      expect(res.statusCode, field).toBe(400);
      expect(JSON.stringify(res.json().error.details), field).toContain(field);
    }
    expect((await admin.get('/api/v1/monitoring/thresholds')).json()).toEqual({ data: [], alerts: [] });
  });

  it('tells the administrators once per breach, and once when it resolves', async () => {
    const put = await admin.put('/api/v1/monitoring/thresholds', { thresholds: [{ route: SLEEP, method: 'GET', percentile: 'p95', limitMs: 400, minRequests: 3, windowMinutes: 5 }] });
    expect(put.statusCode, put.body).toBe(200);
    const [threshold] = put.json().data;
    expect(threshold).toMatchObject({ route: SLEEP, percentile: 'p95', limitMs: 400, minRequests: 3, windowMinutes: 5 });
    // Saving starts the minute job; the change is in the audit log with the lists before and after.
    const queued = await store.jobs.list({ queue: MONITORING_EVALUATE_QUEUE, tenant: t.name, status: 'ready' });
    expect(queued).toHaveLength(1);
    const audit = (await admin.get('/api/v1/audit?object=monitoring_threshold')).json().data;
    expect(audit[0]).toMatchObject({ action: 'monitoring.thresholds.update', before: [], after: [expect.objectContaining({ id: threshold.id, limitMs: 400 })] });

    // p95 of the five requests above is 875 ms > 400: one notice, however often it is evaluated.
    expect(await evaluate()).toMatchObject({ thresholds: 1, breached: 1, resolved: 0, open: 1 });
    clock = new Date(clock.getTime() + 60_000);
    expect(await evaluate()).toMatchObject({ breached: 0, resolved: 0, open: 1 });
    let told = await notes();
    expect(told).toHaveLength(1);
    expect(told[0].title).toBe(`Slow API: p95 of GET ${SLEEP} is 875 ms`);
    const alerts = (await admin.get('/api/v1/monitoring/thresholds')).json().alerts;
    expect(alerts).toEqual([expect.objectContaining({ thresholdId: threshold.id, route: SLEEP, valueMs: 875, count: 5 })]);

    // Ten minutes on, the window holds only fast requests: resolved, told once.
    clock = new Date(clock.getTime() + 10 * 60_000);
    for (let i = 0; i < 4; i++) expect((await admin.get(`${SLEEP}?ms=0`)).statusCode).toBe(200);
    await nodeA.latency.flush();
    expect(await evaluate()).toMatchObject({ breached: 0, resolved: 1, open: 0 });
    expect(await evaluate()).toMatchObject({ breached: 0, resolved: 0, open: 0 });
    told = await notes();
    expect(told).toHaveLength(2);
    expect(told.map((n: any) => n.title)).toContain(
      `Resolved: p95 of GET ${SLEEP} is back to ${told
        .find((n: any) => n.title.startsWith('Resolved'))
        .title.split(' ')
        .at(-2)} ms`,
    );
    // The job queued the next minute's evaluation.
    expect((await store.jobs.list({ queue: MONITORING_EVALUATE_QUEUE, tenant: t.name, status: 'ready' })).length).toBeGreaterThan(1);
  });

  it('keeps a threshold (and its id) when it is sent back, and removes the rest', async () => {
    const [current] = (await admin.get('/api/v1/monitoring/thresholds')).json().data;
    const res = await admin.put('/api/v1/monitoring/thresholds', {
      thresholds: [
        { ...current, limitMs: 500 },
        { percentile: 'p99', limitMs: 2000 },
      ],
    });
    expect(res.statusCode).toBe(200);
    const saved = res.json().data;
    expect(saved[0]).toMatchObject({ id: current.id, limitMs: 500 });
    expect(saved[1]).toMatchObject({ route: null, method: null, percentile: 'p99', limitMs: 2000, minRequests: 20, windowMinutes: 5 });
    expect((await admin.put('/api/v1/monitoring/thresholds', { thresholds: [] })).json().data).toEqual([]);
  });
});

describe('keeping the history', () => {
  it('resolves an open alert when its route has no traffic in the window, and skips bad job payloads', async () => {
    await admin.put('/api/v1/monitoring/thresholds', { thresholds: [{ route: SLEEP, percentile: 'p99', limitMs: 400, minRequests: 3, windowMinutes: 5 }] });
    for (let i = 0; i < 3; i++) expect((await admin.get(`${SLEEP}?ms=600`)).statusCode).toBe(200);
    await nodeA.latency.flush();
    expect(await evaluate()).toMatchObject({ breached: 1, open: 1 });
    clock = new Date(clock.getTime() + 30 * 60_000);
    expect(await evaluate()).toMatchObject({ breached: 0, resolved: 1, open: 0 });
    await admin.put('/api/v1/monitoring/thresholds', { thresholds: [] });
    // Nothing to watch: the chain stops (no next evaluation is queued by this run).
    const before = (await store.jobs.list({ queue: MONITORING_EVALUATE_QUEUE, tenant: t.name })).length;
    expect(await evaluate()).toEqual({ thresholds: 0, breached: 0, resolved: 0, open: 0 });
    expect((await store.jobs.list({ queue: MONITORING_EVALUATE_QUEUE, tenant: t.name })).length).toBe(before);
    const handler = monitoringBackground({ store, workflow: workflowFor(store as never) }).handlers[MONITORING_EVALUATE_QUEUE]!;
    expect(await handler({ payload: {} } as never)).toEqual({ skipped: 'bad payload' });
  });

  it('drops minute rows after two days and keeps the hours', async () => {
    const old = new Date(clock.getTime() - 3 * 86_400_000);
    const then = new LatencyRecorder(store, () => old);
    then.record(t.name, 'GET', '/api/v1/old', 200, 7);
    expect(await then.flush()).toBe(1);
    const range = `from=${new Date(old.getTime() - 60_000).toISOString()}&to=${new Date(old.getTime() + 60_000).toISOString()}&route=/api/v1/old`;
    expect((await admin.get(`/api/v1/monitoring/latency?${range}`)).json().data.routes).toHaveLength(1);
    // A node flushing now prunes what is past each grain's retention.
    const today = new LatencyRecorder(store, () => clock);
    today.record(t.name, 'GET', '/api/v1/new', 200, 7);
    await today.flush();
    expect((await admin.get(`/api/v1/monitoring/latency?${range}`)).json().data.routes).toEqual([]);
    const hours = (await admin.get(`/api/v1/monitoring/latency?bucket=hour&${range}`)).json().data.routes;
    expect(hours).toEqual([expect.objectContaining({ route: '/api/v1/old', count: 1, p50: 7.5 })]); // 5–10 ms bucket, rank 0.5 of 1: 5 + 5 × 0.5
  });

  it('keeps a failed flush for a few more tries, then drops it', async () => {
    const rec = new LatencyRecorder(store, () => clock);
    rec.record('no_such_tenant', 'GET', '/api/v1/x', 200, 1);
    await expect(rec.flush()).rejects.toThrow();
    for (let i = 0; i < 3; i++) expect(await rec.flush()).toBe(0); // kept and retried quietly, then dropped
    expect(await rec.flush()).toBe(0);
  });
});

describe('/metrics', () => {
  it('keeps its Prometheus text format', async () => {
    const { app } = await testServer(store, { metricsToken: 'm'.repeat(20), monitoring: { flushMs: 0 } });
    try {
      const caller = as(app, await login(app, t.name, t.users.admin.email));
      await caller.get('/api/v1/monitoring/thresholds');
      const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${'m'.repeat(20)}` } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/plain');
      expect(res.body).toContain('# TYPE http_request_duration_seconds histogram');
      expect(res.body).toMatch(/http_request_duration_seconds_bucket\{le="\+Inf",route="\/api\/v1\/monitoring\/thresholds",method="GET",status_code="200"\} 1/);
    } finally {
      await app.close();
    }
  });
});
