// Bulk API on PostgreSQL: 100,000 deals upserted through `POST /objects/deal:bulk` in requests of
// 10,000 rows (created, updated, sent again unchanged under new keys, then replayed under the same
// keys), beside one `INSERT … SELECT` of 100,000 rows into a plain table of the same shape in the
// same database: the floor no per-row API path can beat.
// Requests go through fastify's inject (the whole route, parsing, RBAC and store; no socket).
// The development machine is shared, so wall time swings with other work: each pass also reports
// the CPU time it cost this process and the database's backends (Linux /proc), which does not.
import { readFileSync } from 'node:fs';
import type { Knex } from 'knex';
import { createDatabase, createStore } from '@attain/store';
import { createTenant, login, testServer } from '../../packages/server/test/helpers.ts';
import { freshDatabase } from './util.ts';

const ROWS = Number(process.env.BENCH_BULK_ROWS ?? 100_000);
const BATCH = 10_000;

/** CPU milliseconds (user + system) a process has used, or 0 where /proc cannot tell. */
function cpuOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/** CPU time of this process and of the database's backends serving this database, in ms. */
async function cpuNow(knex: Knex): Promise<{ node: number; db: Map<number, number> }> {
  const rows = (await knex.raw('select pid from pg_stat_activity where datname = current_database()')) as { rows: Array<{ pid: number }> };
  const u = process.cpuUsage();
  return { node: (u.user + u.system) / 1000, db: new Map(rows.rows.map((r) => [r.pid, cpuOf(r.pid)])) };
}

async function cpuSince(knex: Knex, start: { node: number; db: Map<number, number> }): Promise<{ nodeCpuMs: number; dbCpuMs: number }> {
  const end = await cpuNow(knex);
  let db = 0;
  for (const [pid, ms] of end.db) db += ms - (start.db.get(pid) ?? 0);
  return { nodeCpuMs: Math.round(end.node - start.node), dbCpuMs: Math.round(db) };
}

export async function benchBulk(): Promise<Record<string, unknown>> {
  const url = await freshDatabase('attain_bench_bulk');
  const db = await createDatabase({ databaseUrl: url });
  const store = await createStore(db);
  // As in production: the test-only check of every answer against its schema stays off.
  const { app } = await testServer(store, { checkResponses: false });
  const knex = db.knex;
  try {
    const t = await createTenant(store, 'bulk');
    const token = await login(app, t.name, t.users.admin.email);
    const pass = async (label: string, key: string, expect: 'created' | 'updated' | 'unchanged') => {
      const cpu = await cpuNow(knex);
      const t0 = performance.now();
      let failed = 0;
      let other = 0;
      for (let b = 0; b < ROWS / BATCH; b++) {
        const rows = Array.from({ length: BATCH }, (_, i) => ({ external_id: `erp-${b * BATCH + i}`, name: `${label} ${b * BATCH + i}`, amount: (b * BATCH + i) % 10_000, close_date: '2026-06-30' }));
        const res = await app.inject({ method: 'POST', url: '/api/v1/objects/deal:bulk', headers: { authorization: `Bearer ${token}`, 'idempotency-key': `${key}-${b}` }, payload: rows });
        if (res.statusCode !== 200) throw new Error(`bulk ${res.statusCode}: ${res.body.slice(0, 300)}`);
        const summary = (res.json() as { summary: Record<string, number> }).summary;
        failed += summary.failed ?? 0;
        other += BATCH - (summary[expect] ?? 0);
      }
      if (failed) throw new Error(`${failed} rows failed`);
      if (other) throw new Error(`${other} rows were not ${expect}`);
      const ms = Math.round(performance.now() - t0);
      return { ms, ...(await cpuSince(knex, cpu)) };
    };
    const create = await pass('Deal', 'create', 'created');
    const update = await pass('Renamed', 'update', 'updated');
    const unchanged = await pass('Renamed', 'again', 'unchanged');
    const replayed = await pass('Renamed', 'again', 'unchanged');

    const tenant = await store.tenants.get(t.name);
    if (!tenant) throw new Error('no tenant');
    await knex.schema.withSchema(tenant.schema).createTable('bench_anchor', (tb) => {
      tb.uuid('id').primary();
      tb.text('external_id').unique();
      tb.text('name');
      tb.decimal('amount', 18, 2);
      tb.date('close_date');
      tb.timestamp('created_at', { useTz: true });
    });
    const cpu = await cpuNow(knex);
    const a0 = performance.now();
    await knex.raw(
      `insert into ??.bench_anchor (id, external_id, name, amount, close_date, created_at)
       select gen_random_uuid(), 'erp-' || g, 'Deal ' || g, g % 10000, date '2026-06-30', now() from generate_series(1, ?) g`,
      [tenant.schema, ROWS],
    );
    const anchorMs = Math.round(performance.now() - a0);
    const anchorCpu = await cpuSince(knex, cpu);
    const ratio = (ms: number) => Math.round((ms / Math.max(anchorMs, 1)) * 10) / 10;
    return {
      rows: ROWS,
      batch: BATCH,
      createMs: create.ms,
      updateMs: update.ms,
      unchangedMs: unchanged.ms,
      replayMs: replayed.ms,
      insertSelectAnchorMs: anchorMs,
      createVsAnchor: ratio(create.ms),
      updateVsAnchor: ratio(update.ms),
      // CPU time (ms) the pass cost this process and the database, whatever else the machine ran.
      cpu: { create, update, unchanged, replayed, anchor: anchorCpu },
      targetMs: 10_000,
    };
  } finally {
    await app.close();
    await store.close();
  }
}
