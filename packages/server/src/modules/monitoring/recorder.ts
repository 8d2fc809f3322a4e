// Latency history, the request path's side: each response adds to an in-memory histogram per
// tenant, minute, method and route pattern (a map lookup, a few additions); every `flushMs` the
// node swaps the map out and adds it to the tenant's rows of each grain (minute, hour, day) with one
// upsert per tenant, `count = count + excluded.count`, so every node of a cluster adds into the same
// rows and the buckets are merged by the database, never the percentiles.
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store-port.ts';
import { BUCKET_COLUMNS, BUCKETS, bucketOf } from './buckets.ts';
import { pruneLatency } from './history.ts';
import { monitoringTables } from './tables.ts';

export interface RecorderOptions {
  /** How often this node writes what it has gathered (ms); 15 s by default, 0 turns the timer off (tests flush by hand). */
  flushMs?: number;
  /** The clock (tests move it). */
  now?: () => Date;
}

interface Cell {
  tenant: string;
  minute: number;
  method: string;
  route: string;
  count: number;
  e4: number;
  e5: number;
  sumMs: number;
  counts: number[];
}

export type Grain = 'minute' | 'hour' | 'day';
export const GRAIN_MS: Record<Grain, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const PRUNE_EVERY_MS = 3_600_000;
const MAX_RETRIES = 3;

export class LatencyRecorder {
  private cells = new Map<string, Map<string, Cell>>();
  private retries = new Map<string, number>();
  private pruned = new Map<string, number>();
  private readonly store: Store;
  readonly now: () => Date;
  private readonly nowMs: () => number;

  constructor(store: Store, now?: () => Date) {
    this.store = store;
    this.now = now ?? (() => new Date());
    // Date.now() on the request path unless a test brings its own clock: no Date allocated per request.
    this.nowMs = now ? () => now().getTime() : Date.now;
  }

  /** One response: its tenant, method, route pattern, status and duration. */
  record(tenant: string, method: string, route: string, status: number, ms: number): void {
    const minute = Math.floor(this.nowMs() / 60_000);
    // Keyed by tenant, then route and minute: two small lookups, no string built per request
    // beyond the route key.
    let byRoute = this.cells.get(tenant);
    if (!byRoute) {
      byRoute = new Map();
      this.cells.set(tenant, byRoute);
    }
    const key = method + route;
    let cell = byRoute.get(key);
    if (!cell || cell.minute !== minute) {
      const older = cell;
      cell = { tenant, minute, method, route, count: 0, e4: 0, e5: 0, sumMs: 0, counts: new Array<number>(BUCKETS).fill(0) };
      // A new minute: the previous minute's cell waits for the flush under its own key.
      if (older) byRoute.set(`${older.minute}\u0000${key}`, older);
      byRoute.set(key, cell);
    }
    cell.count++;
    if (status >= 500) cell.e5++;
    else if (status >= 400) cell.e4++;
    cell.sumMs += ms;
    (cell.counts[bucketOf(ms)] as number)++;
  }

  /** Writes what was gathered since the last flush; returns the number of cells written. */
  async flush(): Promise<number> {
    if (this.cells.size === 0) return 0;
    const cells = this.cells;
    this.cells = new Map();
    const byTenant = new Map<string, Cell[]>();
    for (const [tenant, byRoute] of cells) byTenant.set(tenant, [...byRoute.values()]);
    let written = 0;
    for (const [tenant, list] of byTenant) {
      try {
        await this.write(tenant, list);
        this.retries.delete(tenant);
        written += list.length;
      } catch (error) {
        // A database blip: keep the tenant's cells for the next flush, a few times; a tenant that
        // is gone (or keeps failing) is dropped, since monitoring must never grow without bound.
        const n = (this.retries.get(tenant) ?? 0) + 1;
        this.retries.set(tenant, n);
        if (n <= MAX_RETRIES) for (const c of list) this.merge(c);
        else this.retries.delete(tenant);
        if (n === 1) throw error;
      }
    }
    return written;
  }

  private merge(c: Cell): void {
    let byRoute = this.cells.get(c.tenant);
    if (!byRoute) {
      byRoute = new Map();
      this.cells.set(c.tenant, byRoute);
    }
    const key = `${c.minute}\u0000${c.method}${c.route}`;
    const into = byRoute.get(key);
    if (!into) {
      byRoute.set(key, c);
      return;
    }
    into.count += c.count;
    into.e4 += c.e4;
    into.e5 += c.e5;
    into.sumMs += c.sumMs;
    for (let i = 0; i < BUCKETS; i++) into.counts[i] = (into.counts[i] ?? 0) + (c.counts[i] ?? 0);
  }

  private async write(tenant: string, cells: Cell[]): Promise<void> {
    const port = await this.store.port(tenant, monitoringTables);
    const rows = new Map<string, Record<string, unknown>>();
    for (const c of cells) {
      for (const grain of ['minute', 'hour', 'day'] as const) {
        const at = Math.floor((c.minute * 60_000) / GRAIN_MS[grain]) * GRAIN_MS[grain];
        const key = `${grain}\u0000${at}\u0000${c.method}\u0000${c.route}`;
        const row = rows.get(key) ?? {
          grain,
          at: new Date(at),
          method: c.method,
          route: c.route,
          count: 0,
          errors_4xx: 0,
          errors_5xx: 0,
          sum_ms: 0,
          ...Object.fromEntries(BUCKET_COLUMNS.map((b) => [b, 0])),
        };
        row.count = (row.count as number) + c.count;
        row.errors_4xx = (row.errors_4xx as number) + c.e4;
        row.errors_5xx = (row.errors_5xx as number) + c.e5;
        row.sum_ms = (row.sum_ms as number) + c.sumMs;
        BUCKET_COLUMNS.forEach((b, i) => {
          row[b] = (row[b] as number) + (c.counts[i] ?? 0);
        });
        rows.set(key, row);
      }
    }
    const table = 'attain_monitoring_latency';
    const add = Object.fromEntries(['count', 'errors_4xx', 'errors_5xx', 'sum_ms', ...BUCKET_COLUMNS].map((c) => [c, port.knex.raw('??.?? + excluded.??', [table, c, c])]));
    // Sorted, so two nodes upserting the same rows lock them in the same order (no deadlock).
    const sorted = [...rows.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, r]) => r);
    await port.table('latency').insert(sorted).onConflict(['grain', 'at', 'method', 'route']).merge(add);
    const now = this.now().getTime();
    if (now - (this.pruned.get(tenant) ?? 0) >= PRUNE_EVERY_MS) {
      this.pruned.set(tenant, now);
      await pruneLatency(port, this.now());
    }
  }
}

/**
 * Records every authenticated response (its tenant is known) on this server, flushes on a timer
 * and on close. Unauthenticated requests (sign-in, health, refused tokens) belong to no tenant and
 * are only in `/metrics`.
 */
export function registerLatencyRecorder(app: FastifyInstance, store: Store, opts: RecorderOptions = {}): LatencyRecorder {
  const recorder = new LatencyRecorder(store, opts.now);
  app.addHook('onResponse', async (request, reply) => {
    const tenant = request.access?.tenantName;
    if (tenant === undefined) return;
    recorder.record(tenant, request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime);
  });
  const flushMs = opts.flushMs ?? 15_000;
  const failed = (error: unknown) => app.log.warn({ err: error }, 'latency history: flush failed');
  const timer = flushMs > 0 ? setInterval(() => void recorder.flush().catch(failed), flushMs) : undefined;
  timer?.unref();
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    await recorder.flush().catch(failed);
  });
  app.decorate('latency', recorder);
  return recorder;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This node's latency history recorder (see registerLatencyRecorder). */
    latency: LatencyRecorder;
  }
}
