import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Validator } from '@seriousme/openapi-schema-validator';
import { pino } from 'pino';
import { as, createTenant, login, testServer, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'ops');
});
afterAll(async () => {
  await app.close();
});

describe('operations endpoints', () => {
  it('/healthz checks the database without auth', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    // helmet's headers, computed once at start, on every response.
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toContain('max-age=');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('/healthz reports an unreachable database as 503', async () => {
    const broken = { ...store, db: { ...store.db, knex: { raw: async () => Promise.reject(new Error('down')) } } } as unknown as Store;
    const { app: sick } = await testServer(broken);
    const res = await sick.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('unavailable');
    await sick.close();
  });

  it('logs structured JSON through a given pino logger', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const { app: logged } = await testServer(store, { loggerInstance: logger });
    await logged.inject({ method: 'GET', url: '/healthz' });
    await logged.close();
    const entries = lines.map((l) => JSON.parse(l) as { msg?: string; reqId?: string });
    expect(entries.some((e) => e.msg === 'request completed' && typeof e.reqId === 'string')).toBe(true);
  });

  it('/metrics exposes latency histograms by route pattern', async () => {
    // Metrics need their own token (see security-auth-metrics.test.ts).
    const { app: monitored } = await testServer(store, { metricsToken: 'metrics-token-0123456789' });
    const token = await login(monitored, t.name, t.users.admin.email);
    await as(monitored, token).get('/api/v1/objects/deal');
    await monitored.inject({ method: 'GET', url: '/nowhere' });
    const res = await monitored.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics-token-0123456789' } });
    await monitored.close();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('http_request_duration_seconds_bucket');
    expect(res.body).toMatch(/route="\/api\/v1\/objects\/:object",method="GET",status_code="200"/);
    expect(res.body).toMatch(/route="unmatched",method="GET",status_code="404"/);
  });

  it('/api/v1/openapi.json is authenticated, per tenant and valid OpenAPI 3.1', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).statusCode).toBe(401);
    const admin = as(app, await login(app, t.name, t.users.admin.email));
    const res = await admin.get('/api/v1/openapi.json');
    expect(res.statusCode).toBe(200);
    const result = await new Validator().validate(res.json());
    expect(result.valid).toBe(true);
    expect(res.json().openapi).toBe('3.1.0');
    const rep = as(app, await login(app, t.name, t.users.repEast.email));
    const repDoc = (await rep.get('/api/v1/openapi.json')).json();
    expect(repDoc.components.schemas.Deal.properties.margin).toBeUndefined();
    expect(res.json().components.schemas.Deal.properties.margin).toBeDefined();
  });

  it('never leaks a stack trace on an internal error', async () => {
    const failing = {
      ...store,
      records: async () => {
        throw new Error('connection string postgres://secret@db');
      },
      snapshot: async () => {
        throw new Error('connection string postgres://secret@db');
      },
    } as unknown as Store;
    const { app: bad } = await testServer(failing);
    const token = await login(app, t.name, t.users.admin.email);
    const res = await bad.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(500);
    expect(res.json().error.code).toBe('internal_error');
    expect(res.json().error.requestId).toBe(res.headers['x-request-id']);
    expect(res.body).not.toContain('secret');
    await bad.close();
  });
});
