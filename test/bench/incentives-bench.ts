import { loadavg } from 'node:os';
import { createDatabase, createStore } from '@attain/store';
import { IncentiveEngine, type CreditingRuleDoc, type IncentivePlanDoc, type OrgMembership, type OrgUnit } from '@attain/engine';
import { freshDatabase, round } from './util.ts';
import { PROFILING, QueryProfile } from './query-profile.ts';

const TXS = Number(process.env.BENCH_TXS ?? 1_000_000);
const PAYEES = Number(process.env.BENCH_PAYEES ?? 10_000);

/**
 * Full incentive calculation of 1,000,000 transactions for 10,000 payees (1 VP, 10 directors, 100
 * managers, the rest reps) with a 3-level roll-up and a 4-component plan (marginal tiers, an
 * accelerator above 100%, a capped bonus, a product SPIF), then the latency of an incremental
 * recalculation after one new order. Times per stage: crediting, measures, components, payouts.
 */
export async function benchIncentives(): Promise<Record<string, unknown>> {
  const databaseUrl = await freshDatabase('attain_bench_incentives');
  const db = await createDatabase({ databaseUrl });
  const store = await createStore(db);
  await store.tenants.create('bench');
  const engine = new IncentiveEngine(store, 'bench');
  const { knex, schema } = await engine.ensure();

  const ids = Array.from({ length: PAYEES }, (_, i) => `u${String(i).padStart(5, '0')}`);
  const directors = ids.slice(1, 11);
  const managers = ids.slice(11, 111);
  const reps = ids.slice(111);
  const units: OrgUnit[] = [{ id: 'top', headId: ids[0] as string }];
  const memberships: OrgMembership[] = [{ userId: ids[0] as string, orgUnitId: 'top', from: '2020-01-01' }];
  directors.forEach((d, i) => {
    units.push({ id: `d${i}`, parentId: 'top', headId: d });
    memberships.push({ userId: d, orgUnitId: `d${i}`, from: '2020-01-01' });
  });
  managers.forEach((m, i) => {
    units.push({ id: `m${i}`, parentId: `d${i % 10}`, headId: m });
    memberships.push({ userId: m, orgUnitId: `m${i}`, from: '2020-01-01' });
  });
  reps.forEach((r, i) => memberships.push({ userId: r, orgUnitId: `m${i % 100}`, from: '2020-01-01' }));

  const rules: CreditingRuleDoc[] = [
    { kind: 'crediting_rule', id: 'owner', name: 'owner', label: { en: 'Owner' }, effectiveFrom: '2020-01-01', type: 'owner' },
    { kind: 'crediting_rule', id: 'rollup', name: 'rollup', label: { en: 'Roll-up' }, effectiveFrom: '2020-01-01', type: 'rollup', levels: [{ pct: '100' }, { pct: '100' }, { pct: '100' }] },
  ];
  const plan: IncentivePlanDoc = {
    kind: 'incentive_plan',
    id: 'plan_sales',
    name: 'plan_sales',
    label: { en: 'Sales' },
    versions: [
      {
        version: 1,
        effectiveFrom: '2026-01-01',
        currency: 'USD',
        rounding: { scale: 2, mode: 'half_up' },
        measures: [{ name: 'revenue', type: 'sum' }],
        components: [
          {
            name: 'tiers',
            type: 'tiered',
            measure: 'revenue',
            target: 'quota',
            tierBasis: 'attainment',
            tiers: [
              { from: '0', to: '0.5', rate: '0.02' },
              { from: '0.5', to: '1', rate: '0.04' },
              { from: '1', rate: '0.05' },
            ],
          },
          {
            name: 'accelerator',
            type: 'tiered',
            measure: 'revenue',
            target: 'quota',
            tierBasis: 'attainment',
            tiers: [
              { from: '0', to: '1', rate: '0' },
              { from: '1', rate: '0.03' },
            ],
          },
          { name: 'bonus', type: 'rate', measure: 'revenue', rate: '0.01', cap: { amount: '2500' } },
          { name: 'spif', type: 'spif', perCredit: '50', filter: { products: ['P7'], kinds: ['direct'] } },
        ],
      },
    ],
  };
  await engine.saveRules(rules);
  await engine.savePlan(plan);
  await engine.setAssignments(ids.map((payeeId) => ({ kind: 'plan' as const, payeeId, key: 'plan_sales', from: '2026-01-01' })));
  await engine.setOrg(memberships, units);
  await engine.setInputs(ids.map((payeeId, i) => ({ payeeId, period: '2026-03', name: 'quota', value: i === 0 ? '100000000' : i < 11 ? '10000000' : i < 111 ? '1000000' : '10000' })));
  await engine.openPeriod('2026-03');
  const l0 = performance.now();
  await knex.raw(
    `insert into "${schema}"."attain_incentives_transactions" (id, object, owner_id, product_id, date, amount, currency)
    select 'o' || g, 'order', 'u' || lpad((111 + (g * 7919) % ?)::text, 5, '0'), 'P' || (g % 10), date '2026-03-01' + (g % 31)::int, round(((g * 104729) % 100000)::numeric / 100 + 1, 2), 'USD'
    from generate_series(1::bigint, ?::bigint) g`,
    [reps.length, TXS],
  );
  await knex.raw(`analyze "${schema}"."attain_incentives_transactions"`);
  const loadMs = performance.now() - l0;

  const loadBefore = loadavg()[0] as number;
  const profile = PROFILING ? new QueryProfile(knex) : null;
  profile?.start('full');
  const full = await engine.recompute({ credit: true });
  const fullQueries = profile?.stop();
  const sums = (await knex.raw(`select count(*)::int as lines, sum(amount)::text as total from "${schema}"."attain_incentives_lines"`)).rows[0] as { lines: number; total: string };
  const payoutTotal = (await knex.raw(`select sum(payout)::text as total, count(*)::int as n from "${schema}"."attain_incentives_payouts"`)).rows[0] as { total: string; n: number };

  const incremental: number[] = [];
  const incStages: Array<RunStatsMs> = [];
  // This process's CPU time per run: unlike the wall clock it barely moves with the machine's load.
  const incCpu: number[] = [];
  for (let i = 0; i < 7; i++) {
    if (i === 1) profile?.start('incremental');
    const id = `new${i}`;
    await engine.upsertTransactions([{ id, object: 'order', ownerId: reps[i * 13] as string, productId: 'P7', date: '2026-03-15', amount: '1234.56', currency: 'USD' }]);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const stats = await engine.recomputeTransactions([id]);
    incremental.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    incCpu.push((c.user + c.system) / 1000);
    incStages.push(stats.ms);
  }
  const incQueries = profile?.stop();
  const sorted = [...incremental].sort((a, b) => a - b);
  // Approving the month freezes its lines' drill-downs: one copy of its credits and roll-up chain.
  const a0 = performance.now();
  await engine.setPeriodStatus('2026-03', 'approved', 'bench');
  const approveMs = performance.now() - a0;
  const frozen = (
    await knex.raw(`select (select count(*)::int from "${schema}"."attain_incentives_frozen_credits") as credits, (select count(*)::int from "${schema}"."attain_incentives_frozen_rows") as rows`)
  ).rows[0] as { credits: number; rows: number };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  await store.close();
  return {
    // The machine's 1-minute load average around the full run: figures on a loaded box vary a lot.
    loadAvg: { before: round(loadBefore, 2), after: round(loadavg()[0] as number, 2) },
    transactions: TXS,
    payees: PAYEES,
    loadTransactionsMs: round(loadMs, 0),
    full: {
      totalMs: round(full.ms.total, 0),
      stagesMs: { crediting: round(full.ms.crediting, 0), measures: round(full.ms.measures, 0), components: round(full.ms.components, 0), payouts: round(full.ms.payouts, 0) },
      lines: sums.lines,
      payouts: payoutTotal.n,
      payoutTotal: payoutTotal.total,
    },
    incremental: {
      medianMs: round(sorted[3] as number, 1),
      medianCpuMs: round(median(incCpu), 1),
      maxMs: round(sorted[6] as number, 1),
      lastStagesMs: Object.fromEntries(Object.entries(incStages[6] ?? {}).map(([k, v]) => [k, round(v, 1)])),
      // Median per stage over the 7 runs: the last run alone is one noisy sample.
      medianStagesMs: Object.fromEntries((['crediting', 'measures', 'components', 'payouts', 'total'] as const).map((k) => [k, round(median(incStages.map((s) => s[k])), 1)])),
    },
    ...(profile ? { queries: { full: fullQueries, incremental: incQueries } } : {}),
    approve: { ms: round(approveMs, 0), frozenCredits: frozen.credits, frozenRows: frozen.rows },
  };
}

type RunStatsMs = { crediting: number; measures: number; components: number; payouts: number; total: number };
