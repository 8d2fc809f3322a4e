// The list route's query is a named prepared statement on PostgreSQL: the second request of a shape
// binds and runs what the first prepared (issue #19, item 2). One pooled connection, so the
// statements the routes prepared are the ones read back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, createStore, type Database, type Store } from '@attain/store';
import { as, createTenant, login, q, testServer } from './helpers.ts';

const PG = process.env.DATABASE_URL;

describe.skipIf(!PG)('list route with prepared statements (PostgreSQL)', () => {
  let db: Database;
  let store: Store;
  let app: Awaited<ReturnType<typeof testServer>>['app'];

  beforeAll(async () => {
    const pool = process.env.ATTAIN_DB_POOL;
    process.env.ATTAIN_DB_POOL = '1';
    try {
      db = await createDatabase({ databaseUrl: PG, preparedStatements: true });
    } finally {
      if (pool === undefined) delete process.env.ATTAIN_DB_POOL;
      else process.env.ATTAIN_DB_POOL = pool;
    }
    store = await createStore(db, { controlSchema: `attain_ps${process.pid}`, tenantSchemaPrefix: `ps${process.pid}_` });
    ({ app } = await testServer(store, { listCache: { maxBytes: 0 } }));
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    if (db) {
      const schemas = (await db.knex.raw('select schema_name from information_schema.schemata where schema_name = ? or schema_name like ?', [`attain_ps${process.pid}`, `ps${process.pid}\\_%`]))
        .rows as Array<{ schema_name: string }>;
      for (const s of schemas) await db.knex.raw('drop schema ?? cascade', [s.schema_name]);
    }
    await store?.close();
  });

  it('prepares the list query once and answers every filter value through it', async () => {
    const t = await createTenant(store, 'ps');
    const admin = as(app, await login(app, t.name, t.users.admin.email));
    for (const [name, amount] of [
      ['Small', '10.00'],
      ['Mid', '500.00'],
      ['Big', '9000.00'],
    ] as const) {
      expect((await admin.post('/api/v1/objects/deal', { name, amount })).statusCode).toBe(201);
    }
    const statements = async () => ((await db.knex.raw("select name from pg_prepared_statements where name like 'a\\_%'")).rows as Array<{ name: string }>).map((r) => r.name);
    const list = async (gte: string) => {
      const res = await admin.get(`/api/v1/objects/deal?filter=${q({ amount: { gte } })}&sort=amount`);
      expect(res.statusCode).toBe(200);
      return (res.json() as { data: Array<{ name: string }> }).data.map((d) => d.name);
    };
    const before = await statements();
    expect(await list('100')).toEqual(['Mid', 'Big']);
    const after1 = await statements();
    // The list page's query is among the statements the first request prepared.
    expect(after1.filter((n) => !before.includes(n)).length).toBeGreaterThanOrEqual(1);
    expect(await list('1000')).toEqual(['Big']);
    expect(await list('0')).toEqual(['Small', 'Mid', 'Big']);
    // Other values of the same shape added no statement.
    expect(await statements()).toEqual(after1);
  });
});
