// The API server for the throughput benchmark, in its own process, logging off like production behind a collector.
import { buildServer } from '@attain/server';
import { createDatabase, createStore } from '@attain/store';

const db = await createDatabase({ databaseUrl: process.env.DATABASE_URL });
const store = await createStore(db);
const app = await buildServer({ store, jwtSecret: 'bench-secret-bench-secret-bench-secret', logger: false });
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
