// The change feed: versions per tenant schema pushed by the database (LISTEN/NOTIFY from the
// change triggers) and bumped by this process's own commits, and the revision check it spares.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PGlite } from '@electric-sql/pglite';
import { changesDelivered, createStore, openTestStore, quoteIdent, type Store } from '../src/index.ts';
import { PgChangeFeed, PgliteChangeFeed } from '../src/change-feed.ts';
import { accountDoc, baseDocs, dealDoc, system, tenantWith, userDoc } from './fixtures.ts';

let store: Store;
let schema: string;
const onPostgres = Boolean(process.env.DATABASE_URL);

/** Waits (bounded) until `probe` holds: notifications from PostgreSQL arrive asynchronously. */
async function eventually(probe: () => boolean, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

beforeAll(async () => {
  store = await openTestStore();
  await tenantWith(store, 'cf');
  schema = (await store.tenants.get('cf'))!.schema;
  await eventually(() => store.db.changes.healthy);
});

describe('change feed', () => {
  it('moves a tenant’s data version on every write, through the API or raw SQL, and no other tenant’s', async () => {
    await tenantWith(store, 'cf_other');
    const other = (await store.tenants.get('cf_other'))!.schema;
    const feed = store.db.changes;
    await changesDelivered(store.db); // the new tenant's own notifications land first
    const otherBefore = feed.dataVersion(other);
    const v0 = feed.dataVersion(schema)!;
    const records = await store.records('cf');
    await records.create('account', { name: 'Acme' }, system);
    // Own writes: visible as soon as the write resolves, no notification needed.
    const v1 = feed.dataVersion(schema)!;
    expect(v1).toBeGreaterThan(v0);
    // A write that bypasses the store (another tool, another node) comes through the trigger.
    const table = (await store.registry('cf')).object('account')!.table;
    await store.db.knex.raw(`update ${quoteIdent(schema)}.${quoteIdent(table)} set name = name`);
    await eventually(() => feed.dataVersion(schema)! > v1);
    expect(feed.dataVersion(other)).toBe(otherBefore);
  });

  it('a rolled-back write changes nothing', async () => {
    const feed = store.db.changes;
    const records = await store.records('cf');
    await records.create('account', { name: 'Settle' }, system);
    await changesDelivered(store.db); // that write's own notification lands first
    const before = feed.dataVersion(schema);
    const table = (await store.registry('cf')).object('account')!.table;
    await expect(
      store.db.knex.transaction(async (trx) => {
        await trx.raw(`update ${quoteIdent(schema)}.${quoteIdent(table)} set name = name`);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await changesDelivered(store.db); // had the rollback notified, it would have arrived by now
    expect(feed.dataVersion(schema)).toBe(before);
  });

  it('a metadata apply moves the meta version, and another node’s apply is seen without a revision query per call', async () => {
    const feed = store.db.changes;
    const m0 = feed.metaVersion(schema)!;
    await store.metadata.apply('cf', [userDoc(), { ...accountDoc(), label: { en: 'Client' } }, dealDoc()], { actor: system });
    expect(feed.metaVersion(schema)!).toBeGreaterThan(m0);
    const revision = (await store.registry('cf')).revision;

    // Warm: the second read trusts the first while nothing moved, so no query runs.
    await store.snapshot('cf');
    await store.snapshot('cf');
    const sql: string[] = [];
    const listener = (q: { sql: string }) => sql.push(q.sql);
    store.db.knex.on('query', listener);
    try {
      expect((await store.snapshot('cf'))?.registry.revision).toBe(revision);
      expect(sql).toEqual([]);
    } finally {
      store.db.knex.off('query', listener);
    }

    // A second store on the same database stands for another node.
    const node2 = await createStore(store.db, { controlSchema: store.controlSchema, tenantSchemaPrefix: 'unused_', ownsDatabase: false });
    await node2.metadata.apply('cf', baseDocs(), { actor: system });
    await eventually(() => feed.metaVersion(schema)! > m0 + 1);
    expect((await store.snapshot('cf'))?.registry.revision).toBe(revision + 1);
  });

  it('answers nothing once closed, so callers go to the database', async () => {
    // A second feed on the same database (a fresh PGlite would cost seconds and hundreds of MB).
    const pglite = (store.db.knex.client as unknown as { pglite?: PGlite }).pglite;
    const feed = onPostgres ? new PgChangeFeed(process.env.DATABASE_URL!) : new PgliteChangeFeed(pglite!);
    await eventually(() => feed.healthy);
    expect(feed.dataVersion('any')).toBeTypeOf('number');
    feed.bumpData('any');
    feed.bumpMeta('any');
    expect(feed.metaVersion('any')).toBe(feed.dataVersion('any'));
    await feed.close();
    expect(feed.healthy).toBe(false);
    expect(feed.dataVersion('any')).toBeUndefined();
    expect(feed.metaVersion('any')).toBeUndefined();
  });

  it.skipIf(!onPostgres)('reconnects after the listening connection is killed, and forgets every version', async () => {
    const feed = store.db.changes;
    const before = feed.dataVersion(schema)!;
    await store.db.knex.raw(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'attain-change-feed-${process.pid}'`);
    await eventually(() => !feed.healthy || feed.dataVersion(schema)! > before);
    await eventually(() => feed.healthy);
    expect(feed.dataVersion(schema)!).toBeGreaterThan(before);
    // And it listens again.
    const v = feed.dataVersion(schema)!;
    const table = (await store.registry('cf')).object('account')!.table;
    await store.db.knex.raw(`update ${quoteIdent(schema)}.${quoteIdent(table)} set name = name`);
    await eventually(() => feed.dataVersion(schema)! > v);
  });
});

afterAll(async () => {
  await store.close();
});
