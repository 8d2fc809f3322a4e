// Read-your-derived-writes. Attainment, statements and KPI actuals are derived from writes by
// background jobs (record and metadata events). Every successful write answers with a position
// (`x-attain-position`, a uuidv7 taken after its commit); `GET /sync?position=…&wait=…` says
// whether everything derived from writes up to that position has been computed, and any GET
// with `waitFor=<position>` waits (bounded) for it before reading.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isUuid, uuidv7 } from '@attain/store';
import { badRequest } from '../http/errors.ts';
import type { Store } from '../store-port.ts';
import { requireAccess } from './request-access.ts';
import { arrayOf, BOOLEAN, INTEGER, object, query, replies, STRING } from '../http/route-schema.ts';

const MAX_WAIT_MS = 30_000;
const POLL_MS = 50;

export interface SyncStatus {
  position: string;
  reflected: boolean;
  pending: number;
  failed: Array<{ queue: string; error: string | null }>;
}

function positionParam(value: unknown, name: string): string {
  if (!isUuid(value)) throw badRequest('invalid_position', `${name} must be a position from an x-attain-position header`, [{ path: `/${name}`, rule: 'format', message: 'must be a uuid' }]);
  return value.toLowerCase();
}

function waitParam(value: unknown): number {
  if (value === undefined || value === '') return 0;
  const n = typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n > MAX_WAIT_MS)
    throw badRequest('invalid_wait', `wait is milliseconds from 0 to ${MAX_WAIT_MS}`, [{ path: '/wait', rule: 'range', message: `must be a whole number from 0 to ${MAX_WAIT_MS}` }]);
  return n;
}

/** The header a write's position is answered in (GraphQL mutations also put it in `extensions.position`). */
export const POSITION_HEADER = 'x-attain-position';

/**
 * A write's position: a uuidv7 taken after its commit, so every job its commit enqueued sorts
 * before it. The one way positions are made, for REST writes and GraphQL mutations alike.
 */
export function takePosition(): string {
  return uuidv7();
}

/** Polls the tenant's backlog until nothing derived from writes up to `position` is pending, a failure, or the deadline. */
export async function awaitPosition(store: Store, tenant: string, position: string, waitMs: number): Promise<SyncStatus> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const { pending, failed } = await store.jobs.backlog(tenant, position);
    const done = pending === 0;
    if (done || Date.now() >= deadline) return { position, reflected: done && failed.length === 0, pending, failed };
    await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(1, deadline - Date.now()))));
  }
}

export async function syncRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;
  app.get(
    '/sync',
    {
      schema: {
        querystring: query({ position: STRING, wait: { type: 'string', description: 'milliseconds to wait for the position' } }),
        response: replies({ 200: object({ position: STRING, reflected: BOOLEAN, pending: INTEGER, failed: arrayOf() }, ['position', 'reflected']) }),
      },
    },
    async (request) => {
      const access = requireAccess(request);
      const q = (request.query ?? {}) as Record<string, unknown>;
      return awaitPosition(store, access.tenantName, positionParam(q.position, 'position'), waitParam(q.wait));
    },
  );
}

/**
 * A read's `?waitFor=<position>[&waitMs=…]` (default 10 s): waits, bounded, until what writes up
 * to the position derived is computed, and answers `x-attain-reflected`. REST GETs and /graphql.
 */
export async function waitForPosition(store: Store, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const q = request.query as Record<string, unknown> | undefined;
  if (!q || q.waitFor === undefined || !request.access) return;
  const status = await awaitPosition(store, request.access.tenantName, positionParam(q.waitFor, 'waitFor'), q.waitMs === undefined ? 10_000 : waitParam(q.waitMs));
  reply.header('x-attain-reflected', String(status.reflected));
}

/** Hooks on the whole API (registered on its root, after authentication): positions on writes, waitFor on reads. */
export function registerPositionHooks(app: FastifyInstance, store: Store): void {
  // Any read may first wait for a position.
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method === 'GET') await waitForPosition(store, request, reply);
  });

  // Every write that succeeded gets its position, taken after the commit.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 300 && request.access && !reply.hasHeader(POSITION_HEADER)) reply.header(POSITION_HEADER, takePosition());
    return payload;
  });
}
