// Bulk API on PostgreSQL: 100,000 deals upserted through `POST /objects/deal:bulk` in requests of
// 10,000 rows (created, then updated), beside one `INSERT … SELECT` of 100,000 rows into a plain
// table of the same shape in the same database: the floor no per-row API path can beat.
// Requests go through fastify's inject (the whole route, parsing, RBAC and store; no socket).
import { createDatabase, createStore } from '@attain/store';
import { createTenant, login, testServer } from '../../packages/server/test/helpers.ts';
import { freshDatabase } from './util.ts';

const ROWS = Number(process.env.BENCH_BULK_ROWS ?? 100_000);
const BATCH = 10_000;

export async function benchBulk(): Promise<Record<string, unknown>> {
  const url = await freshDatabase('attain_bench_bulk');
  const db = await createDatabase({ databaseUrl: url });
  const store = await createStore(db);
  const { app } = await testServer(store);
  try {
    const t = await createTenant(store, 'bulk');
    const token = await login(app, t.name, t.users.admin.email);
    const pass = async (label: string) => {
      const t0 = performance.now();
      let failed = 0;
      for (let b = 0; b < ROWS / BATCH; b++) {
        const rows = Array.from({ length: BATCH }, (_, i) => ({ external_id: `erp-${b * BATCH + i}`, name: `${label} ${b * BATCH + i}`, amount: (b * BATCH + i) % 10_000, close_date: '2026-06-30' }));
        const res = await app.inject({ method: 'POST', url: '/api/v1/objects/deal:bulk', headers: { authorization: `Bearer ${token}`, 'idempotency-key': `${label}-${b}` }, payload: rows });
        if (res.statusCode !== 200) throw new Error(`bulk ${res.statusCode}: ${res.body.slice(0, 300)}`);
        failed += (res.json() as { summary: { failed: number } }).summary.failed;
      }
      if (failed) throw new Error(`${failed} rows failed`);
      return Math.round(performance.now() - t0);
    };
    const createMs = await pass('Deal');
    const updateMs = await pass('Renamed');
    const t0 = performance.now();
    await pass('Renamed');
    const unchangedMs = Math.round(performance.now() - t0);

    const tenant = await store.tenants.get(t.name);
    if (!tenant) throw new Error('no tenant');
    const knex = db.knex;
    await knex.schema.withSchema(tenant.schema).createTable('bench_anchor', (tb) => {
      tb.uuid('id').primary();
      tb.text('external_id').unique();
      tb.text('name');
      tb.decimal('amount', 18, 2);
      tb.date('close_date');
      tb.timestamp('created_at', { useTz: true });
    });
    const a0 = performance.now();
    await knex.raw(
      `insert into ??.bench_anchor (id, external_id, name, amount, close_date, created_at)
       select gen_random_uuid(), 'erp-' || g, 'Deal ' || g, g % 10000, date '2026-06-30', now() from generate_series(1, ?) g`,
      [tenant.schema, ROWS],
    );
    const anchorMs = Math.round(performance.now() - a0);
    const ratio = (ms: number) => Math.round((ms / Math.max(anchorMs, 1)) * 10) / 10;
    return { rows: ROWS, batch: BATCH, createMs, updateMs, unchangedMs, insertSelectAnchorMs: anchorMs, createVsAnchor: ratio(createMs), updateVsAnchor: ratio(updateMs), targetMs: 10_000 };
  } finally {
    await app.close();
    await store.close();
  }
}
