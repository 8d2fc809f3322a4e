import { randomBytes } from 'node:crypto';
import { CHANGE_CHANNEL } from './change-feed.ts';
import { createDatabase, type Database } from './database.ts';
import { createStore } from './store.ts';
import type { Store } from './types.ts';

const KEY = Symbol.for('attain.store.testDatabase');
type Holder = { [KEY]?: Promise<Database> };

/**
 * One database per test process (PGlite costs seconds and hundreds of MB to open), shared by
 * every test file of the worker; PostgreSQL when DATABASE_URL is set, else PGlite in memory.
 */
export function sharedTestDatabase(): Promise<Database> {
  const holder = globalThis as Holder;
  holder[KEY] ??= process.env.DATABASE_URL ? createDatabase({ databaseUrl: process.env.DATABASE_URL }) : createDatabase({ memory: true });
  return holder[KEY];
}

/** A store with a fresh, unique control schema and tenant prefix on the shared test database. */
export async function openTestStore(): Promise<Store> {
  const db = await sharedTestDatabase();
  const id = randomBytes(5).toString('hex');
  return createStore(db, { controlSchema: `attain_t${id}`, tenantSchemaPrefix: `t${id}_`, ownsDatabase: false });
}

/**
 * Resolves once every change notification committed so far has reached this process's feed.
 * PostgreSQL delivers notifications in commit order, so when one sent now has arrived (it names a
 * schema nothing else uses), all earlier ones have: tests wait on this instead of sleeping and
 * hoping a busy machine was quick enough.
 */
export async function changesDelivered(db: Database, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  const wait = async (done: () => boolean, what: string) => {
    while (!done()) {
      if (Date.now() > until) throw new Error(`change feed: ${what} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  await wait(() => db.changes.healthy, 'not listening');
  const marker = `barrier_${randomBytes(5).toString('hex')}`;
  const before = db.changes.dataVersion(marker) ?? 0;
  await db.knex.raw('select pg_notify(?, ?)', [CHANGE_CHANNEL, `d:${marker}`]);
  await wait(() => (db.changes.dataVersion(marker) ?? 0) > before, 'a notification sent now did not arrive');
}
