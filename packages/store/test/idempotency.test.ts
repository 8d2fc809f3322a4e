// Idempotency keys of bulk writes: claimed once per tenant, replayed, refused for another body,
// released on failure, and forgotten after 24 h.
import { beforeAll, describe, expect, it } from 'vitest';
import { IDEMPOTENCY_TTL_MS, openTestStore, type Store } from '../src/index.ts';

let store: Store;
const tenant = `idem${process.pid}`;
const other = `idemb${process.pid}`;

beforeAll(async () => {
  store = await openTestStore();
  await store.tenants.create(tenant);
  await store.tenants.create(other);
});

describe('idempotency keys', () => {
  it('claims a key once, answers its result to the same request and refuses another', async () => {
    const keys = store.idempotency;
    expect(await keys.claim(tenant, 'k1', 'scope', 'h1')).toEqual({ state: 'new' });
    expect(await keys.claim(tenant, 'k1', 'scope', 'h1')).toEqual({ state: 'running' });
    await keys.finish(tenant, 'k1', { ok: [1, 2] });
    expect(await keys.claim(tenant, 'k1', 'scope', 'h1')).toEqual({ state: 'done', result: { ok: [1, 2] } });
    expect(await keys.claim(tenant, 'k1', 'scope', 'h2')).toEqual({ state: 'mismatch' });
    expect(await keys.claim(tenant, 'k1', 'other-scope', 'h1')).toEqual({ state: 'mismatch' });
    // Keys are per tenant.
    expect(await keys.claim(other, 'k1', 'scope', 'h2')).toEqual({ state: 'new' });
    await expect(keys.claim(tenant, '', 'scope', 'h1')).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('releases an unfinished claim, never a finished one', async () => {
    const keys = store.idempotency;
    await keys.claim(tenant, 'k2', 's', 'h');
    await keys.release(tenant, 'k2');
    expect(await keys.claim(tenant, 'k2', 's', 'other')).toEqual({ state: 'new' });
    await keys.finish(tenant, 'k2', 1);
    await keys.release(tenant, 'k2');
    expect(await keys.claim(tenant, 'k2', 's', 'other')).toEqual({ state: 'done', result: 1 });
  });

  it('forgets keys after 24 hours', async () => {
    const keys = store.idempotency;
    await keys.claim(tenant, 'old', 's', 'h');
    await keys.finish(tenant, 'old', 'first');
    await store.db.knex
      .withSchema(store.controlSchema)
      .table('idempotency_keys')
      .where({ key: 'old' })
      .update({ created_at: new Date(Date.now() - IDEMPOTENCY_TTL_MS - 1000) });
    expect(await keys.claim(tenant, 'old', 's', 'another body')).toEqual({ state: 'new' });
    await store.db.knex
      .withSchema(store.controlSchema)
      .table('idempotency_keys')
      .where({ key: 'k1' })
      .update({ created_at: new Date(Date.now() - IDEMPOTENCY_TTL_MS - 1000) });
    expect(await keys.prune(new Date(Date.now() - IDEMPOTENCY_TTL_MS))).toBe(2);
  });
});
