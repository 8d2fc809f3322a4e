import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry } from 'prom-client';
import { ApiError } from './errors.ts';

export interface MetricsOptions {
  /**
   * Bearer token that `GET /metrics` on the API's own address requires. Without one that route
   * answers 404: the metrics name every route and its error counts, so they are not public. An
   * operator either sets a token or serves them on a separate address (`serveMetrics`).
   */
  token?: string | undefined;
}

export const MIN_METRICS_TOKEN_LENGTH = 16;

// Hash both sides first so the comparison is constant-time whatever the lengths.
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Prometheus metrics on a registry owned by this server instance (not prom-client's global one),
 * so two servers in one process, as in tests, do not share or clash.
 */
export function registerMetrics(app: FastifyInstance, opts: MetricsOptions = {}): Registry {
  const token = opts.token || undefined;
  if (token !== undefined && token.length < MIN_METRICS_TOKEN_LENGTH) throw new Error(`the metrics token must be at least ${MIN_METRICS_TOKEN_LENGTH} characters`);
  const registry = new Registry();
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route pattern, method and status',
    labelNames: ['route', 'method', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'http_request_errors_total',
    help: 'Responses with status >= 500',
    labelNames: ['route', 'method'],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: ids in paths would explode label cardinality.
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { route, method: request.method, status_code: String(reply.statusCode) };
    duration.observe(labels, reply.elapsedTime / 1000);
    if (reply.statusCode >= 500) errors.inc({ route, method: request.method });
  });
  app.get('/metrics', { config: { public: true } }, async (request, reply) => {
    if (!token) throw new ApiError(404, 'not_found', 'no route GET /metrics');
    const header = request.headers.authorization;
    const given = typeof header === 'string' ? /^Bearer\s+(\S{1,4096})$/i.exec(header.trim())?.[1] : undefined;
    if (!given || !sameSecret(given, token)) {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      throw new ApiError(401, 'unauthorized', 'send Authorization: Bearer <the metrics token>');
    }
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  app.decorate('metricsRegistry', registry);
  return registry;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This server's Prometheus registry (see registerMetrics), for a separate metrics listener. */
    metricsRegistry: Registry;
  }
}

/** Where `ATTAIN_METRICS_ADDR` asks for the metrics: `host:port`, `[v6]:port`, `:port` or `port`. */
export function parseListenAddress(value: string): { host: string; port: number } {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]]*):)?(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !Number.isInteger(port) || port > 65535) throw new Error(`ATTAIN_METRICS_ADDR must look like 127.0.0.1:9464 or :9464, not "${value}"`);
  const host = (m[1] ?? '').replace(/^\[|\]$/g, '') || '127.0.0.1';
  return { host, port };
}

/**
 * Serves `GET /metrics` (and nothing else) on its own address, e.g. one only the monitoring
 * network can reach; no token is asked there.
 */
export async function serveMetrics(registry: Registry, at: { host: string; port: number }): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: 'only GET /metrics is served here', details: [] } }));
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'internal_error', message: 'metrics are unavailable', details: [] } })),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
