// Idempotency-Key for the module routes that create something (a check-in, an attachment): the
// same key, caller and request answer the first answer again and create nothing; the key with
// another request is refused. Claims live in the store's idempotency table like the bulk writes'.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, badRequest } from '../../http/errors.ts';
import type { AccessContext } from '../../rbac/context.ts';
import type { Store } from '../../store-port.ts';

const KEY = /^[\x21-\x7e]{1,255}$/;

/** The key of the request: the `Idempotency-Key` header, else `bodyKey` (a phone's queued form may carry it in the body). */
export function idempotencyKeyOf(request: FastifyRequest, bodyKey?: unknown): string | undefined {
  const header = request.headers['idempotency-key'];
  const key = header ?? bodyKey;
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !KEY.test(key)) {
    throw badRequest('invalid_header', 'Idempotency-Key must be 1 to 255 visible ASCII characters', [
      { path: header !== undefined ? 'Idempotency-Key' : '/idempotencyKey', rule: 'format', message: 'must be 1 to 255 visible ASCII characters' },
    ]);
  }
  return key;
}

/**
 * Runs `create` once per key: a replay answers the stored result (header `idempotent-replayed`),
 * a failure releases the key so the client may retry with it.
 */
export async function once<T>(store: Store, access: AccessContext, reply: FastifyReply, claim: { key: string | undefined; scope: string; request: unknown }, create: () => Promise<T>): Promise<T> {
  const { key } = claim;
  if (key === undefined) return create();
  const tenant = access.tenantName;
  const hash = createHash('sha256').update(JSON.stringify(claim.request)).digest('hex');
  const state = await store.idempotency.claim(tenant, key, `${claim.scope}:${access.principal.userId}`, hash);
  if (state.state === 'done') {
    reply.header('idempotent-replayed', 'true');
    return state.result as T;
  }
  if (state.state === 'mismatch') {
    throw new ApiError(422, 'idempotency_key_reused', 'this Idempotency-Key was used with another request; use a new key', [
      { path: 'Idempotency-Key', rule: 'same_request', message: 'was used with another request' },
    ]);
  }
  if (state.state === 'running') throw new ApiError(409, 'idempotency_in_progress', 'a request with this Idempotency-Key is still running; retry later');
  try {
    const result = await create();
    await store.idempotency.finish(tenant, key, result);
    return result;
  } catch (error) {
    await store.idempotency.release(tenant, key);
    throw error;
  }
}
