// The latency histogram every node keeps and the database stores: fixed upper bounds in ms (a
// bucket holds the requests that took more than the bound before it and at most its own; the last
// is open-ended). Fixed bounds are what make histograms of different nodes, minutes and hours
// mergeable by adding counts; percentiles are computed only after merging, never averaged.
import { quantileMs } from '../quality/report-latency.ts';

export const BOUNDS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;
/** Bucket columns b0…b13: one per bound and the open-ended one. */
export const BUCKETS = BOUNDS_MS.length + 1;
export const BUCKET_COLUMNS: readonly string[] = Array.from({ length: BUCKETS }, (_, i) => `b${i}`);

/** The bucket a duration falls in (linear scan: 13 comparisons are cheaper than a binary search's branches). */
export function bucketOf(ms: number): number {
  for (let i = 0; i < BOUNDS_MS.length; i++) if (ms <= (BOUNDS_MS[i] as number)) return i;
  return BOUNDS_MS.length;
}

/**
 * The q-quantile (ms) of per-bucket counts: the bucket holding rank q·total, interpolated linearly
 * inside it, as Prometheus' histogram_quantile does (the open-ended bucket answers its lower bound).
 */
export function percentileMs(counts: readonly number[], q: number): number | null {
  let cumulative = 0;
  const pairs: Array<[number, number]> = counts.map((c, i) => {
    cumulative += c;
    return [i < BOUNDS_MS.length ? (BOUNDS_MS[i] as number) / 1000 : Number.POSITIVE_INFINITY, cumulative];
  });
  return quantileMs(pairs, q);
}

/** Adds `from` into `into`, bucket by bucket. */
export function addCounts(into: number[], from: readonly number[]): number[] {
  for (let i = 0; i < BUCKETS; i++) into[i] = (into[i] ?? 0) + (from[i] ?? 0);
  return into;
}
