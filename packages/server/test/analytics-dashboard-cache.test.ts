// The dashboard answer cache through HTTP: a repeated open is served from the cache byte for byte,
// and only while nothing it depends on moved — a write through the API, a write by another node
// (a second server on the same database, PostgreSQL) or straight to the database, the viewer's
// record scope (each viewer their own figures; a team follows org changes), and the document of a
// built dashboard (kept outside the object tables).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { changesDelivered, createDatabase, createStore, quoteIdent, type Database } from '@attain/store';
import { AnswerCache } from '../src/modules/analytics/answer-cache.ts';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

const PG = process.env.DATABASE_URL;
const actor = { userId: null, label: 'test' };
let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;
let mgr: Caller;
let repEast: Caller;
let repWest: Caller;

const board = {
  kind: 'analytics.dashboard',
  id: 'dash_cache_totals',
  name: 'cache_totals',
  label: { en: 'Totals' },
  widgets: [
    { id: 'total', chart: 'kpi', question: { object: 'deal', measures: [{ name: 'amount', op: 'sum', field: 'amount' }] }, layout: { x: 0, y: 0, w: 6, h: 2 } },
    { id: 'by_stage', chart: 'bar', question: { object: 'deal', groups: [{ field: 'stage' }], measures: [{ name: 'deals', op: 'count' }] }, layout: { x: 6, y: 0, w: 6, h: 4 } },
  ],
  sharedWith: ['manager', 'rep'],
};

async function eventually(probe: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const open = async (c: Caller, name = 'cache_totals', body: Record<string, unknown> = {}) => {
  const res = await c.post(`/api/v1/analytics/dashboards/${name}/run`, body);
  expect(res.statusCode, res.body).toBe(200);
  const widgets = res.json().data.widgets as Array<{ id: string; result: { totals: { values: Record<string, string | number | null> } } }>;
  const total = widgets.find((w) => w.id === 'total')?.result.totals.values.amount ?? null;
  return { cache: res.headers['x-attain-cache'], body: res.body, total: total === null ? null : Number(total) };
};

/** On PostgreSQL the notification of this process's own write arrives after it returned: wait for it. */
const settled = () => changesDelivered(store.db);

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'dc');
  const { baseDocs } = await import('./fixtures/metadata.ts');
  await store.metadata.apply(t.name, [...baseDocs(), board], { actor });
  const records = await store.records(t.name);
  await records.create('deal', { name: 'e1', owner_id: t.users.repEast.id, amount: 100, stage: 'open' }, actor);
  await records.create('deal', { name: 'e2', owner_id: t.users.repEast2.id, amount: 20, stage: 'won' }, actor);
  await records.create('deal', { name: 'w1', owner_id: t.users.repWest.id, amount: 5, stage: 'won' }, actor);
  admin = as(app, await login(app, t.name, t.users.admin.email));
  mgr = as(app, await login(app, t.name, t.users.mgrEast.email));
  repEast = as(app, await login(app, t.name, t.users.repEast.email));
  repWest = as(app, await login(app, t.name, t.users.repWest.email));
  await eventually(async () => store.db.changes.healthy);
  await settled();
});
afterAll(async () => {
  await app.close();
});

describe('dashboard answer cache', () => {
  it('serves a repeated open from the cache, byte for byte', async () => {
    const first = await open(admin);
    expect(first.cache).toBe('miss');
    expect(first.total).toBe(125);
    const second = await open(admin);
    expect(second.cache).toBe('hit');
    expect(second.body).toBe(first.body);
    // Other filters or another day are other questions.
    expect((await open(admin, 'cache_totals', { asOf: '2026-01-01' })).cache).toBe('miss');
  });

  it('each viewer gets their own scope, also on a hit', async () => {
    for (let i = 0; i < 2; i++) {
      expect((await open(repEast)).total).toBe(100);
      expect((await open(repWest)).total).toBe(5);
      expect((await open(mgr)).total).toBe(120);
      expect((await open(admin)).total).toBe(125);
    }
    expect((await open(repEast)).cache).toBe('hit');
    expect((await open(repWest)).cache).toBe('hit');
  });

  it("GraphQL answers from the same cache entry as REST, in each viewer's scope, and follows a write", async () => {
    const gql = async (c: Caller) => {
      const res = await c.post('/graphql', { query: '{ analyticsDashboard(name: "cache_totals") }' });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().data.analyticsDashboard as unknown;
    };
    const rest = await open(repEast);
    expect(await gql(repEast)).toEqual(JSON.parse(rest.body).data);
    // The REST route's entry is the one GraphQL filled or read: still a hit, the same bytes.
    const again = await open(repEast);
    expect(again.cache).toBe('hit');
    expect(again.body).toBe(rest.body);
    expect(JSON.stringify(await gql(admin))).not.toBe(JSON.stringify(await gql(repEast)));
    const res = await admin.post('/api/v1/objects/deal', { name: 'g1', amount: 7, stage: 'open', owner_id: t.users.repWest.id });
    expect(res.statusCode, res.body).toBe(201);
    await settled();
    const after = (await gql(repWest)) as { widgets: Array<{ id: string; result: { totals: { values: { amount: string } } } }> };
    expect(Number(after.widgets.find((w) => w.id === 'total')?.result.totals.values.amount)).toBe(12);
    await admin.del(`/api/v1/objects/deal/${res.json().id}`);
    await settled();
  });

  it('a write through the API is read back at once', async () => {
    await open(admin);
    const res = await admin.post('/api/v1/objects/deal', { name: 'e3', amount: 1000, stage: 'open', owner_id: t.users.repEast.id });
    expect(res.statusCode, res.body).toBe(201);
    const after = await open(admin);
    expect(after.cache).toBe('miss');
    expect(after.total).toBe(1125);
    expect((await open(repEast)).total).toBe(1100);
    expect((await open(repWest)).total).toBe(5);
  });

  it('a write straight to the database (another node, a tool) is seen once it commits', async () => {
    await settled();
    await open(admin);
    expect((await open(admin)).cache).toBe('hit');
    const schema = (await store.tenants.get(t.name))?.schema as string;
    const table = (await store.registry(t.name)).object('deal')?.table as string;
    await store.db.knex.raw(`update ${quoteIdent(schema)}.${quoteIdent(table)} set amount = 1 where name = ?`, ['w1']);
    await eventually(async () => (await open(admin)).total === 1121);
    expect((await open(repWest)).total).toBe(1);
  });

  it("a team follows org changes: the manager's figures move with the people", async () => {
    expect((await open(mgr)).total).toBe(1120);
    expect((await admin.patch(`/api/v1/objects/user/${t.users.repWest.id}`, { org_unit_id: t.orgUnits.east1, manager_id: t.users.mgrEast.id })).statusCode).toBe(200);
    expect((await open(mgr)).total).toBe(1121);
  });

  it('a built dashboard changed by its owner answers for its new document', async () => {
    const built = {
      label: { en: 'Mine' },
      widgets: [{ id: 'total', chart: 'kpi', question: { object: 'deal', measures: [{ name: 'amount', op: 'sum', field: 'amount' }] }, layout: { x: 0, y: 0, w: 6, h: 2 } }],
    };
    const res = await admin.post('/api/v1/analytics/dashboards', built);
    expect(res.statusCode, res.body).toBe(201);
    const name = res.json().data.name as string;
    await settled();
    expect((await open(admin, name)).total).toBe(1121);
    await settled();
    await open(admin, name);
    expect((await open(admin, name)).cache).toBe('hit');
    const filtered = { ...built, widgets: [{ ...built.widgets[0], question: { ...built.widgets[0]?.question, filter: { stage: { eq: 'won' } } } }], version: 1 };
    expect((await admin.put(`/api/v1/analytics/dashboards/${name}`, filtered)).statusCode).toBe(200);
    expect((await open(admin, name)).total).toBe(21);
  });

  it('a report answer is cached the same way; files are made afresh', async () => {
    const report = { object: 'deal', measures: [{ name: 'amount', op: 'sum', field: 'amount' }] };
    const ask = async (c: Caller, format = '') => {
      const res = await c.post(`/api/v1/analytics/query${format}`, { report });
      expect(res.statusCode, res.body).toBe(200);
      return res;
    };
    const total = (res: { json(): { data: { totals: { values: { amount: string } } } } }) => Number(res.json().data.totals.values.amount);
    await settled();
    const first = await ask(admin);
    expect((await ask(admin)).headers['x-attain-cache']).toBe('hit');
    expect(total(await ask(repEast))).toBe(1100);
    expect((await ask(admin, '?format=csv')).headers['x-attain-cache']).toBeUndefined();
    const res = await admin.post('/api/v1/objects/deal', { name: 'e4', amount: 3, stage: 'open', owner_id: t.users.repEast.id });
    expect(res.statusCode, res.body).toBe(201);
    expect(total(await ask(admin))).toBe(total(first) + 3);
    expect(total(await ask(repEast))).toBe(1103);
  });

  it('refuses bad filters before any key is made', async () => {
    const res = await admin.post('/api/v1/analytics/dashboards/cache_totals/run', { filters: { nope: 'x' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('unknown_filter');
  });
});

describe.skipIf(!PG)('dashboard answer cache across nodes (PostgreSQL: a second server on the same database)', () => {
  let db2: Database;
  let store2: Store;
  let app2: FastifyInstance;

  beforeAll(async () => {
    // Its own pool and its own change feed (LISTEN connection), as another process would have.
    db2 = await createDatabase({ databaseUrl: PG });
    store2 = (await createStore(db2, { controlSchema: store.controlSchema, tenantSchemaPrefix: 'node2_', ownsDatabase: true })) as unknown as Store;
    ({ app: app2 } = await testServer(store2));
    await eventually(async () => db2.changes.healthy);
  });
  afterAll(async () => {
    await app2.close();
    await store2.close();
  });

  it('a write on the second node changes the first node’s answer', async () => {
    await settled();
    const before = await open(admin);
    expect((await open(admin)).body).toBe(before.body);
    const other = as(app2, await login(app2, t.name, t.users.admin.email));
    // The second node answers from its own cache too, with the same figures.
    expect((await open(other)).total).toBe(before.total);
    expect((await other.post('/api/v1/objects/deal', { name: 'node2 deal', amount: 7, stage: 'open' })).statusCode).toBe(201);
    await eventually(async () => (await open(admin)).total === (before.total as number) + 7);
  });
});

describe('AnswerCache', () => {
  it('runs a key once for concurrent misses, keeps nothing larger than its entry bound, and is off at 0 bytes', async () => {
    const cache = new AnswerCache({ maxBytes: 1000, maxEntryBytes: 100 });
    let runs = 0;
    const slow = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 20));
      return { n: runs };
    };
    const [a, b] = await Promise.all([cache.answer('k', slow), cache.answer('k', slow)]);
    expect(runs).toBe(1);
    expect(a.body.equals(b.body)).toBe(true);
    expect((await cache.answer('k', slow)).hit).toBe(true);
    // Too large to keep: runs every time.
    const big = async () => ({ text: 'x'.repeat(200) });
    expect((await cache.answer('big', big)).hit).toBe(false);
    expect((await cache.answer('big', big)).hit).toBe(false);
    // The oldest entries leave once the byte bound is passed.
    for (let i = 0; i < 30; i++) await cache.answer(`e${i}`, async () => ({ text: 'y'.repeat(60) }));
    expect((await cache.answer('k', slow)).hit).toBe(false);
    // A failed run is not kept: the next one runs again.
    await expect(cache.answer('bad', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect((await cache.answer('bad', async () => ({ ok: true }))).hit).toBe(false);
    expect(new AnswerCache({ maxBytes: 0, maxEntryBytes: 0 }).enabled).toBe(false);
    expect((await new AnswerCache({ maxBytes: 0, maxEntryBytes: 0 }).answer(undefined, async () => 1)).body.toString()).toBe('1');
  });
});
