import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, createStore, openTestStore, StoreError, uuidv7, type Store } from '../src/index.ts';
import { sharedTestDatabase } from '../src/testing.ts';
import { err, system, tenantWith } from './fixtures.ts';

let store: Store;

beforeAll(async () => {
  store = await openTestStore();
});

describe('tenants', () => {
  it('creates, lists and refuses bad or duplicate names', async () => {
    const t = await store.tenants.create('north', { label: 'North' });
    expect(t).toMatchObject({ name: 'north', label: 'North', revision: 0 });
    expect(t.schema.endsWith('north')).toBe(true);
    expect((await store.tenants.get('north'))?.id).toBe(t.id);
    expect(await store.tenants.get('missing')).toBeUndefined();
    expect((await err(store.tenants.create('north'))).code).toBe('tenant_exists');
    expect((await err(store.tenants.create('Bad-Name'))).code).toBe('validation_failed');
    expect((await err(store.tenants.create('select'))).code).toBe('validation_failed');
    expect((await err(store.tenants.create('a'.repeat(60)))).code).toBe('validation_failed');
    expect((await store.tenants.list()).map((x) => x.name)).toEqual(['north']);
    expect((await err(store.registry('missing'))).code).toBe('not_found');
  });

  it('keeps tenants apart: same object, no cross reads', async () => {
    await tenantWith(store, 'east');
    await tenantWith(store, 'west');
    const east = await store.records('east');
    const west = await store.records('west');
    const a = await east.create('account', { name: 'East only' }, system);
    expect(await west.get('account', a.id)).toBeUndefined();
    expect(await west.count('account')).toBe(0);
    expect((await err(west.update('account', a.id, { name: 'x' }, system))).code).toBe('not_found');
    expect((await east.list('account')).data.map((x) => x.name)).toEqual(['East only']);
    expect(await store.audit.list('west', { recordId: a.id })).toEqual([]);
  });

  it('sees metadata changes made through another store on the same database', async () => {
    const other = await createStore(store.db, { controlSchema: store.controlSchema, tenantSchemaPrefix: (await store.tenants.get('east'))?.schema.replace(/east$/, '') ?? '', ownsDatabase: false });
    const before = await store.registry('east');
    const docs = before.docs.map((d) => structuredClone(d)) as unknown as Array<{ kind: string; name: string; label: Record<string, string> }>;
    (docs.find((d) => d.name === 'account') as { label: Record<string, string> }).label = { en: 'Customer account' };
    await other.metadata.apply('east', docs, { actor: system });
    const after = await store.registry('east');
    expect(after.revision).toBe(before.revision + 1);
    expect(after.object('account')?.label.en).toBe('Customer account');
    expect(await store.registry('east')).toBe(after);
    await other.close();
  });

  it('opens databases and rejects bad options', async () => {
    expect((await sharedTestDatabase()).dialect).toBe(process.env.DATABASE_URL ? 'postgres' : 'pglite');
    await expect(createStore(store.db, { tenantSchemaPrefix: 'Bad Prefix' })).rejects.toThrow(StoreError);
    await expect(createStore(store.db, { controlSchema: 'x"; drop' })).rejects.toThrow();
    // control migrations are idempotent
    await createStore(store.db, { controlSchema: store.controlSchema, ownsDatabase: false });
    await store.close();
    expect(await store.tenants.get('north')).toBeDefined();
  });

  it('opens and closes an embedded database in a data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attain-store-'));
    const db = await createDatabase({ dataDir: dir });
    expect(db.dialect).toBe('pglite');
    const own = await createStore(db);
    await own.tenants.create('solo');
    await own.close();
    const again = await createDatabase({ dataDir: dir });
    const reopened = await createStore(again);
    expect((await reopened.tenants.get('solo'))?.name).toBe('solo');
    await reopened.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!process.env.DATABASE_URL)('connects to PostgreSQL by URL', async () => {
    const db = await createDatabase({ databaseUrl: process.env.DATABASE_URL });
    expect(db.dialect).toBe('postgres');
    await db.close();
    await db.close();
  });
});

describe('auth', () => {
  it('stores credentials, tokens and sessions per tenant', async () => {
    const userId = uuidv7();
    await store.auth.credentials.upsertCredential({ tenant: 'north', userId, email: 'Ann@Example.com', passwordHash: 'h1', active: true });
    await store.auth.upsertCredential({ tenant: 'north', userId, email: 'ann@example.com', passwordHash: 'h2', active: true });
    expect(await store.auth.findCredential('north', 'ANN@example.com')).toEqual({ tenant: 'north', userId, email: 'ann@example.com', passwordHash: 'h2', active: true });
    expect(await store.auth.findCredential('north', 'nobody@example.com')).toBeUndefined();
    expect((await err(store.auth.upsertCredential({ tenant: 'north', userId: uuidv7(), email: 'ann@example.com', passwordHash: 'h', active: true }))).code).toBe('conflict');
    expect((await err(store.auth.upsertCredential({ tenant: 'north', userId, email: '', passwordHash: 'h', active: true }))).code).toBe('validation_failed');

    const token = await store.auth.apiTokens.create({ tenant: 'north', userId, name: 'ci', tokenHash: 'hash-1' });
    await store.auth.apiTokens.create({ tenant: 'north', userId, name: 'old', tokenHash: 'hash-2', expiresAt: new Date(Date.now() - 1000) });
    expect((await store.auth.apiTokens.findByHash('hash-1'))?.id).toBe(token.id);
    expect(await store.auth.apiTokens.findByHash('hash-2')).toBeUndefined();
    await store.auth.apiTokens.touch(token.id);
    await store.auth.apiTokens.touch('nope');
    expect((await store.auth.apiTokens.list('north', userId)).map((t) => t.name).sort()).toEqual(['ci', 'old']);
    expect((await store.auth.apiTokens.list('north')).length).toBe(2);
    await store.auth.apiTokens.revoke(token.id);
    expect(await store.auth.apiTokens.findByHash('hash-1')).toBeUndefined();
    expect((await err(store.auth.apiTokens.revoke(token.id))).code).toBe('not_found');
    expect((await err(store.auth.apiTokens.revoke('x'))).code).toBe('not_found');

    await store.auth.sessions.create({ tenant: 'north', userId, jti: 'j1', expiresAt: new Date(Date.now() + 60_000) });
    await store.auth.sessions.create({ tenant: 'north', userId, jti: 'j2', expiresAt: new Date(Date.now() + 60_000).toISOString() });
    expect(await store.auth.sessions.isActive('j1')).toBe(true);
    await store.auth.sessions.revoke('j1');
    expect(await store.auth.sessions.isActive('j1')).toBe(false);
    expect(await store.auth.sessions.isActive(5 as never)).toBe(false);
    await store.auth.setActive('north', userId, false);
    expect(await store.auth.sessions.isActive('j2')).toBe(false);
    expect((await store.auth.findCredential('north', 'ann@example.com'))?.active).toBe(false);
    await store.auth.sessions.create({ tenant: 'north', userId, jti: 'j3', expiresAt: new Date(Date.now() + 60_000) });
    expect(await store.auth.sessions.revokeAllForUser('north', userId)).toBe(1);
    expect((await err(store.auth.setActive('north', 'nobody', true))).code).toBe('not_found');
    expect((await err(store.auth.findCredential('missing', 'x'))).code).toBe('not_found');
  });
});
