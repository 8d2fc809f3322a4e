import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createStore, sharedTestDatabase } from '@attain/store';
import { PrincipalCache } from '../src/auth/principal-cache.ts';
import { as, createTenant, login, testServer, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'ac');
});
afterAll(async () => {
  await app.close();
});

/** Another node: its own store (own caches and local announcements) over the same database. */
async function otherNode(): Promise<Store> {
  return (await createStore(await sharedTestDatabase(), { controlSchema: store.controlSchema, tenantSchemaPrefix: 'other_', ownsDatabase: false })) as unknown as Store;
}

describe('per-request round trips', () => {
  it('a warm list request makes only its own query: the change feed spares the revision check', async () => {
    const admin = as(app, await login(app, t.name, t.users.admin.email));
    expect((await admin.get('/api/v1/objects/deal?limit=5')).statusCode).toBe(200);
    const sql: string[] = [];
    const listener = (q: { sql: string }) => sql.push(q.sql);
    store.db.knex.on('query', listener);
    try {
      expect((await admin.get('/api/v1/objects/deal?limit=5&sort=-amount')).statusCode).toBe(200);
    } finally {
      store.db.knex.off('query', listener);
    }
    expect(sql).toHaveLength(1);
    expect(sql[0]).not.toMatch(/"tenants"/);
  });
});

describe('session and user cache', () => {
  it('applies a role change made on this node at once', async () => {
    const user = as(app, await login(app, t.name, t.users.repWest.email));
    const admin = as(app, await login(app, t.name, t.users.admin.email));
    expect((await user.get('/api/v1/objects/customer')).statusCode).toBe(200);
    const deal = await user.get('/api/v1/objects/deal');
    expect(JSON.stringify(deal.json())).not.toContain('"margin"');
    expect((await admin.patch(`/api/v1/objects/user/${t.users.repWest.id}`, { role: 'finance' })).statusCode).toBe(200);
    expect((await user.get('/api/v1/auth/me')).json().role.name).toBe('finance');
    expect((await admin.patch(`/api/v1/objects/user/${t.users.repWest.id}`, { role: 'rep' })).statusCode).toBe(200);
    expect((await user.get('/api/v1/auth/me')).json().role.name).toBe('rep');
    expect(JSON.stringify((await user.get('/api/v1/objects/deal')).json())).not.toContain('"margin"');
  });

  it('sees a logout on another node within the TTL, and at once without a cache', async () => {
    const other = await otherNode();
    const cached = await testServer(store, { authCacheMs: 2000 });
    const uncached = await testServer(store, { authCacheMs: 0 });
    try {
      const token = await login(app, t.name, t.users.finance.email);
      expect((await as(cached.app, token).get('/api/v1/auth/me')).statusCode).toBe(200);
      expect((await as(uncached.app, token).get('/api/v1/auth/me')).statusCode).toBe(200);
      const jti = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).jti as string;
      await other.auth.sessions.revoke(jti);
      // The other node's announcement does not reach this process's store: bounded by the TTL.
      expect((await as(cached.app, token).get('/api/v1/auth/me')).statusCode).toBe(200);
      const res = await as(uncached.app, token).get('/api/v1/auth/me');
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('session_revoked');
    } finally {
      await cached.app.close();
      await uncached.app.close();
      await other.close();
    }
  });

  it('drops an expired entry and re-checks the session', async () => {
    const other = await otherNode();
    const short = await testServer(store, { authCacheMs: 20 });
    try {
      const token = await login(app, t.name, t.users.mgrEast.email);
      expect((await as(short.app, token).get('/api/v1/auth/me')).statusCode).toBe(200);
      const jti = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).jti as string;
      await other.auth.sessions.revoke(jti);
      await new Promise((r) => setTimeout(r, 60));
      expect((await as(short.app, token).get('/api/v1/auth/me')).statusCode).toBe(401);
    } finally {
      await short.app.close();
      await other.close();
    }
  });

  it('stops an API token revoked through this node at once, and a deactivated user of a cached token', async () => {
    const session = as(app, await login(app, t.name, t.users.repEast.email));
    const created = (await session.post('/api/v1/auth/tokens', { name: 'ci' })).json() as { token: string; id: string };
    const viaToken = as(app, created.token);
    expect((await viaToken.get('/api/v1/auth/me')).statusCode).toBe(200);
    expect((await viaToken.get('/api/v1/auth/me')).json().via).toBe('token');
    await store.auth.setActive(t.name, t.users.repEast.id, false);
    await store.auth.setActive(t.name, t.users.repEast.id, true);
    // Deactivation ends every credential of the user, API tokens included, for good.
    expect((await session.get('/api/v1/auth/me')).statusCode).toBe(401);
    expect((await viaToken.get('/api/v1/auth/me')).statusCode).toBe(401);
    const again = as(app, await login(app, t.name, t.users.repEast.email));
    const second = (await again.post('/api/v1/auth/tokens', { name: 'ci2' })).json() as { token: string; id: string };
    const viaSecond = as(app, second.token);
    expect((await viaSecond.get('/api/v1/auth/me')).statusCode).toBe(200);
    await store.auth.apiTokens.revoke(second.id);
    expect((await viaSecond.get('/api/v1/auth/me')).statusCode).toBe(401);
  });

  it('sees a metadata change on every request, whatever the cache holds', async () => {
    const user = as(app, await login(app, t.name, t.users.admin.email));
    const before = (await user.get('/api/v1/auth/me')).json().tenant.revision as number;
    const other = await otherNode();
    try {
      const docs = (await other.metadata.revision(t.name, before)).docs as Array<Record<string, unknown>>;
      const changed = docs.map((d) => (d.kind === 'object' && d.name === 'customer' ? { ...d, label: { en: 'Client' } } : d));
      await other.metadata.apply(t.name, changed, { actor: { userId: null, label: 'test' } });
    } finally {
      await other.close();
    }
    const after = (await user.get('/api/v1/auth/me')).json().tenant.revision as number;
    expect(after).toBe(before + 1);
  });
});

describe('PrincipalCache', () => {
  const entry = (userId: string, extra: object = {}) => ({ tenant: 'x', tenantId: 'tid', userId, user: {}, revision: 1, ...extra });

  it('does not store what was read before an invalidation', () => {
    const cache = new PrincipalCache(1000);
    const epoch = cache.epoch;
    cache.invalidate({ kind: 'user', userId: 'u1' });
    cache.set('k', entry('u2'), epoch);
    expect(cache.get('k')).toBeUndefined();
    cache.set('k', entry('u2'), cache.epoch);
    expect(cache.get('k')?.userId).toBe('u2');
  });

  it('invalidates by user, session and token, expires, and stays bounded', () => {
    const cache = new PrincipalCache(1000, 3);
    cache.set('a', entry('U1'), cache.epoch);
    cache.set('b', entry('u2', { sessionId: 's2' }), cache.epoch);
    cache.set('c', entry('u3', { tokenId: 't3' }), cache.epoch);
    cache.invalidate({ kind: 'user', userId: 'u1' });
    cache.invalidate({ kind: 'session', jti: 's2' });
    cache.invalidate({ kind: 'token', tokenId: 't3' });
    expect(cache.size).toBe(0);
    for (const k of ['d', 'e', 'f', 'g']) cache.set(k, entry(k), cache.epoch);
    expect(cache.size).toBeLessThanOrEqual(3);
    expect(cache.get('g')).toBeDefined();
    cache.set('late', entry('z'), cache.epoch, Date.now() - 1);
    expect(cache.get('late')).toBeUndefined();
    const off = new PrincipalCache(0);
    off.set('k', entry('u'), off.epoch);
    expect(off.get('k')).toBeUndefined();
  });
});
