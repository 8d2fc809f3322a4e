// The change feed's LISTEN connection may go elsewhere than the pool (DATABASE_LISTEN_URL): behind a
// pooler in transaction mode the pool's connections cannot hold a LISTEN, PostgreSQL's own can.
import { describe, expect, it } from 'vitest';
import { changesDelivered, createDatabase } from '../src/index.ts';

const PG = process.env.DATABASE_URL;

describe.skipIf(!PG)('change feed on its own connection (PostgreSQL only: PGlite has one in-process connection)', () => {
  it('listens where it is told, and a feed that cannot connect leaves the pool working and caches off', async () => {
    const db = await createDatabase({ databaseUrl: PG, listenUrl: PG });
    try {
      await changesDelivered(db);
      expect(db.changes.healthy).toBe(true);
    } finally {
      await db.close();
    }
    const unreachable = await createDatabase({ databaseUrl: PG, listenUrl: 'postgres://nobody@127.0.0.1:1/none' });
    try {
      expect((await unreachable.knex.raw('select 1 as one')).rows).toEqual([{ one: 1 }]);
      await new Promise((r) => setTimeout(r, 200));
      expect(unreachable.changes.healthy).toBe(false);
      expect(unreachable.changes.dataVersion('any')).toBeUndefined();
    } finally {
      await unreachable.close();
    }
  });
});
