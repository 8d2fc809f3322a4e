// The list-response cache: served again only while nothing it depends on moved — the tenant's
// data (any write, on any node), its metadata, the caller's role and record scope.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { changesDelivered, createStore, quoteIdent, sharedTestDatabase } from '@attain/store';
import { ListCache } from '../src/rest/list-cache.ts';
import { as, createTenant, login, q, testServer, type Caller, type TestTenant } from './helpers.ts';
import { baseDocs } from './fixtures/metadata.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;

async function eventually(probe: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'lc');
  admin = as(app, await login(app, t.name, t.users.admin.email));
  await eventually(async () => store.db.changes.healthy);
});
afterAll(async () => {
  await app.close();
});

/**
 * On PostgreSQL the notification of a write this process made arrives after the write returned
 * and moves the version once more: wait for it before reading what the cache keeps.
 */
const settled = () => changesDelivered(store.db);

const names = (body: string): string[] => (JSON.parse(body) as { data: Array<{ name: string }> }).data.map((d) => d.name).sort();
const LIST = `/api/v1/objects/deal?sort=name&limit=50&filter=${q({ amount: { gte: 0 } })}`;

describe('list cache', () => {
  it('serves a repeated list from the cache, byte for byte', async () => {
    expect((await admin.post('/api/v1/objects/deal', { name: 'Alpha', amount: 10 })).statusCode).toBe(201);
    await settled();
    const first = await admin.get(LIST);
    expect(first.statusCode).toBe(200);
    expect(first.headers['x-attain-cache']).toBe('miss');
    const second = await admin.get(LIST);
    expect(second.headers['x-attain-cache']).toBe('hit');
    expect(second.headers['content-type']).toContain('application/json');
    expect(second.body).toBe(first.body);
    // Another query is another entry.
    expect((await admin.get(`${LIST}&total=true`)).headers['x-attain-cache']).toBe('miss');
  });

  it('a write through the API is read back at once', async () => {
    await admin.get(LIST);
    expect((await admin.post('/api/v1/objects/deal', { name: 'Bravo', amount: 20 })).statusCode).toBe(201);
    const after = await admin.get(LIST);
    expect(after.headers['x-attain-cache']).toBe('miss');
    expect(names(after.body)).toContain('Bravo');
  });

  it('a write by another node or straight to the database is seen once it commits', async () => {
    const before = await admin.get(LIST);
    const schema = (await store.tenants.get(t.name))!.schema;
    const table = (await store.registry(t.name)).object('deal')!.table;
    await store.db.knex.raw(`update ${quoteIdent(schema)}.${quoteIdent(table)} set name = 'Charlie' where name = 'Alpha'`);
    await eventually(async () => names((await admin.get(LIST)).body).includes('Charlie'));
    expect(names(before.body)).toContain('Alpha');
  });

  it('never shares an entry across roles or record scopes', async () => {
    const repEast = as(app, await login(app, t.name, t.users.repEast.email));
    const repWest = as(app, await login(app, t.name, t.users.repWest.email));
    expect((await repEast.post('/api/v1/objects/deal', { name: 'East deal', amount: 5 })).statusCode).toBe(201);
    expect((await repWest.post('/api/v1/objects/deal', { name: 'West deal', amount: 5 })).statusCode).toBe(201);
    await settled();
    for (let i = 0; i < 2; i++) {
      expect(names((await repEast.get(LIST)).body)).toEqual(['East deal']);
      expect(names((await repWest.get(LIST)).body)).toEqual(['West deal']);
      expect(names((await admin.get(LIST)).body)).toEqual(expect.arrayContaining(['East deal', 'West deal', 'Bravo']));
    }
    expect((await repEast.get(LIST)).headers['x-attain-cache']).toBe('hit');
    // Hidden fields stay hidden on a hit.
    expect((await repEast.get(LIST)).body).not.toContain('"margin"');
  });

  it('a team scope follows org changes', async () => {
    const manager = as(app, await login(app, t.name, t.users.mgrEast.email));
    const seen = async () => names((await manager.get(LIST)).body);
    expect(await seen()).toContain('East deal');
    expect(await seen()).not.toContain('West deal');
    // Move the west rep under the east manager: the team (read from users) changes, so does the list.
    expect((await admin.patch(`/api/v1/objects/user/${t.users.repWest.id}`, { org_unit_id: t.orgUnits.east1, manager_id: t.users.mgrEast.id })).statusCode).toBe(200);
    expect(await seen()).toContain('West deal');
  });

  it('a metadata change (another node) is a new revision, and a new key', async () => {
    await admin.get(LIST);
    const node2 = await createStore(await sharedTestDatabase(), { controlSchema: store.controlSchema, tenantSchemaPrefix: 'other_', ownsDatabase: false });
    const docs = (baseDocs() as Array<Record<string, unknown>>).map((d) => (d.name === 'deal' ? withField(d) : d));
    await node2.metadata.apply(t.name, docs, { actor: { userId: null, label: 'test' } });
    await eventually(async () => (await admin.get(LIST)).body.includes('"region"'));
  });

  it('is off with maxBytes 0, and keeps nothing larger than its entry bound', async () => {
    const { app: plain } = await testServer(store, { listCache: { maxBytes: 0 } });
    try {
      const caller = as(plain, await login(plain, t.name, t.users.admin.email));
      const res = await caller.get(LIST);
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-attain-cache']).toBeUndefined();
    } finally {
      await plain.close();
    }
    const cache = new ListCache({ maxBytes: 100, maxEntryBytes: 60 });
    cache.set('a', Buffer.from('x'.repeat(40)));
    cache.set('b', Buffer.from('y'.repeat(40)));
    expect(cache.get('a')?.toString()).toBe('x'.repeat(40)); // 80 bytes fit; 'a' is now the most recent
    cache.set('d', Buffer.from('w'.repeat(40))); // 120 > 100: the least recently used ('b') goes
    expect(cache.get('b')).toBeUndefined();
    expect(cache.size).toBe(2);
    cache.set('d', Buffer.from('v'.repeat(30))); // replacing an entry counts its new size only
    cache.set('c', Buffer.from('z'.repeat(70))); // above the entry bound: not kept
    expect(cache.get('c')).toBeUndefined();
    expect(cache.get('a')?.toString()).toBe('x'.repeat(40));
  });
});

function withField(doc: Record<string, unknown>): Record<string, unknown> {
  const schema = doc.schema as { properties: Record<string, unknown> };
  return { ...doc, schema: { ...schema, properties: { ...schema.properties, region: { type: 'string', maxLength: 40, 'x-attain': { id: 'fld_deal_region' } } } } };
}
