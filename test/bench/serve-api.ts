// The API server for the throughput benchmark, in its own process, logging off like production behind a collector.
import { buildServer } from '@attain/server';
import { createDatabase, createStore } from '@attain/store';

const db = await createDatabase({ databaseUrl: process.env.DATABASE_URL });
const store = await createStore(db);
// ATTAIN_LIST_CACHE_MB=0 measures the uncached path (every request runs its query).
const listCacheMb = Number(process.env.ATTAIN_LIST_CACHE_MB ?? 64);
const app = await buildServer({ store, jwtSecret: 'bench-secret-bench-secret-bench-secret', logger: false, listCache: { maxBytes: listCacheMb * 1024 * 1024 }, sso: { defaultTotpRoles: [] } });
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
// Exit through process.exit so --cpu-prof and similar exit hooks run when profiling the server.
process.on('SIGINT', () => process.exit(0));
