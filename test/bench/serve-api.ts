// The API server for the throughput benchmark, in its own process, logging off like production behind a collector.
import { buildServer } from '@attain/server';
import { createDatabase, createStore } from '@attain/store';

const db = await createDatabase({ databaseUrl: process.env.DATABASE_URL });
const store = await createStore(db);
// ATTAIN_LIST_CACHE_MB=0 measures the uncached path (every request runs its query).
const listCacheMb = Number(process.env.ATTAIN_LIST_CACHE_MB ?? 64);
const app = await buildServer({
  store,
  jwtSecret: 'bench-secret-bench-secret-bench-secret',
  logger: false,
  listCache: { maxBytes: listCacheMb * 1024 * 1024 },
  sso: { defaultTotpRoles: [] },
  // The mixed bench signs every rep in from one address: BENCH_LOGIN_LIMIT lifts the per-account limit for it.
  ...(process.env.BENCH_LOGIN_LIMIT ? { loginRateLimit: { max: Number(process.env.BENCH_LOGIN_LIMIT), timeWindow: '1 minute' } } : {}),
});
// The bench's node-postgres anchor runs the SQL this server runs: with BENCH_CAPTURE_SQL set, the
// list queries on opportunities are kept, in order, and served to the bench (never in the product).
if (process.env.BENCH_CAPTURE_SQL) {
  const captured: Array<{ sql: string; bindings: unknown[] }> = [];
  db.knex.on('query', (q: { method?: string; sql: string; bindings?: unknown[] }) => {
    if (q.method === 'select' && q.sql.includes('"opportunity"')) captured.push({ sql: q.sql, bindings: q.bindings ?? [] });
  });
  app.get('/bench/captured', async () => captured);
}
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
// Exit through process.exit so --cpu-prof and similar exit hooks run when profiling the server.
process.on('SIGINT', () => process.exit(0));
