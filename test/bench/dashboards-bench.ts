// A 10-widget dashboard on PostgreSQL over 1,000,000 orders and 200,000 opportunities
// (DASH_BENCH_ORDERS, DASH_BENCH_OPPS), bulk-inserted with set-based SQL (not measured):
// - server time of `POST /analytics/dashboards/:name/run` (in-process inject) and of each widget's
//   question alone (`POST /analytics/query`), p50/p95, uncached (the answer cache off) and cached,
//   as an admin (all rows), a manager (their team's ~10%) and a rep (their own ~0.5%);
// - 500 concurrent connections (autocannon) opening the dashboard on a server process, beside a
//   bare fastify route in its own process in the same run: requests a second, errors, p99, and the
//   ratios to the bare route.
// Opt-in by name (`npm run bench dashboards`): the seeding takes minutes.
import autocannon from 'autocannon';
import { readMetadataDir } from '@attain/meta/node';
import { quoteIdent } from '@attain/meta';
import { createDatabase, createStore } from '@attain/store';
import { buildServer, hashPassword } from '@attain/server';
import { DASHBOARD, widgetQuestions } from './dashboards-fixture.ts';
import { ROOT, freePort, freshDatabase, round, spawnNode, stop, waitFor } from './util.ts';

const ORDERS = Number(process.env.DASH_BENCH_ORDERS ?? 1_000_000);
const OPPS = Number(process.env.DASH_BENCH_OPPS ?? 200_000);
const TEAMS = 10;
const REPS_PER_TEAM = 20;
const RUNS = Number(process.env.DASH_BENCH_RUNS ?? 9);
const CONNECTIONS = Number(process.env.DASH_BENCH_CONNECTIONS ?? 500);
const DURATION = Number(process.env.DASH_BENCH_SECONDS ?? 10);
const PASSWORD = 'bench-password-1';
const AS_OF = '2026-05-15';
const system = { userId: null, label: 'bench' };

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;
async function timed(runs: number, fn: () => Promise<unknown>, warm = true): Promise<{ p50Ms: number; p95Ms: number }> {
  if (warm) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await fn();
    times.push(performance.now() - s);
  }
  const sorted = times.sort((a, b) => a - b);
  return { p50Ms: round(pct(sorted, 0.5), 1), p95Ms: round(pct(sorted, 0.95), 1) };
}

async function seed(databaseUrl: string): Promise<{ loadMs: number; emails: { admin: string; managers: string[]; reps: string[] } }> {
  const db = await createDatabase({ databaseUrl });
  const store = await createStore(db);
  // The server installs the modules' metadata kinds (analytics.dashboard).
  const app = await buildServer({ store, jwtSecret: 's'.repeat(40), logger: false });
  try {
    const tenant = await store.tenants.create('bench');
    await store.metadata.apply('bench', [...(await readMetadataDir(`${ROOT}/metadata/core`)), DASHBOARD], { actor: system });
    const records = await store.records('bench');
    const hash = await hashPassword(PASSWORD, { N: 1024 });
    const user = async (name: string, role: string, orgUnit?: string) => {
      const email = `${name}@bench.local`;
      const u = await records.create('user', { name, email, role, active: true, ...(orgUnit ? { org_unit_id: orgUnit } : {}) }, system);
      await store.auth.upsertCredential({ tenant: 'bench', userId: u.id, email, passwordHash: hash, active: true });
      return { id: u.id, email };
    };
    const admin = await user('admin', 'admin');
    const managers: string[] = [];
    const reps: Array<{ id: string; email: string }> = [];
    for (let t = 1; t <= TEAMS; t++) {
      const unit = await records.create('org_unit', { name: `Team ${t}`, code: `T${t}` }, system);
      managers.push((await user(`manager${t}`, 'manager', unit.id)).email);
      for (let r = 1; r <= REPS_PER_TEAM; r++) reps.push(await user(`rep${t}_${r}`, 'rep', unit.id));
    }
    // Identifiers from the registry; values bound.
    const registry = await store.registry('bench');
    const schema = quoteIdent(tenant.schema);
    const table = (name: string) => `${schema}.${quoteIdent(registry.object(name)?.table ?? name)}`;
    const t0 = performance.now();
    await db.knex.raw(
      `insert into ${table('customer')} (id, external_id, owner_id, name, status, region, created_at, updated_at, version)
       select gen_random_uuid(), 'c' || g, ?, 'Customer ' || g, 'active', (array['north','south','east','west','central','overseas'])[1 + g % 6], now(), now(), 1
       from generate_series(1, 1000) g`,
      [admin.id],
    );
    const owners = reps.map((r) => r.id);
    // Two years of orders (2025–2026), spread over every rep and customer.
    const chunk = 250_000;
    for (let start = 1; start <= ORDERS; start += chunk) {
      await db.knex.raw(
        `with c as (select array_agg(id order by external_id) as ids from ${table('customer')}), o as (select ?::uuid[] as ids)
         insert into ${table('order')} (id, order_number, customer_id, order_date, status, amount, currency, owner_id, created_at, updated_at, version)
         select gen_random_uuid(), 'O' || g, c.ids[1 + g % 1000], date '2025-01-01' + (g % 730),
                (array['booked','invoiced','paid','paid','cancelled'])[1 + g % 5], round((random() * 20000)::numeric, 2) + 1, 'CNY',
                o.ids[1 + (g / 7) % ?], now(), now(), 1
         from generate_series(?::int, ?::int) g cross join c cross join o`,
        [owners, owners.length, start, Math.min(ORDERS, start + chunk - 1)],
      );
    }
    await db.knex.raw(
      `with c as (select array_agg(id order by external_id) as ids from ${table('customer')}), o as (select ?::uuid[] as ids)
       insert into ${table('opportunity')} (id, external_id, owner_id, name, customer_id, amount, stage, source, close_date, created_at, updated_at, version)
       select gen_random_uuid(), 'p' || g, o.ids[1 + (g / 3) % ?], 'Opportunity ' || g, c.ids[1 + g % 1000], round((random() * 200000)::numeric, 2),
              (array['prospecting','qualification','proposal','negotiation','closed_won','closed_lost'])[1 + g % 6],
              (array['inbound','outbound','partner','referral'])[1 + g % 4], date '2025-01-01' + (g % 730), now(), now(), 1
       from generate_series(1, ?) g cross join c cross join o`,
      [owners, owners.length, OPPS],
    );
    await db.knex.raw('analyze');
    return { loadMs: performance.now() - t0, emails: { admin: admin.email, managers, reps: reps.map((r) => r.email) } };
  } finally {
    await app.close();
    await store.close();
  }
}

interface Viewer {
  name: string;
  token: string;
}

/** Whole-dashboard and per-widget server time for each viewer, on a server built with the cache on or off. */
async function inProcess(databaseUrl: string, viewers: Array<{ name: string; email: string }>, cacheMb: string): Promise<Record<string, unknown>> {
  process.env.ATTAIN_ANALYTICS_CACHE_MB = cacheMb;
  const db = await createDatabase({ databaseUrl });
  const store = await createStore(db);
  const app = await buildServer({ store, jwtSecret: 's'.repeat(40), logger: false, loginRateLimit: { max: 1000, timeWindow: '1 minute' }, sso: { defaultTotpRoles: [] } });
  try {
    const out: Record<string, unknown> = {};
    for (const v of viewers) {
      const token = (await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: 'bench', email: v.email, password: PASSWORD } })).json().token as string;
      const post = async (url: string, payload: unknown) => {
        const res = await app.inject({ method: 'POST', url, payload: payload as Record<string, unknown>, headers: { authorization: `Bearer ${token}` } });
        if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
        return res;
      };
      const run = () => post(`/api/v1/analytics/dashboards/${DASHBOARD.name}/run`, { asOf: AS_OF });
      const sample = (await run()).json().data.widgets as Array<{ id: string; error: unknown }>;
      const failed = sample.filter((w) => w.error);
      if (failed.length) throw new Error(`${v.name}: widgets failed: ${JSON.stringify(failed).slice(0, 300)}`);
      const widgets: Record<string, unknown> = {};
      if (cacheMb === '0') {
        for (const [id, question] of Object.entries(widgetQuestions())) widgets[id] = await timed(RUNS, () => post('/api/v1/analytics/query', { report: question, asOf: AS_OF }));
      }
      out[v.name] = { dashboard: await timed(RUNS, run), ...(cacheMb === '0' ? { widgets } : {}) };
    }
    return out;
  } finally {
    await app.close();
    await store.close();
    delete process.env.ATTAIN_ANALYTICS_CACHE_MB;
  }
}

async function load(url: string, tokens: string[], body: string | undefined): Promise<{ rps: number; p50: number; p99: number; errors: number; non2xx: number }> {
  let next = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION,
    pipelining: 1,
    // Each request as one of the viewers in turn: admins, managers and reps open it together.
    requests: [
      {
        method: body ? 'POST' : 'GET',
        ...(body ? { body, headers: { 'content-type': 'application/json' } } : {}),
        setupRequest: (req) => {
          const token = tokens[next++ % tokens.length] as string;
          return { ...req, headers: { ...(req.headers ?? {}), authorization: `Bearer ${token}` } };
        },
      },
    ],
  });
  return { rps: round(result.requests.average, 0), p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts, non2xx: result.non2xx };
}

export async function benchDashboards(): Promise<Record<string, unknown>> {
  const databaseUrl = await freshDatabase('attain_bench_dashboards');
  const { loadMs, emails } = await seed(databaseUrl);
  const viewers = [
    { name: 'admin', email: emails.admin },
    { name: 'manager', email: emails.managers[0] as string },
    { name: 'rep', email: emails.reps[7] as string },
  ];
  const uncached = await inProcess(databaseUrl, viewers, '0');
  const cached = await inProcess(databaseUrl, viewers, '32');

  const apiPort = await freePort();
  const barePort = await freePort();
  const pool = process.env.ATTAIN_DB_POOL ?? '25';
  const api = spawnNode(['test/bench/serve-api.ts'], { ...process.env, DATABASE_URL: databaseUrl, PORT: String(apiPort), ATTAIN_DB_POOL: pool });
  const bare = spawnNode(['test/bench/serve-bare.ts'], { ...process.env, PORT: String(barePort) });
  try {
    await waitFor(`http://127.0.0.1:${apiPort}/healthz`, 60_000);
    await waitFor(`http://127.0.0.1:${barePort}/`, 60_000);
    // 1 admin, 10 managers and 40 reps open the dashboard together.
    const people = [emails.admin, ...emails.managers, ...emails.reps.filter((_, i) => i % 5 === 0)];
    const tokens: Viewer[] = [];
    for (const email of people) {
      const res = await fetch(`http://127.0.0.1:${apiPort}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tenant: 'bench', email, password: PASSWORD }),
      });
      tokens.push({ name: email, token: ((await res.json()) as { token: string }).token });
    }
    const url = `http://127.0.0.1:${apiPort}/api/v1/analytics/dashboards/${DASHBOARD.name}/run`;
    const body = JSON.stringify({ asOf: AS_OF });
    const all = tokens.map((t) => t.token);
    await load(url, all, body); // warm-up pass, discarded: each viewer's first open runs the widgets
    const bareResult = await load(`http://127.0.0.1:${barePort}/`, ['x'], undefined);
    const dash = await load(url, all, body);
    // The same load right after a write: every viewer's answer is stale and runs again once.
    const write = await fetch(`http://127.0.0.1:${apiPort}/api/v1/objects/customer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${all[0]}` },
      body: JSON.stringify({ name: 'Written during the bench' }),
    });
    if (write.status !== 201) throw new Error(`write answered ${write.status}`);
    const afterWrite = await load(url, all, body);
    return {
      orders: ORDERS,
      opportunities: OPPS,
      viewers: { teams: TEAMS, repsPerTeam: REPS_PER_TEAM, managerSees: 'own team (~10% of rows)', repSees: 'own (~0.5% of rows)' },
      loadMs: Math.round(loadMs),
      widgets: DASHBOARD.widgets.length,
      uncached,
      cached,
      concurrent: {
        connections: CONNECTIONS,
        seconds: DURATION,
        distinctViewers: tokens.length,
        dashboard: dash,
        afterWrite,
        bareFastify: bareResult,
        ratioRps: round(dash.rps / bareResult.rps, 3),
        ratioP99: round(dash.p99 / Math.max(1, bareResult.p99), 2),
      },
      targets: { dashboardP95Ms: '< 300', concurrentErrors: 0, concurrentP99Ms: '< 1000' },
    };
  } finally {
    await stop(api);
    await stop(bare);
  }
}
