// Issue #12, finding 19: `/metrics` answered anyone, listing every route and its error counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createTenant, login, testServer } from './helpers.ts';
import { parseListenAddress, serveMetrics } from '../src/http/metrics.ts';
import type { Store } from '../src/store-port.ts';

const TOKEN = 'metrics-secret-abcdefghij';
let plain: FastifyInstance;
let guarded: FastifyInstance;
let store: Store;

beforeAll(async () => {
  ({ app: plain, store } = await testServer());
  ({ app: guarded } = await testServer(store, { metricsToken: TOKEN }));
});
afterAll(async () => {
  await plain.close();
  await guarded.close();
});

const scrape = (app: FastifyInstance, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url: '/metrics', headers });

describe('/metrics is not public', () => {
  it('answers 404 when no metrics token is configured, with or without credentials', async () => {
    const t = await createTenant(store, 'smx');
    const session = await login(plain, t.name, t.users.admin.email);
    for (const headers of [{} as Record<string, string>, { authorization: `Bearer ${session}` }, { authorization: `Bearer ${TOKEN}` }]) {
      const res = await scrape(plain, headers);
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
      expect(res.body).not.toContain('http_request_duration_seconds');
    }
  });

  it('with a token configured: 401 without it or with anything else, the metrics with it', async () => {
    const t = await createTenant(store, 'smy');
    const session = await login(guarded, t.name, t.users.admin.email);
    for (const headers of [{} as Record<string, string>, { authorization: `Bearer ${session}` }, { authorization: `Bearer ${TOKEN}x` }, { authorization: TOKEN }]) {
      const res = await scrape(guarded, headers);
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toContain('Bearer');
      expect(res.body).not.toContain('http_request_duration_seconds');
    }
    const ok = await scrape(guarded, { authorization: `Bearer ${TOKEN}` });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('http_request_duration_seconds_bucket');
  });

  it('refuses a metrics token too short to be a secret', async () => {
    await expect(testServer(store, { metricsToken: 'short' })).rejects.toThrow(/at least 16 characters/);
  });

  it('serves the metrics on a separate address, and only them', async () => {
    const at = parseListenAddress('127.0.0.1:0');
    const side = await serveMetrics(plain.metricsRegistry, at);
    try {
      await plain.inject({ method: 'GET', url: '/healthz' });
      const res = await fetch(`http://127.0.0.1:${side.port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/route="\/healthz",method="GET",status_code="200"/);
      expect((await fetch(`http://127.0.0.1:${side.port}/api/v1/auth/me`)).status).toBe(404);
    } finally {
      await side.close();
    }
  });

  it('reads ATTAIN_METRICS_ADDR forms and refuses nonsense', () => {
    expect(parseListenAddress(':9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListenAddress('9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListenAddress('0.0.0.0:9100')).toEqual({ host: '0.0.0.0', port: 9100 });
    expect(parseListenAddress('[::1]:9100')).toEqual({ host: '::1', port: 9100 });
    for (const bad of ['', 'host', '1.2.3.4:99999', 'a:b:c']) expect(() => parseListenAddress(bad)).toThrow(/ATTAIN_METRICS_ADDR/);
  });
});
