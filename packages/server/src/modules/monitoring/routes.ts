// API response times over HTTP (administrators): the latency history of a range as a summary per
// route and a time series, and the alert thresholds (read, replace). Every node's buckets are
// summed before percentiles are computed; this node's unwritten requests are written first.
import type { FastifyInstance } from 'fastify';
import { badRequest } from '../../http/errors.ts';
import { arrayOf, INTEGER, NUMBER, nullable, object, query, replies, STRING } from '../../http/route-schema.ts';
import { requireAccess } from '../../rest/request-access.ts';
import type { Store } from '../../store-port.ts';
import { requireAdmin } from '../quality/routes.ts';
import { BOUNDS_MS } from './buckets.ts';
import { scheduleEvaluation } from './evaluate.ts';
import { RETENTION_DAYS, routeSummaries, series } from './history.ts';
import { GRAIN_MS, type Grain } from './recorder.ts';
import { MAX_THRESHOLDS, listThresholds, saveThresholds, THRESHOLD_SCHEMA, type ThresholdInput } from './thresholds.ts';
import { monitoringTables } from './tables.ts';

const tags = ['monitoring'];
const DEFAULT_SPAN_MS: Record<Grain, number> = { minute: 3_600_000, hour: 7 * 86_400_000, day: 30 * 86_400_000 };
/** The widest range per grain: what its retention keeps. */
const MAX_SPAN_MS: Record<Grain, number> = { minute: RETENTION_DAYS.minute * 86_400_000, hour: RETENTION_DAYS.hour * 86_400_000, day: RETENTION_DAYS.day * 86_400_000 };
const METHOD = { enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] };
const NULL_NUMBER = nullable(NUMBER);
const FIGURES = { count: INTEGER, errors4xx: INTEGER, errors5xx: INTEGER, buckets: arrayOf(INTEGER), p50: NULL_NUMBER, p95: NULL_NUMBER, p99: NULL_NUMBER };
const FIGURE_KEYS = ['count', 'errors4xx', 'errors5xx', 'buckets', 'p50', 'p95', 'p99'];
const ROUTE = object({ method: STRING, route: STRING, ...FIGURES }, ['method', 'route', ...FIGURE_KEYS]);
const POINT = object({ at: STRING, ...FIGURES }, ['at', ...FIGURE_KEYS]);
const LATENCY = object({ bucket: STRING, from: STRING, to: STRING, boundsMs: arrayOf(NUMBER), routes: arrayOf(ROUTE), series: arrayOf(POINT) }, [
  'bucket',
  'from',
  'to',
  'boundsMs',
  'routes',
  'series',
]);
const THRESHOLD = object({ id: STRING, route: nullable(STRING), method: nullable(STRING), percentile: STRING, limitMs: INTEGER, minRequests: INTEGER, windowMinutes: INTEGER }, [
  'id',
  'route',
  'method',
  'percentile',
  'limitMs',
  'minRequests',
  'windowMinutes',
]);
const ALERT = object({ thresholdId: STRING, method: STRING, route: STRING, since: STRING, valueMs: NUMBER, count: INTEGER }, ['thresholdId', 'method', 'route', 'since', 'valueMs', 'count']);

function when(value: string | undefined, path: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw badRequest('invalid_query', `${path.slice(1)} must be a date and time (ISO 8601)`, [{ path, rule: 'format', message: 'an ISO 8601 date and time' }]);
  return d;
}

export async function monitoringRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.get(
    '/monitoring/latency',
    {
      config: { summary: 'API response times: p50/p95/p99, requests and errors per route, and over time (administrators)', tags },
      schema: {
        querystring: query({
          from: { type: 'string', format: 'date-time', description: 'start (inclusive); by default an hour, a week or 30 days before `to`' },
          to: { type: 'string', format: 'date-time', description: 'end (exclusive); now by default' },
          route: { type: 'string', minLength: 1, maxLength: 300, pattern: '^/', description: 'one route pattern, e.g. /api/v1/records/:object' },
          method: METHOD,
          bucket: { enum: ['minute', 'hour', 'day'], description: 'the grain of the series; minute by default' },
        }),
        response: replies({ 200: object({ data: LATENCY }, ['data']) }),
      },
    },
    async (request) => {
      const access = requireAccess(request);
      requireAdmin(access, 'reads API response times');
      const q = request.query as { from?: string; to?: string; route?: string; method?: string; bucket?: Grain };
      const grain = q.bucket ?? 'minute';
      const to = when(q.to, '/to') ?? request.server.latency?.now() ?? new Date();
      const from = when(q.from, '/from') ?? new Date(to.getTime() - DEFAULT_SPAN_MS[grain]);
      if (from >= to) throw badRequest('invalid_query', 'from must be before to', [{ path: '/from', rule: 'range', message: 'before to' }]);
      if (to.getTime() - from.getTime() > MAX_SPAN_MS[grain]) {
        const days = RETENTION_DAYS[grain];
        throw badRequest('invalid_query', `a ${grain} series spans at most ${days} days (what is kept at that grain)`, [
          { path: '/from', rule: 'maxRange', message: `at most ${days} days before to` },
        ]);
      }
      await request.server.latency?.flush();
      const port = await store.port(access.tenantName, monitoringTables);
      // Buckets start on whole minutes, hours or days (UTC): a range starting inside one includes it.
      const start = new Date(Math.floor(from.getTime() / GRAIN_MS[grain]) * GRAIN_MS[grain]);
      const range = { grain, from: start, to, route: q.route, method: q.method };
      return {
        data: {
          bucket: grain,
          from: start.toISOString(),
          to: to.toISOString(),
          boundsMs: [...BOUNDS_MS],
          routes: await routeSummaries(port, range),
          series: await series(port, range),
        },
      };
    },
  );

  app.get(
    '/monitoring/thresholds',
    {
      config: { summary: 'Alert thresholds on API response times, and the alerts open now (administrators)', tags },
      schema: { response: replies({ 200: object({ data: arrayOf(THRESHOLD), alerts: arrayOf(ALERT) }, ['data', 'alerts']) }) },
    },
    async (request) => {
      const access = requireAccess(request);
      requireAdmin(access, 'reads the alert thresholds');
      const port = await store.port(access.tenantName, monitoringTables);
      const alerts = (await port.table('alert').orderBy('since')) as Array<{ threshold_id: string; method: string; route: string; since: Date | string; value_ms: number; count: number | string }>;
      return {
        data: await listThresholds(port),
        alerts: alerts.map((a) => ({ thresholdId: a.threshold_id, method: a.method, route: a.route, since: new Date(a.since).toISOString(), valueMs: Number(a.value_ms), count: Number(a.count) })),
      };
    },
  );

  app.put(
    '/monitoring/thresholds',
    {
      config: { summary: 'Replace the alert thresholds on API response times (administrators; audited)', tags },
      schema: {
        body: { type: 'object', additionalProperties: false, required: ['thresholds'], properties: { thresholds: { type: 'array', maxItems: MAX_THRESHOLDS, items: THRESHOLD_SCHEMA } } },
        response: replies({ 200: object({ data: arrayOf(THRESHOLD) }, ['data']) }),
      },
    },
    async (request) => {
      const access = requireAccess(request);
      requireAdmin(access, 'changes the alert thresholds');
      const { thresholds } = request.body as { thresholds: ThresholdInput[] };
      const saved = await saveThresholds(store, access.tenantName, thresholds, access.actor);
      if (saved.length) await scheduleEvaluation(store, access.tenantName, request.server.latency?.now() ?? new Date());
      return { data: saved };
    },
  );
}
