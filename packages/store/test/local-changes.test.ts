import { beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type LocalChange, type Store } from '../src/index.ts';
import { Ctx } from '../src/context.ts';
import { sharedTestDatabase } from '../src/testing.ts';
import { system, tenantWith } from './fixtures.ts';

let store: Store;

beforeAll(async () => {
  store = await openTestStore();
  await tenantWith(store, 'lc');
});

describe('tenant snapshots', () => {
  it('resolves tenant and registry from one check, and record services without another', async () => {
    const snap = await store.snapshot('lc');
    expect(snap?.tenant.name).toBe('lc');
    expect(snap?.registry.revision).toBe((await store.registry('lc')).revision);
    const sql: string[] = [];
    const listener = (q: { sql: string }) => sql.push(q.sql);
    store.db.knex.on('query', listener);
    try {
      const records = snap?.records({ hiddenFields: new Set(['email']) });
      expect(sql).toHaveLength(0);
      const created = await (await store.records('lc')).create('user', { name: 'Ann', email: 'ann@lc.test' }, system);
      expect(await records?.get('user', created.id)).toEqual(expect.not.objectContaining({ email: expect.anything() }));
    } finally {
      store.db.knex.off('query', listener);
    }
    expect(await store.snapshot('missing')).toBeUndefined();
  });
});

describe('local change announcements', () => {
  it('announces user writes and credential changes after they commit', async () => {
    const seen: LocalChange[] = [];
    const unsubscribe = store.localChanges.subscribe((c) => seen.push(c));
    try {
      const records = await store.records('lc');
      const u = await records.create('user', { name: 'Bo' }, system);
      await records.update('user', u.id, { name: 'Bob' }, system);
      await records.create('account', { name: 'Acme' }, system);
      expect(seen.filter((c) => c.kind === 'user' && c.userId === u.id)).toHaveLength(2);
      expect(seen.every((c) => c.kind === 'user' && c.userId === u.id)).toBe(true);
      await store.auth.upsertCredential({ tenant: 'lc', userId: u.id, email: 'bob@lc.test', passwordHash: 'x', active: true });
      await store.auth.setActive('lc', u.id, false);
      await store.auth.sessions.revoke('0193a3c5-1b7e-7a1c-9d2e-3f4a5b6c7d8e');
      await store.auth.sessions.revokeAllForUser('lc', u.id);
      const token = await store.auth.apiTokens.create({ tenant: 'lc', userId: u.id, name: 't', tokenHash: 'h'.repeat(64) });
      await store.auth.apiTokens.revoke(token.id);
      expect(seen.slice(2)).toEqual([
        { kind: 'user', userId: u.id },
        { kind: 'session', jti: '0193a3c5-1b7e-7a1c-9d2e-3f4a5b6c7d8e' },
        { kind: 'user', userId: u.id },
        { kind: 'token', tokenId: token.id },
      ]);
    } finally {
      unsubscribe();
    }
    const before = seen.length;
    await (await store.records('lc')).create('user', { name: 'Cy' }, system);
    expect(seen).toHaveLength(before);
  });

  it('waits for the commit and says nothing after a rollback', async () => {
    const db = await sharedTestDatabase();
    const ctx = new Ctx(db, store.controlSchema, 'x_');
    const seen: LocalChange[] = [];
    ctx.subscribeLocal((c) => seen.push(c));
    await db.knex.transaction(async (trx) => {
      ctx.announce(trx, [{ kind: 'user', userId: 'a' }]);
      expect(seen).toHaveLength(0);
    });
    expect(seen).toEqual([{ kind: 'user', userId: 'a' }]);
    await expect(
      db.knex.transaction(async (trx) => {
        ctx.announce(trx, [{ kind: 'user', userId: 'b' }]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toHaveLength(1);
    ctx.announce(db.knex, []);
    ctx.announce(db.knex, [{ kind: 'token', tokenId: 't' }]);
    expect(seen).toHaveLength(2);
  });
});
