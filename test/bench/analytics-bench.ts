// Reports on PostgreSQL over 1,000,000 orders (ANALYTICS_BENCH_ORDERS): the report engine's query
// (records.aggregate through the caller's record service) for a pivot of status × month with totals,
// a year-over-year by month, a top-10 owners with "other", and one rep's own months. Server time
// of the run itself, no HTTP. Dashboards (later parts) run several such reports per view.
import { fileURLToPath } from 'node:url';
import { readMetadataDir } from '@attain/meta/node';
import { createDatabase, createStore } from '@attain/store';
import { goalsContext, tenantCalendar } from '@attain/engine';
import { runReport } from '../../packages/server/src/modules/analytics/run.ts';
import type { ReportQuestion } from '../../packages/server/src/modules/analytics/schema.ts';
import { freshDatabase } from './util.ts';

const PEOPLE = Number(process.env.ANALYTICS_BENCH_PEOPLE ?? 1_000);
const ORDERS = Number(process.env.ANALYTICS_BENCH_ORDERS ?? 1_000_000);
const RUNS = Number(process.env.ANALYTICS_BENCH_RUNS ?? 7);
const system = { userId: null, label: 'bench' };

const year = { field: 'order_date', range: { from: '2026-01-01', to: '2026-12-31' } };
const amount = { name: 'amount', op: 'sum' as const, field: 'amount' };
const QUESTIONS: Record<string, ReportQuestion> = {
  pivotStatusMonth: { object: 'order', period: year, groups: [{ field: 'status' }, { field: 'order_date', bucket: 'month' }], measures: [amount, { name: 'orders', op: 'count' }], pivot: true },
  yoyByMonth: { object: 'order', period: year, compare: 'yoy', groups: [{ field: 'order_date', bucket: 'month' }], measures: [amount] },
  top10Owners: { object: 'order', period: year, groups: [{ field: 'owner_id' }], measures: [amount], top: { n: 10 } },
  repOwnMonths: { object: 'order', period: year, groups: [{ field: 'order_date', bucket: 'month' }], measures: [amount, { name: 'avg', op: 'avg', field: 'amount' }] },
};

export async function benchAnalytics(): Promise<Record<string, unknown>> {
  const db = await createDatabase({ databaseUrl: await freshDatabase('attain_bench_analytics') });
  const store = await createStore(db);
  try {
    await store.tenants.create('bench', { timeZone: 'Asia/Shanghai' });
    const core = await readMetadataDir(fileURLToPath(new URL('../../metadata/core', import.meta.url)));
    await store.metadata.apply('bench', core, { actor: system });
    const ctx = await goalsContext(store, 'bench');
    const k = ctx.knex;
    await k.raw(
      `INSERT INTO ${ctx.t.user} (id, name, email, active, created_at, updated_at, version)
      SELECT ('10000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'Rep ' || i, 'rep' || i || '@bench.test', true, now(), now(), 1 FROM generate_series(1, ?) i`,
      [PEOPLE],
    );
    const customer = (await store.records('bench').then((r) => r.create('customer', { name: 'ACME' }, system))).id;
    const t0 = performance.now();
    // Two years of orders, so a year-over-year has a previous year.
    await k.raw(
      `INSERT INTO ${ctx.t.orgUnit.replace(/"org_unit"$/, '"order"')} (id, order_number, customer_id, order_date, status, amount, currency, owner_id, created_at, updated_at, version)
      SELECT gen_random_uuid(), 'O' || i, ?, date '2025-01-01' + (i % 730), (ARRAY['booked','invoiced','paid','paid'])[1 + i % 4], (i % 100000) / 100.0 + 1, 'CNY',
        ('10000000-0000-4000-8000-' || lpad((1 + i % ?)::text, 12, '0'))::uuid, now(), now(), 1 FROM generate_series(1, ?) i`,
      [customer, PEOPLE, ORDERS],
    );
    await k.raw('ANALYZE');
    const loadMs = performance.now() - t0;
    const registry = await store.registry('bench');
    const calendar = await tenantCalendar(store, 'bench');
    const all = await store.records('bench', {});
    const rep = await store.records('bench', { rowFilter: { ownerIn: ['10000000-0000-4000-8000-000000000007'] } });
    const out: Record<string, unknown> = { orders: ORDERS, people: PEOPLE, loadMs: Math.round(loadMs) };
    for (const [name, q] of Object.entries(QUESTIONS)) {
      const service = name === 'repOwnMonths' ? rep : all;
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < RUNS; i++) {
        const s = performance.now();
        rows = (await runReport(q, { registry, service, calendar, locale: 'en' })).rows.length;
        times.push(performance.now() - s);
      }
      const sorted = [...times].sort((a, b) => a - b);
      out[name] = { rows, p50Ms: Math.round(sorted[Math.floor(sorted.length / 2)]!), maxMs: Math.round(sorted.at(-1)!), runs: RUNS };
    }
    return out;
  } finally {
    await store.close();
  }
}
