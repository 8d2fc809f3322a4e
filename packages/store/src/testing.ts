import { randomBytes } from 'node:crypto';
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
