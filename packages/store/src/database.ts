import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import type { PGlite } from '@electric-sql/pglite';
import { lockDataDir, type DataDirLock } from './data-dir-lock.ts';
import { openEmbedded } from './pglite-open.ts';
import { PgChangeFeed, PgliteChangeFeed, type ChangeFeed } from './change-feed.ts';
import { usePreparedStatements } from './prepared-statements.ts';

export type Dialect = 'pglite' | 'postgres';

export interface Database {
  knex: Knex;
  dialect: Dialect;
  /** Which tenants' data and metadata changed, pushed by the database (see ChangeFeed). */
  changes: ChangeFeed;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string;
  /**
   * Where the change feed LISTENs (a session connection): PostgreSQL itself when `databaseUrl`
   * goes through a pooler in transaction mode. Default: DATABASE_LISTEN_URL, else `databaseUrl`.
   */
  listenUrl?: string;
  dataDir?: string;
  memory?: boolean;
  /**
   * Generated reads as named prepared statements on PostgreSQL (planned once per connection).
   * Default: on, unless ATTAIN_PREPARED_STATEMENTS=0 (e.g. behind a pooler that cannot keep them).
   */
  preparedStatements?: boolean;
}

/**
 * Opens the database: PostgreSQL when a URL is given (or DATABASE_URL is set), otherwise embedded
 * PGlite in a data directory (or in memory for tests). PGlite has exactly one connection, so
 * every query inside a transaction must go through the transaction object.
 */
export async function createDatabase(opts: DatabaseOptions = {}): Promise<Database> {
  const url = opts.databaseUrl ?? (opts.memory || opts.dataDir ? undefined : process.env.DATABASE_URL);
  let knex: Knex;
  let dialect: Dialect;
  let lock: DataDirLock | undefined;
  if (url) {
    knex = knexFactory({
      client: 'pg',
      connection: url,
      pool: {
        min: 0,
        max: Number(process.env.ATTAIN_DB_POOL ?? 10),
        // Formula fields compile to large expressions; PostgreSQL's JIT can spend seconds compiling
        // them for queries that run in milliseconds, so sessions keep it off.
        afterCreate: (conn: { query(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null, conn: unknown) => void) => {
          conn.query('SET jit = off', (err) => done(err, conn));
        },
      },
    });
    dialect = 'postgres';
    if (opts.preparedStatements ?? process.env.ATTAIN_PREPARED_STATEMENTS !== '0') usePreparedStatements(knex);
  } else {
    let connection: { pglite?: PGlite } = {};
    if (!opts.memory) {
      const dir = resolve(opts.dataDir ?? process.env.ATTAIN_DATA_DIR ?? './.attain/data');
      // The lock comes first: a refused opener must leave the directory exactly as it was.
      lock = lockDataDir(dir);
      try {
        mkdirSync(dir, { recursive: true });
        connection = { pglite: await openEmbedded(dir) };
      } catch (error) {
        lock.release();
        throw error;
      }
    }
    // knex-pglite's typings predate knex 3's Client type; the dialect is a knex Client subclass.
    knex = knexFactory({ client: ClientPgLite as unknown as typeof knexFactory.Client, dialect: 'postgres', connection } as Knex.Config);
    dialect = 'pglite';
  }
  let changes: ChangeFeed;
  try {
    await knex.raw('select 1');
    if (url) changes = new PgChangeFeed(opts.listenUrl ?? (process.env.DATABASE_LISTEN_URL || url));
    else {
      // LISTEN now, while no transaction is open on the one connection (inside one it would wait
      // for that transaction's commit, and vanish with its rollback).
      const feed = new PgliteChangeFeed((knex.client as unknown as { pglite: PGlite }).pglite);
      await feed.ready;
      changes = feed;
    }
  } catch (error) {
    await knex.destroy().catch(() => undefined);
    lock?.release();
    throw error;
  }
  let closed = false;
  return {
    knex,
    dialect,
    changes,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await changes.close();
        await knex.destroy();
      } finally {
        lock?.release();
      }
    },
  };
}
