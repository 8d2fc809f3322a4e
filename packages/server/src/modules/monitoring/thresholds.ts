// Alert thresholds as data, per tenant: a route pattern (or every route), a percentile, a limit in
// ms, the fewest requests in the window that make the percentile meaningful, and the window. A PUT
// replaces the list; a threshold keeps its id (and so its alert state) when the client sends it
// back. Each change is audited with the lists before and after.
import { randomUUID } from 'node:crypto';
import type { Actor } from '@attain/store';
import type { Store } from '../../store-port.ts';
import type { Port } from './history.ts';
import { monitoringTables } from './tables.ts';

export interface Threshold {
  id: string;
  route: string | null;
  method: string | null;
  percentile: 'p95' | 'p99';
  limitMs: number;
  minRequests: number;
  windowMinutes: number;
}

export const MAX_THRESHOLDS = 50;

const LIMITS = { limitMs: [1, 600_000], minRequests: [1, 1_000_000], windowMinutes: [1, 1440] } as const;

/** The body's schema: the single source of validation (ajv) and the OpenAPI document. */
export const THRESHOLD_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['percentile', 'limitMs'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    route: {
      anyOf: [{ type: 'string', minLength: 1, maxLength: 300, pattern: '^/' }, { type: 'null' }],
      description: 'a route pattern as the server declares it (`/api/v1/records/:object`); null or absent: every route',
    },
    method: { anyOf: [{ enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] }, { type: 'null' }], description: 'null or absent: every method' },
    percentile: { enum: ['p95', 'p99'] },
    limitMs: { type: 'integer', minimum: LIMITS.limitMs[0], maximum: LIMITS.limitMs[1] },
    minRequests: { type: 'integer', minimum: LIMITS.minRequests[0], maximum: LIMITS.minRequests[1], description: '20 by default' },
    windowMinutes: { type: 'integer', minimum: LIMITS.windowMinutes[0], maximum: LIMITS.windowMinutes[1], description: '5 by default' },
  },
};

type Row = { id: string; route: string | null; method: string | null; percentile: 'p95' | 'p99'; limit_ms: number; min_requests: number; window_minutes: number; position: number };

const out = (r: Row): Threshold => ({ id: r.id, route: r.route, method: r.method, percentile: r.percentile, limitMs: r.limit_ms, minRequests: r.min_requests, windowMinutes: r.window_minutes });

export async function listThresholds(port: Port): Promise<Threshold[]> {
  return ((await port.table('threshold').orderBy('position')) as Row[]).map(out);
}

export type ThresholdInput = Partial<Omit<Threshold, 'percentile' | 'limitMs'>> & Pick<Threshold, 'percentile' | 'limitMs'>;

/** Replaces the tenant's thresholds; alerts of thresholds no longer listed go with them. */
export async function saveThresholds(store: Store, tenant: string, inputs: readonly ThresholdInput[], actor: Actor): Promise<Threshold[]> {
  const port = await store.port(tenant, monitoringTables);
  return port.knex.transaction(async (trx) => {
    const before = ((await port.table('threshold', trx).orderBy('position').forUpdate()) as Row[]).map(out);
    const known = new Set(before.map((t) => t.id));
    const rows: Row[] = inputs.map((t, position) => ({
      // An id the tenant does not have is a new threshold (never another tenant's: tables are per schema).
      id: t.id && known.has(t.id) ? t.id : randomUUID(),
      route: t.route ?? null,
      method: t.method ?? null,
      percentile: t.percentile,
      limit_ms: t.limitMs,
      min_requests: t.minRequests ?? 20,
      window_minutes: t.windowMinutes ?? 5,
      position,
    }));
    await port.table('threshold', trx).delete();
    if (rows.length) await port.table('threshold', trx).insert(rows);
    await port
      .table('alert', trx)
      .whereNotIn(
        'threshold_id',
        rows.map((r) => r.id),
      )
      .delete();
    const after = rows.map(out);
    await port.audit({ actor, action: 'monitoring.thresholds.update', object: 'monitoring_threshold', before, after }, trx);
    return after;
  });
}
