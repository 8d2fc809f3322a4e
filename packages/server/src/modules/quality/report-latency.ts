// API latency percentiles per route from the server's own Prometheus histogram
// (`http_request_duration_seconds`, http/metrics.ts): the buckets of every status summed per route
// and method, each percentile interpolated within its bucket as Prometheus' histogram_quantile does.
import type { Registry } from 'prom-client';

export interface RouteLatency {
  route: string;
  method: string;
  count: number;
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

export async function routeLatencies(registry: Registry | undefined): Promise<RouteLatency[] | null> {
  const metric = registry?.getSingleMetric('http_request_duration_seconds');
  if (!metric) return null;
  const { values } = await metric.get();
  const byRoute = new Map<string, Map<number, number>>();
  for (const v of values) {
    if (!(v as { metricName?: string }).metricName?.endsWith('_bucket')) continue;
    const { route, method, le } = v.labels as { route?: string; method?: string; le?: string | number };
    if (route === undefined || method === undefined || le === undefined) continue;
    const key = `${method} ${route}`;
    const buckets = byRoute.get(key) ?? new Map<number, number>();
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + v.value);
    byRoute.set(key, buckets);
  }
  const out: RouteLatency[] = [];
  for (const [key, map] of byRoute) {
    const buckets = [...map.entries()];
    const count = map.get(Number.POSITIVE_INFINITY) ?? 0;
    const [method, route] = [key.slice(0, key.indexOf(' ')), key.slice(key.indexOf(' ') + 1)];
    out.push({ route, method, count, p50: quantileMs(buckets, 0.5), p95: quantileMs(buckets, 0.95), p99: quantileMs(buckets, 0.99) });
  }
  return out.sort((a, b) => b.count - a.count || a.route.localeCompare(b.route));
}
