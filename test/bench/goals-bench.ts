// Goals on PostgreSQL: full recompute of attainment (10,000 people × 12 months from 1,000,000
// orders), latency from a new order to its owner's and ancestors' attainment, and the split of
// a 10,000-person org over 12 months.
import { fileURLToPath } from 'node:url';
import { readMetadataDir } from '@attain/meta/node';
import { createDatabase, createStore, eventQueue, type RecordEvent } from '@attain/store';
import {
  applyRecordEvent,
  computeSplit,
  goalsContext,
  GOALS_CONSUMER,
  kpiOf,
  recomputeAll,
  seedMemberships,
  splitTargets,
  buildSplitTree,
  fiscalYearMonths,
  memberships,
  toUnits,
} from '@attain/engine';
import { freshDatabase } from './util.ts';
import { PROFILING, QueryProfile } from './query-profile.ts';

const PEOPLE = Number(process.env.GOALS_BENCH_PEOPLE ?? 10_000);
const ORDERS = Number(process.env.GOALS_BENCH_ORDERS ?? 1_000_000);
const system = { userId: null, label: 'bench' };

export async function benchGoals(): Promise<Record<string, unknown>> {
  const db = await createDatabase({ databaseUrl: await freshDatabase('attain_bench_goals') });
  const store = await createStore(db);
  try {
    await store.tenants.create('bench');
    const core = await readMetadataDir(fileURLToPath(new URL('../../metadata/core', import.meta.url)));
    await store.metadata.apply(
      'bench',
      [
        ...core,
        {
          kind: 'kpi',
          id: 'kpi.paid',
          name: 'paid_revenue',
          label: { en: 'Paid revenue' },
          object: 'order',
          measure: { aggregate: 'sum', value: 'amount', filter: 'status = "paid"' },
          dateField: 'order_date',
          unit: 'money',
        },
        { kind: 'target_plan', id: 'plan.2026', name: 'revenue_2026', label: { en: 'Revenue 2026' }, kpi: 'paid_revenue', year: 2026, total: '1000000000.01', method: 'headcount' },
      ],
      { actor: system },
    );
    const ctx = await goalsContext(store, 'bench');
    const k = ctx.knex;
    // 1 company, 10 regions, 100 teams; people spread over teams; orders over 2026.
    await k.raw(
      `INSERT INTO ${ctx.t.orgUnit} (id, name, created_at, updated_at, version) SELECT ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'Unit ' || i, now(), now(), 1 FROM generate_series(0, 110) i`,
    );
    await k.raw(
      `UPDATE ${ctx.t.orgUnit} SET parent_id = ('00000000-0000-4000-8000-' || lpad(CASE WHEN n <= 10 THEN 0 ELSE 1 + (n - 11) % 10 END::text, 12, '0'))::uuid FROM (SELECT id AS uid, right(id::text, 12)::int AS n FROM ${ctx.t.orgUnit}) x WHERE id = x.uid AND x.n > 0`,
    );
    await k.raw(
      `INSERT INTO ${ctx.t.user} (id, name, email, org_unit_id, active, created_at, updated_at, version)
      SELECT ('10000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'Rep ' || i, 'rep' || i || '@bench.test', ('00000000-0000-4000-8000-' || lpad((11 + i % 100)::text, 12, '0'))::uuid, true, now(), now(), 1 FROM generate_series(1, ?) i`,
      [PEOPLE],
    );
    const customer = (await store.records('bench').then((r) => r.create('customer', { name: 'ACME' }, system))).id;
    const t0 = performance.now();
    await k.raw(
      `INSERT INTO ${ctx.t.orgUnit.replace(/"org_unit"$/, '"order"')} (id, order_number, customer_id, order_date, status, amount, currency, owner_id, created_at, updated_at, version)
      SELECT gen_random_uuid(), 'O' || i, ?, date '2026-01-01' + (i % 365), CASE WHEN i % 4 = 0 THEN 'booked' ELSE 'paid' END, (i % 100000) / 100.0 + 1, 'CNY',
        ('10000000-0000-4000-8000-' || lpad((1 + i % ?)::text, 12, '0'))::uuid, now(), now(), 1 FROM generate_series(1, ?) i`,
      [customer, PEOPLE, ORDERS],
    );
    await k.raw(`ANALYZE`);
    const loadMs = performance.now() - t0;
    await seedMemberships(ctx);
    const kpi = kpiOf(ctx, 'paid_revenue');
    const full: number[] = [];
    let rows = 0;
    const profile = PROFILING ? new QueryProfile(k) : null;
    for (let i = 0; i < 3; i++) {
      if (i === 2) profile?.start('full');
      const s = performance.now();
      rows = (await recomputeAll(ctx, kpi)).rows;
      full.push(performance.now() - s);
    }
    const fullQueries = profile?.stop();
    // New order -> owner's and ancestors' attainment: the write (with its outbox event), then the job.
    store.events.subscribe({ consumer: GOALS_CONSUMER });
    const records = await store.records('bench');
    const lat: number[] = [];
    for (let i = 0; i < 60; i++) {
      if (i === 10) profile?.start('orderToAttainment');
      const owner = `10000000-0000-4000-8000-${String(1 + ((i * 7919) % PEOPLE)).padStart(12, '0')}`;
      const s = performance.now();
      await records.create('order', { order_number: `L${i}`, customer_id: customer, order_date: '2026-06-15', status: 'paid', amount: '10.00', owner_id: owner }, system);
      const [job] = await store.jobs.claim([eventQueue(GOALS_CONSUMER)], { limit: 1 });
      await applyRecordEvent(ctx, job!.payload as RecordEvent);
      await store.jobs.complete(job!.id, null);
      lat.push(performance.now() - s);
    }
    const latencyQueries = profile?.stop();
    store.events.unsubscribe(GOALS_CONSUMER);
    // Split of the whole org over 12 months: pure split, and end to end (org load + tree + split).
    const units = (await k.raw(`SELECT id::text AS id, parent_id::text AS parent_id, name FROM ${ctx.t.orgUnit}`)).rows;
    const members = await memberships(ctx);
    const months = fiscalYearMonths(2026);
    const s1 = performance.now();
    const root = buildSplitTree(units, members, { months, method: 'headcount' });
    const cells = splitTargets({ total: toUnits('1000000000.01', 2), months, root });
    const splitMs = performance.now() - s1;
    profile?.start('split');
    const s2 = performance.now();
    await computeSplit(ctx, 'revenue_2026');
    const splitE2eMs = performance.now() - s2;
    const splitQueries = profile?.stop();
    const sorted = [...lat].sort((a, b) => a - b);
    const pct = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! * 10) / 10;
    return {
      people: PEOPLE,
      orders: ORDERS,
      loadMs: Math.round(loadMs),
      actualRows: rows,
      fullRecomputeMs: { best: Math.round(Math.min(...full)), runs: full.map(Math.round), target: 3000 },
      ...(profile ? { queries: { full: fullQueries, orderToAttainment: latencyQueries, split: splitQueries } } : {}),
      orderToAttainmentMs: { p50: pct(0.5), p95: pct(0.95), max: pct(1), target: 50 },
      split: { cells: cells.size * 12, pureMs: Math.round(splitMs), endToEndMs: Math.round(splitE2eMs), target: 1000 },
    };
  } finally {
    await store.close();
  }
}
