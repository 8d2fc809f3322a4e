import type { Ctx } from './context.ts';
import { StoreError } from './errors.ts';

/** How long a key answers replays; after that the same key is a new request. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** Every this many claims, expired keys of all tenants are deleted. */
const PRUNE_EVERY = 200;

export type IdempotencyClaim =
  | { state: 'new' }
  /** The same key, scope and body finished earlier: answer its stored result, change nothing. */
  | { state: 'done'; result: unknown }
  /** The first request with this key is still running (or died; it is released on failure). */
  | { state: 'running' }
  /** The key was used with another body, route or caller. */
  | { state: 'mismatch' };

/** Idempotency keys per tenant, in the control schema (table idempotency_keys). */
export interface IdempotencyStore {
  /** Claims `key` for a request identified by `scope` (route and caller) and `bodyHash`. */
  claim(tenant: string, key: string, scope: string, bodyHash: string): Promise<IdempotencyClaim>;
  /** Stores the result a replay answers. */
  finish(tenant: string, key: string, result: unknown): Promise<void>;
  /** Forgets a claim whose request failed as a whole, so the client may retry with the same key. */
  release(tenant: string, key: string): Promise<void>;
  /** Deletes keys created before `before`; returns how many. */
  prune(before: Date): Promise<number>;
}

export function idempotencyService(ctx: Ctx): IdempotencyStore {
  const ids = new Map<string, string>();
  async function tenantId(name: string): Promise<string> {
    const cached = ids.get(name);
    if (cached) return cached;
    const row = await ctx.tenantRow(ctx.knex, name);
    ids.set(name, row.id);
    return row.id;
  }
  const table = () => ctx.table(ctx.knex, 'idempotency_keys');
  let claims = 0;
  const service: IdempotencyStore = {
    async claim(tenant, key, scope, bodyHash) {
      if (typeof key !== 'string' || key.length === 0 || key.length > 255) {
        throw new StoreError('validation_failed', 'an idempotency key is 1 to 255 characters', [{ path: 'Idempotency-Key', rule: 'length', message: 'must be 1 to 255 characters' }]);
      }
      const tid = await tenantId(tenant);
      const expired = new Date(Date.now() - IDEMPOTENCY_TTL_MS);
      // Housekeeping every so often, off the request's path; a failure here fails no write.
      if (++claims % PRUNE_EVERY === 0) service.prune(expired).catch(() => {});
      // An expired key is a new request: drop it first so the insert below claims it.
      await table().where({ tenant_id: tid, key }).where('created_at', '<', expired).delete();
      const inserted = (await table().insert({ tenant_id: tid, key, scope, body_hash: bodyHash }).onConflict(['tenant_id', 'key']).ignore().returning('key')) as unknown[];
      if (inserted.length) return { state: 'new' };
      const row = (await table().where({ tenant_id: tid, key }).first('scope', 'body_hash', 'result')) as { scope: string; body_hash: string; result: unknown } | undefined;
      // Released between our insert and read: a retry will claim it.
      if (!row) return { state: 'running' };
      if (row.scope !== scope || row.body_hash !== bodyHash) return { state: 'mismatch' };
      if (row.result === null || row.result === undefined) return { state: 'running' };
      return { state: 'done', result: typeof row.result === 'string' ? JSON.parse(row.result) : row.result };
    },
    async finish(tenant, key, result) {
      const tid = await tenantId(tenant);
      await table()
        .where({ tenant_id: tid, key })
        .update({ result: JSON.stringify(result) });
    },
    async release(tenant, key) {
      const tid = await tenantId(tenant);
      await table().where({ tenant_id: tid, key }).whereNull('result').delete();
    },
    async prune(before) {
      const gone = (await table().where('created_at', '<', before).delete().returning('key')) as unknown[];
      return gone.length;
    },
  };
  return service;
}
