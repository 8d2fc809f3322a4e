// Latency history, the reading side: a summary per route and a time series over a range, at one
// grain, with every node's and every bucket's counts summed before the percentiles are computed.
import type { DataPort } from '@attain/store';
import { BUCKET_COLUMNS, percentileMs } from './buckets.ts';
import type { Grain } from './recorder.ts';

export type Port = DataPort<'latency' | 'threshold' | 'alert'>;

/** How long each grain is kept: minutes for 2 days, hours for 93 days, days for 400 days. */
export const RETENTION_DAYS: Record<Grain, number> = { minute: 2, hour: 93, day: 400 };

export interface Figures {
  count: number;
  errors4xx: number;
  errors5xx: number;
  /** Requests per bucket, in the order of `BOUNDS_MS` and then the open-ended one. */
  buckets: number[];
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface RouteFigures extends Figures {
  method: string;
  route: string;
}

export interface Range {
  grain: Grain;
  from: Date;
  to: Date;
  route?: string | undefined;
  method?: string | undefined;
}

const sums = (port: Port) => [
  port.knex.raw('sum(count)::bigint as count'),
  port.knex.raw('sum(errors_4xx)::bigint as errors_4xx'),
  port.knex.raw('sum(errors_5xx)::bigint as errors_5xx'),
  ...BUCKET_COLUMNS.map((c) => port.knex.raw('sum(??)::bigint as ??', [c, c])),
];

function figures(row: Record<string, unknown>): Figures {
  const buckets = BUCKET_COLUMNS.map((c) => Number(row[c] ?? 0));
  return {
    count: Number(row.count ?? 0),
    errors4xx: Number(row.errors_4xx ?? 0),
    errors5xx: Number(row.errors_5xx ?? 0),
    buckets,
    p50: percentileMs(buckets, 0.5),
    p95: percentileMs(buckets, 0.95),
    p99: percentileMs(buckets, 0.99),
  };
}

function inRange(port: Port, r: Range) {
  const q = port.table('latency').where('grain', r.grain).where('at', '>=', r.from).where('at', '<', r.to);
  if (r.route !== undefined) q.where('route', r.route);
  if (r.method !== undefined) q.where('method', r.method);
  return q;
}

/** Per route (method and pattern) over the range, busiest first. */
export async function routeSummaries(port: Port, r: Range): Promise<RouteFigures[]> {
  const rows = (await inRange(port, r)
    .groupBy('method', 'route')
    .select('method', 'route', ...sums(port))) as Array<Record<string, unknown>>;
  return rows
    .map((row) => ({ method: String(row.method), route: String(row.route), ...figures(row) }))
    .sort((a, b) => b.count - a.count || a.route.localeCompare(b.route) || a.method.localeCompare(b.method));
}

/** The selected routes (all when none is named) merged, per bucket of the grain. */
export async function series(port: Port, r: Range): Promise<Array<Figures & { at: string }>> {
  const rows = (await inRange(port, r)
    .groupBy('at')
    .orderBy('at')
    .select('at', ...sums(port))) as Array<Record<string, unknown>>;
  return rows.map((row) => ({ at: new Date(row.at as string).toISOString(), ...figures(row) }));
}

/** Deletes rows older than each grain's retention. */
export async function pruneLatency(port: Port, now: Date): Promise<void> {
  for (const [grain, days] of Object.entries(RETENTION_DAYS)) {
    await port
      .table('latency')
      .where('grain', grain)
      .where('at', '<', new Date(now.getTime() - days * 86_400_000))
      .delete();
  }
}
