// The sales funnel on PostgreSQL over 200,000 opportunities (FUNNEL_BENCH_OPPS) with 2,000,000 stage
// changes (10 each), bulk-inserted with set-based SQL: `GET /analytics/funnel` server time (in-process
// inject: routing, auth, the three queries, shaping) for an admin (grouped by owner, with the cohort)
// and for one rep (their own records only), beside the anchor: one plain `SELECT count(*)` pass over
// the same stage history table in the same run. Ratios are funnel p50 ÷ anchor p50. The funnel reads
// the per-record summary the module keeps beside the history and, for stage times, the stage-time
// histogram kept with it (both built here as its backfill builds them).
import { readMetadataDir } from '@attain/meta/node';
import { quoteIdent } from '@attain/meta';
import { createDatabase, createStore } from '@attain/store';
import { buildServer, hashPassword } from '@attain/server';
import { rebuildRollup } from '../../packages/server/src/modules/analytics/funnel-rollup.ts';
import { ensureCodes, refreshSummary } from '../../packages/server/src/modules/analytics/funnel-summary.ts';
import { funnelTables } from '../../packages/server/src/modules/analytics/funnel-tables.ts';
import { ROOT, freshDatabase, round } from './util.ts';

const OPPS = Number(process.env.FUNNEL_BENCH_OPPS ?? 200_000);
const CHANGES_EACH = 10;
const REPS = Number(process.env.FUNNEL_BENCH_REPS ?? 50);
const RUNS = Number(process.env.FUNNEL_BENCH_RUNS ?? 9);
const PASSWORD = 'bench-password-1';
const system = { userId: null, label: 'bench' };

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;
async function timed(runs: number, fn: () => Promise<unknown>): Promise<{ p50Ms: number; p95Ms: number }> {
  await fn(); // warm: plans and caches, as a server that has answered once
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await fn();
    times.push(performance.now() - s);
  }
  const sorted = times.sort((a, b) => a - b);
  return { p50Ms: round(pct(sorted, 0.5), 1), p95Ms: round(pct(sorted, 0.95), 1) };
}

export async function benchFunnel(): Promise<Record<string, unknown>> {
  const db = await createDatabase({ databaseUrl: await freshDatabase('attain_bench_funnel') });
  const store = await createStore(db);
  try {
    const tenant = await store.tenants.create('bench');
    await store.metadata.apply('bench', await readMetadataDir(`${ROOT}/metadata/core`), { actor: system });
    const records = await store.records('bench');
    const hash = await hashPassword(PASSWORD, { N: 1024 });
    const login = async (name: string, role: string) => {
      const email = `${name}@bench.local`;
      const user = await records.create('user', { name, email, role, active: true }, system);
      await store.auth.upsertCredential({ tenant: 'bench', userId: user.id, email, passwordHash: hash, active: true });
      return { id: user.id, email };
    };
    const admin = await login('admin', 'admin');
    const reps = [];
    for (let i = 1; i <= REPS; i++) reps.push(await login(`rep${i}`, 'rep'));

    // Identifiers from the registry and the module's port; values bound.
    const registry = await store.registry('bench');
    const schema = quoteIdent(tenant.schema);
    const customer = quoteIdent(registry.object('customer')?.table ?? 'customer');
    const opportunity = quoteIdent(registry.object('opportunity')?.table ?? 'opportunity');
    const port = await store.port('bench', funnelTables);
    const history = port.name('stage_change');
    const open = ['prospecting', 'qualification', 'proposal', 'negotiation'];
    const t0 = performance.now();
    await db.knex.raw(
      `insert into ${schema}.${customer} (id, external_id, owner_id, name, status, created_at, updated_at, version)
       select gen_random_uuid(), 'c' || g, ?, 'Customer ' || g, 'active', now(), now(), 1 from generate_series(1, 1000) g`,
      [admin.id],
    );
    // Opportunity g: created on day g % 540 of 2025, owned by rep 1 + g % REPS; a third won, a third
    // lost, a third open in one of the four open stages.
    const final = `(case g % 3 when 0 then 'closed_won' when 1 then 'closed_lost' else (?::text[])[1 + g % 4] end)`;
    await db.knex.raw(
      `with c as (select array_agg(id order by external_id) as ids from ${schema}.${customer}),
            o as (select array_agg(id order by id) as ids from unnest(?::uuid[]) id)
       insert into ${schema}.${opportunity} (id, external_id, owner_id, name, customer_id, amount, stage, source, close_date, created_at, updated_at, version)
       select ('20000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, 'o' || g, o.ids[1 + g % ?], 'Opportunity ' || g, c.ids[1 + g % 1000],
              round((random() * 200000)::numeric, 2), ${final}, (array['inbound','outbound','partner','referral'])[1 + g % 4],
              date '2025-01-01' + (g % 540) + 60, timestamptz '2025-01-01' + (g % 540) * interval '1 day', now(), 1
       from generate_series(1, ?) g cross join c cross join o`,
      [reps.map((r) => r.id), REPS, open, OPPS],
    );
    // Ten moves each, three days apart: back and forth through the open stages, the last one to the
    // record's stage now; left_at is the next move's time (null for the last).
    const stageAt = `(case when k = ${CHANGES_EACH - 1} then ${final} else (?::text[])[1 + (k + g) % 4] end)`;
    await db.knex.raw(
      `insert into ${history} (event_id, object, record_id, from_stage, to_stage, at, left_at, owner_id, amount, version)
       select 'bench:' || g || ':' || k, 'opportunity', ('20000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid,
              null, ${stageAt},
              timestamptz '2025-01-01' + (g % 540) * interval '1 day' + k * interval '3 days' + (g % 7) * interval '1 hour',
              case when k < ${CHANGES_EACH - 1} then timestamptz '2025-01-01' + (g % 540) * interval '1 day' + (k + 1) * interval '3 days' + (g % 7) * interval '1 hour' end,
              null, null, k + 1
       from generate_series(1, ?) g cross join generate_series(0, ?) k`,
      [open, open, OPPS, CHANGES_EACH - 1],
    );
    await port.table('stage_object').insert({ object: 'opportunity', backfilled_at: db.knex.fn.now() });
    // The per-record summary and the stage-time histogram, as the backfill builds them (set-based here).
    const opp = registry.object('opportunity');
    if (!opp) throw new Error('no opportunity object');
    await db.knex.transaction(async (trx) => {
      await ensureCodes(trx, port, 'opportunity', [...open, 'closed_won', 'closed_lost']);
      await refreshSummary(trx, port, opp);
      await rebuildRollup(trx, port, opp);
    });
    await db.knex.raw('analyze');
    const loadMs = performance.now() - t0;
    const changes = Number((await db.knex.raw(`select count(*)::int as n from ${history}`)).rows[0].n);

    const app = await buildServer({ store, jwtSecret: 's'.repeat(40), logger: false, loginRateLimit: { max: 1000, timeWindow: '1 minute' }, sso: { defaultTotpRoles: [] } });
    try {
      const token = async (email: string) => (await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: 'bench', email, password: PASSWORD } })).json().token as string;
      const get = async (bearer: string, url: string) => {
        const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${bearer}` } });
        if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
        return res.json().data;
      };
      const adminToken = await token(admin.email);
      const repToken = await token((reps[6] ?? reps[0])!.email);
      const anchor = await timed(RUNS, () => db.knex.raw(`select count(*) from ${history}`));
      const url = '/api/v1/analytics/funnel?object=opportunity&asOf=2026-12-01';
      const plain = await timed(RUNS, () => get(adminToken, url));
      const byOwner = await timed(RUNS, () => get(adminToken, `${url}&by=owner&cohort=month`));
      const rep = await timed(RUNS, () => get(repToken, `${url}&by=source&cohort=month`));
      const sample = await get(adminToken, url);
      return {
        opportunities: OPPS,
        stageChanges: changes,
        loadMs: Math.round(loadMs),
        anchorCountMs: anchor,
        funnel: { ...plain, ratio: round(plain.p50Ms / anchor.p50Ms, 2) },
        funnelByOwnerWithCohort: { ...byOwner, ratio: round(byOwner.p50Ms / anchor.p50Ms, 2) },
        repOwnBySource: { ...rep, ratio: round(rep.p50Ms / anchor.p50Ms, 2) },
        limitMs: 500,
        check: { records: sample.total.records, won: sample.total.won, winRate: sample.total.winRate },
      };
    } finally {
      await app.close();
    }
  } finally {
    await store.close();
  }
}
