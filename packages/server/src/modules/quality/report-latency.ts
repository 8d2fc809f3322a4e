// API latency percentiles per route for the health report, from the latency history every node
// writes (modules/monitoring): the month's day rows, buckets summed over nodes and days first, each
// percentile interpolated within its bucket as Prometheus' histogram_quantile does.
import type { Store } from '../../store-port.ts';
import { routeSummaries } from '../monitoring/history.ts';
import { monitoringTables } from '../monitoring/tables.ts';

export interface RouteLatency {
  route: string;
  method: string;
  count: number;
  errors4xx: number;
  errors5xx: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** Cumulative buckets (upper bound in seconds → count at or below it, +Inf last) → the q-quantile in ms. */
export function quantileMs(buckets: Array<[number, number]>, q: number): number | null {
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      // In the open-ended bucket there is nothing to interpolate to: its lower bound is the answer.
      if (!Number.isFinite(le)) return Math.round(lower * 1000 * 100) / 100;
      const within = count - below === 0 ? 0 : (rank - below) / (count - below);
      return Math.round((lower + (le - lower) * within) * 1000 * 100) / 100;
    }
    lower = le;
    below = count;
  }
  return null;
}

/** The month's latency per route from the persisted history (every node's, day rows), busiest first. */
export async function monthLatencies(store: Store, tenant: string, from: Date, to: Date): Promise<RouteLatency[]> {
  const port = await store.port(tenant, monitoringTables);
  return (await routeSummaries(port, { grain: 'day', from, to })).map((r) => ({
    route: r.route,
    method: r.method,
    count: r.count,
    errors4xx: r.errors4xx,
    errors5xx: r.errors5xx,
    p50: r.p50,
    p95: r.p95,
    p99: r.p99,
  }));
}
