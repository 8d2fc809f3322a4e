import autocannon from 'autocannon';
import { readMetadataDir } from '@attain/meta/node';
import { quoteIdent } from '@attain/meta';
import { createDatabase, createStore } from '@attain/store';
import { hashPassword } from '@attain/server';
import { ROOT, freePort, freshDatabase, round, spawnNode, stop, waitFor } from './util.ts';
import { benchAddField } from '../../packages/store/bench/add-field-bench.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
export const LIST_PATH = `/api/v1/objects/opportunity?filter=${encodeURIComponent(JSON.stringify({ and: [{ stage: { eq: 'proposal' } }, { amount: { gte: 1000 } }] }))}&sort=-close_date&limit=50`;
/** Varied filters, as real users send: every stage × four amount floors, cycled by each connection. */
const STAGES = ['prospecting', 'qualification', 'proposal', 'negotiation', 'closed_won', 'closed_lost'];
export const LIST_VARIANTS = STAGES.flatMap((stage) =>
  [0, 1000, 20_000, 150_000].map(
    (gte) => `/api/v1/objects/opportunity?filter=${encodeURIComponent(JSON.stringify({ and: [{ stage: { eq: stage } }, { amount: { gte } }] }))}&sort=-close_date&limit=50`,
  ),
);

async function load(url: string, headers: Record<string, string>, paths?: string[]): Promise<{ rps: number; p99: number; errors: number; non2xx: number }> {
  const result = await autocannon({
    url,
    headers,
    connections: CONNECTIONS,
    duration: DURATION,
    pipelining: 1,
    ...(paths ? { requests: paths.map((path) => ({ method: 'GET' as const, path })) } : {}),
  });
  return { rps: round(result.requests.average, 0), p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx };
}

/**
 * REST list throughput over 1,000,000 opportunities on PostgreSQL as a ratio to a bare fastify
 * JSON route in the same run, and the time to add a field to that table (plan + apply).
 */
export async function benchApi(): Promise<Record<string, unknown>> {
  const databaseUrl = await freshDatabase('attain_bench_api');
  const db = await createDatabase({ databaseUrl });
  const store = await createStore(db);
  const tenant = await store.tenants.create('bench');
  await store.metadata.apply('bench', await readMetadataDir(`${ROOT}/metadata/core`), { actor: { userId: null } });
  const records = await store.records('bench');
  const admin = await records.create('user', { name: 'Bench Admin', email: 'admin@bench.local', role: 'admin' }, { userId: null });
  await store.auth.credentials.upsertCredential({ tenant: 'bench', userId: admin.id, email: 'admin@bench.local', passwordHash: await hashPassword('bench-password-1'), active: true });

  // Bulk load with set-based SQL: identifiers from the registry, values bound.
  const registry = await store.registry('bench');
  const schema = quoteIdent(tenant.schema);
  const customer = quoteIdent(registry.object('customer')?.table ?? 'customer');
  const opportunity = quoteIdent(registry.object('opportunity')?.table ?? 'opportunity');
  const t0 = performance.now();
  await db.knex.raw(
    `insert into ${schema}.${customer} (id, external_id, owner_id, name, status, created_at, updated_at, version)
     select gen_random_uuid(), 'c' || g, ?, 'Customer ' || g, 'active', now(), now(), 1 from generate_series(1, 1000) g`,
    [admin.id],
  );
  const stages = ['prospecting', 'qualification', 'proposal', 'negotiation', 'closed_won', 'closed_lost'];
  const chunk = 250_000;
  for (let start = 1; start <= ROWS; start += chunk) {
    await db.knex.raw(
      `with c as (select array_agg(id order by external_id) as ids from ${schema}.${customer})
       insert into ${schema}.${opportunity} (id, external_id, owner_id, name, customer_id, amount, stage, close_date, created_at, updated_at, version)
       select gen_random_uuid(), 'o' || g, ?, 'Opportunity ' || g, c.ids[1 + g % 1000],
              round((random() * 200000)::numeric, 2), (?::text[])[1 + g % 6], date '2024-01-01' + (g % 1000), now(), now(), 1
       from generate_series(?::int, ?::int) g cross join c`,
      [admin.id, stages, start, Math.min(ROWS, start + chunk - 1)],
    );
  }
  await db.knex.raw(`analyze ${schema}.${opportunity}`);
  const loadSeconds = (performance.now() - t0) / 1000;

  const addField = await benchAddField(store, 'bench', 'opportunity');
  await store.close();

  const apiPort = await freePort();
  const barePort = await freePort();
  // 100 clients over a pool of 10 queue on connections, not CPU; size the pool for the load.
  const pool = process.env.ATTAIN_DB_POOL ?? '25';
  const uncachedPort = await freePort();
  const api = spawnNode(['test/bench/serve-api.ts'], { ...process.env, DATABASE_URL: databaseUrl, PORT: String(apiPort), ATTAIN_DB_POOL: pool });
  // The same server with the list cache off: every request runs its query.
  const uncached = spawnNode(['test/bench/serve-api.ts'], {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: String(uncachedPort),
    ATTAIN_DB_POOL: pool,
    ATTAIN_LIST_CACHE_MB: '0',
    BENCH_CAPTURE_SQL: '1',
  });
  const bare = spawnNode(['test/bench/serve-bare.ts'], { ...process.env, PORT: String(barePort) });
  const anchors: ReturnType<typeof spawnNode>[] = [];
  try {
    await waitFor(`http://127.0.0.1:${apiPort}/healthz`, 60_000);
    await waitFor(`http://127.0.0.1:${uncachedPort}/healthz`, 60_000);
    await waitFor(`http://127.0.0.1:${barePort}/`, 60_000);
    const login = await fetch(`http://127.0.0.1:${apiPort}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'bench', email: 'admin@bench.local', password: 'bench-password-1' }),
    });
    const { token } = (await login.json()) as { token: string };
    const headers = { authorization: `Bearer ${token}` };
    // The node-postgres anchor's SQL is the uncached API server's own: one request per variant before
    // any load, the queries it ran captured in order.
    const capturedUrl = `http://127.0.0.1:${uncachedPort}/bench/captured`;
    const before = ((await (await fetch(capturedUrl)).json()) as unknown[]).length;
    for (const path of LIST_VARIANTS) {
      const res = await fetch(`http://127.0.0.1:${uncachedPort}${path}`, { headers });
      if (!res.ok) throw new Error(`list variant answered ${res.status}`);
    }
    const queries = ((await (await fetch(capturedUrl)).json()) as unknown[]).slice(before);
    if (queries.length !== LIST_VARIANTS.length) throw new Error(`captured ${queries.length} list queries for ${LIST_VARIANTS.length} requests`);
    const sample = await fetch(`http://127.0.0.1:${apiPort}${LIST_PATH}`, { headers });
    const body = (await sample.json()) as { data?: unknown[] };
    if (!sample.ok || !body.data || body.data.length !== 50) throw new Error(`list route answered ${sample.status}: ${JSON.stringify(body).slice(0, 300)}`);
    await load(`http://127.0.0.1:${apiPort}${LIST_PATH}`, headers); // warm-up pass, discarded
    const bareResult = await load(`http://127.0.0.1:${barePort}/`, {});
    const apiResult = await load(`http://127.0.0.1:${apiPort}${LIST_PATH}`, headers);
    if (sample.headers.get('x-attain-cache') === null) throw new Error('the list cache is off on the cached server');
    await load(`http://127.0.0.1:${uncachedPort}${LIST_PATH}`, headers); // warm-up pass, discarded
    const uncachedResult = await load(`http://127.0.0.1:${uncachedPort}${LIST_PATH}`, headers);

    // Varied filters, uncached, against bare fastify + node-postgres running the same SQL.
    const anchorPort = await freePort();
    const preparedAnchorPort = await freePort();
    const anchorEnv = { ...process.env, DATABASE_URL: databaseUrl, ATTAIN_DB_POOL: pool, ANCHOR_QUERIES: JSON.stringify(queries) };
    anchors.push(spawnNode(['test/bench/serve-pg-anchor.ts'], { ...anchorEnv, PORT: String(anchorPort) }));
    anchors.push(spawnNode(['test/bench/serve-pg-anchor.ts'], { ...anchorEnv, PORT: String(preparedAnchorPort), ANCHOR_PREPARED: '1' }));
    await waitFor(`http://127.0.0.1:${anchorPort}/v/0`, 60_000);
    await waitFor(`http://127.0.0.1:${preparedAnchorPort}/v/0`, 60_000);
    const anchorPaths = LIST_VARIANTS.map((_, i) => `/v/${i}`);
    await load(`http://127.0.0.1:${anchorPort}`, {}, anchorPaths); // warm-up pass, discarded
    const anchorResult = await load(`http://127.0.0.1:${anchorPort}`, {}, anchorPaths);
    await load(`http://127.0.0.1:${preparedAnchorPort}`, {}, anchorPaths); // warm-up pass, discarded
    const preparedAnchorResult = await load(`http://127.0.0.1:${preparedAnchorPort}`, {}, anchorPaths);
    await load(`http://127.0.0.1:${uncachedPort}`, headers, LIST_VARIANTS); // warm-up pass, discarded
    const variedResult = await load(`http://127.0.0.1:${uncachedPort}`, headers, LIST_VARIANTS);
    const varied = {
      variants: LIST_VARIANTS.length,
      uncached_list_rps: variedResult.rps,
      uncached_list_p99_ms: variedResult.p99,
      uncached_list_errors: variedResult.errors + variedResult.non2xx,
      pg_anchor_rps: anchorResult.rps,
      pg_anchor_p99_ms: anchorResult.p99,
      pg_anchor_errors: anchorResult.errors + anchorResult.non2xx,
      pg_anchor_prepared_rps: preparedAnchorResult.rps,
      pg_anchor_prepared_p99_ms: preparedAnchorResult.p99,
      ratio_uncached_list_to_pg_anchor: round(variedResult.rps / Math.max(anchorResult.rps, 1), 3),
      ratio_uncached_list_to_prepared_pg_anchor: round(variedResult.rps / Math.max(preparedAnchorResult.rps, 1), 3),
      prepared_statements: process.env.ATTAIN_PREPARED_STATEMENTS === '0' ? 'off' : 'on',
    };
    return {
      rows: ROWS,
      load_seconds: round(loadSeconds, 1),
      connections: CONNECTIONS,
      db_pool: Number(pool),
      duration_seconds: DURATION,
      list_route: LIST_PATH,
      list_rps: apiResult.rps,
      list_p99_ms: apiResult.p99,
      list_errors: apiResult.errors + apiResult.non2xx,
      bare_fastify_rps: bareResult.rps,
      bare_fastify_p99_ms: bareResult.p99,
      ratio_list_to_bare: round(apiResult.rps / bareResult.rps, 3),
      list_cache: 'on (default): repeated reads are served from the list cache until any write to the tenant commits',
      uncached_list_rps: uncachedResult.rps,
      uncached_list_p99_ms: uncachedResult.p99,
      uncached_list_errors: uncachedResult.errors + uncachedResult.non2xx,
      uncached_ratio_list_to_bare: round(uncachedResult.rps / bareResult.rps, 3),
      add_field_plan_apply_ms: round(addField, 1),
      varied_filters: varied,
      targets: { ratio_list_to_bare: '>= 0.25', ratio_uncached_list_to_pg_anchor: '>= 0.5', add_field_plan_apply_ms: '< 1000' },
    };
  } finally {
    await stop(api);
    await stop(uncached);
    await stop(bare);
    for (const a of anchors) await stop(a);
  }
}
