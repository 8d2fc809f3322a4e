// The data-quality scan on PostgreSQL over 1,000,000 opportunities (QUALITY_BENCH_ROWS) with 200,000
// activities, bulk-inserted with set-based SQL: one rule of each check on the opportunity, each
// rule's statement alone and each of the scan's statements alone (the per-record rules share one;
// in transactions rolled back), the whole scan (`runScan`: its statements at once on PostgreSQL,
// then totals) and a second scan (new issues measured against the first), beside the anchor: one
// plain `SELECT count(*)` over the opportunities, taken before each. Target: the scan under 10 s.
import { readMetadataDir } from '@attain/meta/node';
import { quoteIdent } from '@attain/meta';
import { createDatabase, createStore } from '@attain/store';
import { attainModules, installModules } from '../../packages/server/src/modules/index.ts';
import type { Store } from '../../packages/server/src/store-port.ts';
import type { RuleDoc } from '../../packages/server/src/modules/quality/kind.ts';
import { runScan, SCAN_PARALLEL, scanSettings } from '../../packages/server/src/modules/quality/scan.ts';
import { ruleStatement, scanStatements } from '../../packages/server/src/modules/quality/scan-plan.ts';
import { qualityTables } from '../../packages/server/src/modules/quality/tables.ts';
import { ROOT, freshDatabase, round } from './util.ts';

const ROWS = Number(process.env.QUALITY_BENCH_ROWS ?? 1_000_000);
const REPS = 50;
const system = { userId: null, label: 'bench' };

const rule = (name: string, check: string, extra: Record<string, unknown>) => ({ kind: 'quality.rule', id: `qr_${name}`, name, label: { en: name }, object: 'opportunity', check, ...extra });
const RULES = [
  rule('complete', 'completeness', { fields: ['close_date', 'next_step'] }),
  rule('valid', 'validity', { formula: 'probability <= 0.9' }),
  rule('unique_name', 'uniqueness', { field: 'name' }),
  rule('near_name', 'near_duplicate', { field: 'name', normalize: 'name' }),
  rule('stale', 'staleness', { days: 30, stageField: 'stage', activity: { object: 'activity', field: 'opportunity_id' } }),
  rule('customer_ref', 'reference', { field: 'customer_id' }),
  rule('amount_outlier', 'plausibility', { field: 'amount' }),
];

export async function benchQuality(): Promise<Record<string, unknown>> {
  const db = await createDatabase({ databaseUrl: await freshDatabase('attain_bench_quality') });
  const store = (await createStore(db)) as unknown as Store;
  // The module kinds (quality.rule among them), as a server or the worker installs them.
  const release = installModules(store, attainModules);
  try {
    const tenant = await store.tenants.create('bench');
    await store.metadata.apply('bench', [...(await readMetadataDir(`${ROOT}/metadata/core`)), ...RULES], { actor: system });
    const records = await store.records('bench');
    const reps: string[] = [];
    for (let i = 1; i <= REPS; i++) reps.push((await records.create('user', { name: `rep${i}`, email: `rep${i}@bench.local`, role: 'rep', active: true }, system)).id);
    const registry = await store.registry('bench');
    const schema = quoteIdent(tenant.schema);
    const table = (name: string) => `${schema}.${quoteIdent(registry.object(name)?.table ?? name)}`;
    const t0 = performance.now();
    await db.knex.raw(
      `insert into ${table('customer')} (id, external_id, owner_id, name, status, created_at, updated_at, version)
       select gen_random_uuid(), 'c' || g, ?, 'Customer ' || g, 'active', now(), now(), 1 from generate_series(1, 1000) g`,
      [reps[0] as string],
    );
    // Opportunity g: every 10th without a next step, every 50th over 0.9 probability, names repeating
    // past 900,000 (exact and "Inc"-suffixed duplicates), every 1,000th a huge amount; half updated
    // 60 days ago; customers soft-deleted below leave dangling references.
    await db.knex.raw(
      `with c as (select array_agg(id order by external_id) as ids from ${table('customer')}),
            o as (select array_agg(id order by id) as ids from unnest(?::uuid[]) id)
       insert into ${table('opportunity')} (id, external_id, owner_id, name, customer_id, amount, stage, probability, close_date, next_step, created_at, updated_at, version)
       select gen_random_uuid(), 'o' || g, o.ids[1 + g % ?], 'Opportunity ' || (g % 900000) || (case when g % 7 = 0 then ' Inc' else '' end), c.ids[1 + g % 1000],
              case when g % 1000 = 0 then 50000000 else round((1000 + random() * 100000)::numeric, 2) end,
              (array['prospecting','qualification','proposal','negotiation','closed_won','closed_lost'])[1 + g % 6],
              case when g % 50 = 0 then 0.95 else 0.5 end, date '2026-01-01' + (g % 365),
              case when g % 10 = 0 then null else 'Call back' end,
              now() - interval '90 days', case when g % 2 = 0 then now() - interval '60 days' else now() end, 1
       from generate_series(1, ?) g cross join c cross join o`,
      [reps, REPS, ROWS],
    );
    await db.knex.raw(
      `insert into ${table('activity')} (id, owner_id, subject, kind, occurred_at, opportunity_id, created_at, updated_at, version)
       select gen_random_uuid(), ?, 'Call', 'call', now(), id, now(), now(), 1 from ${table('opportunity')} where random() < ?`,
      [reps[0] as string, 200_000 / ROWS],
    );
    await db.knex
      .withSchema(tenant.schema)
      .table(registry.object('customer')?.table ?? 'customer')
      .whereIn('external_id', ['c1', 'c2', 'c3'])
      .update({ deleted_at: new Date() });
    await db.knex.raw('analyze');
    const loadMs = performance.now() - t0;

    const anchor = async () => {
      const start = performance.now();
      await db.knex.raw(`select count(*) from ${table('opportunity')}`);
      return performance.now() - start;
    };
    const anchorMs = await anchor();

    const port = await store.port('bench', qualityTables);
    const target = { registry, schema: tenant.schema, now: new Date() };
    const run = { runId: '00000000-0000-4000-8000-000000000001', previousRunId: null, issueTable: port.name('issue'), countTable: port.name('count') };
    const alone = async (s: { sql: string; bindings: unknown[] }) => {
      const start = performance.now();
      await db.knex
        .transaction(async (trx) => {
          await scanSettings(trx);
          await trx.raw(s.sql, s.bindings as never);
          throw new Error('rollback');
        })
        .catch(() => undefined);
      return Math.round(performance.now() - start);
    };
    const docs = registry.documentsOfKind('quality.rule') as RuleDoc[];
    const perRule: Record<string, number> = {};
    for (const doc of docs) perRule[doc.name] = await alone(ruleStatement(doc, target, run));
    const perStatement: Record<string, number> = {};
    for (const s of scanStatements(docs, target, run)) perStatement[s.rules.join('+')] = await alone(s.sql);
    const scanAnchorMs = await anchor();
    const scanStart = performance.now();
    const result = await runScan(store, 'bench', { trigger: 'manual' });
    const scanMs = performance.now() - scanStart;
    const rescanAnchorMs = await anchor();
    const rescanStart = performance.now();
    const rescan = await runScan(store, 'bench', { trigger: 'manual' });
    const rescanMs = performance.now() - rescanStart;
    return {
      opportunities: ROWS,
      rules: result.rules,
      issues: result.issues,
      loadMs: Math.round(loadMs),
      anchorCountMs: round(anchorMs, 1),
      perRuleMs: perRule,
      perStatementMs: perStatement,
      scanAnchorCountMs: round(scanAnchorMs, 1),
      scanMs: Math.round(scanMs),
      ratio: round(scanMs / scanAnchorMs, 1),
      rescanAnchorCountMs: round(rescanAnchorMs, 1),
      rescanMs: Math.round(rescanMs),
      rescanRatio: round(rescanMs / rescanAnchorMs, 1),
      rescanNewIssues: rescan.newIssues,
      parallel: SCAN_PARALLEL,
      limitMs: 10_000,
    };
  } finally {
    release();
    await store.close();
  }
}
