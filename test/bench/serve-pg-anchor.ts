// The list route's anchor: bare fastify + node-postgres running the very SQL the list route ran
// (captured from the API server: PostgreSQL's `$n` text and its values), one request one query, rows sent as JSON. No
// auth, no RBAC, no validation, no serialisation rules: the floor the list route is measured against.
// ANCHOR_PREPARED=1 names the statements (planned once per connection), as the API server does.
import Fastify from 'fastify';
import pg from 'pg';

interface Captured {
  sql: string;
  bindings: unknown[];
}

const queries = JSON.parse(process.env.ANCHOR_QUERIES ?? '[]') as Captured[];
const prepared = process.env.ANCHOR_PREPARED === '1';
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.ATTAIN_DB_POOL ?? 10) });
const app = Fastify({ logger: false });
app.get<{ Params: { i: string } }>('/v/:i', async (request) => {
  const i = Number(request.params.i) % queries.length;
  const { rows } = await pool.query({ text: (queries[i] as Captured).sql, values: (queries[i] as Captured).bindings, ...(prepared ? { name: `anchor_${i}` } : {}) });
  return { data: rows };
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGINT', () => process.exit(0));
