// Issue #19's load mix on PostgreSQL, through HTTP against a server process, beside a bare fastify
// route in its own process in the same run (the load generator shares the 2 cores with both):
// - mixed: 500 connections at once — reps' *My goals*, managers' team boards, reps' opportunity
//   lists with varied filters (the list cache off: every request runs its query), record creates
//   (activities) and updates (opportunities' next step), reps' statements;
// - *My goals* alone at 500 connections;
// - soak (`npm run bench soak`, MIXED_SOAK_SECONDS, default 600): the mixed load for that long,
//   the server's resident memory sampled every 10 s, its value at the end against the first minute's.
// Data: the demo tenant (`npm start`'s template, ~50 people, 2,500 orders) with every rep and
// manager given a login. Opt-in by name: `npm run bench mixed` / `npm run bench soak`.
import autocannon from 'autocannon';
import { attainModules, hashPassword, installModules } from '@attain/server';
import { createDatabase, createStore } from '@attain/store';
import { ensureDemoTenant } from '../../packages/cli/src/demo-tenant.ts';
import { readConfig } from '../../packages/cli/src/config.ts';
import { freePort, freshDatabase, round, rssMb, spawnNode, stop, waitFor } from './util.ts';

const CONNECTIONS = Number(process.env.MIXED_CONNECTIONS ?? 500);
const DURATION = Number(process.env.MIXED_SECONDS ?? 20);
const PASSWORD = 'Mixed-bench-password-9';
const TENANT = 'demo';

interface Person {
  id: string;
  email: string;
  role: string;
  unit: string | null;
  token: string;
}

interface LoadResult {
  requests: number;
  rps: number;
  averageMs: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** What the errors were: answers other than 2xx (by status), requests past autocannon's 10 s timeout, socket errors. */
  errorKinds?: { non2xx: number; timeouts: number; socket: number; statuses: Record<string, number> };
}

type Req = { method: 'GET' | 'POST' | 'PATCH'; path: string; headers: Record<string, string>; body?: string };

/** One autocannon run whose connections cycle through `make(i)` requests (a new one per request). */
async function load(url: string, connections: number, seconds: number, make: (i: number) => Req): Promise<LoadResult> {
  let i = 0;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    pipelining: 1,
    requests: [{ setupRequest: (req) => ({ ...req, ...make(i++) }) }],
  });
  return {
    requests: result.requests.total,
    rps: round(result.requests.average, 0),
    averageMs: round(result.latency.average, 1),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    // autocannon counts a timeout among its errors too (run.js onTimeout): added once.
    errors: result.errors + result.non2xx,
    ...(result.errors + result.non2xx
      ? {
          errorKinds: {
            non2xx: result.non2xx,
            timeouts: result.timeouts,
            socket: result.errors - result.timeouts,
            statuses: Object.fromEntries(
              Object.entries(result.statusCodeStats ?? {})
                .filter(([code]) => !code.startsWith('2'))
                .map(([code, v]) => [code, (v as { count: number }).count]),
            ),
          },
        }
      : {}),
  };
}

/** Several request classes at once, each with its share of the connections; merged as the issue states them. */
async function mixed(url: string, classes: Record<string, { share: number; make: (i: number) => Req }>, seconds: number) {
  const names = Object.keys(classes);
  const total = names.reduce((a, n) => a + (classes[n]?.share ?? 0), 0);
  const results = await Promise.all(names.map((n) => load(url, Math.max(1, Math.round((CONNECTIONS * (classes[n]?.share ?? 0)) / total)), seconds, (classes[n] as { make: (i: number) => Req }).make)));
  const byClass = Object.fromEntries(names.map((n, i) => [n, results[i]]));
  const requests = results.reduce((a, r) => a + r.requests, 0);
  return {
    connections: CONNECTIONS,
    rps: results.reduce((a, r) => a + r.rps, 0),
    // Averages weighted by requests; the p99 is the worst class's (a bound on the mix's own).
    averageMs: round(results.reduce((a, r) => a + r.averageMs * r.requests, 0) / Math.max(requests, 1), 1),
    p99MsWorstClass: Math.max(...results.map((r) => r.p99Ms)),
    errors: results.reduce((a, r) => a + r.errors, 0),
    byClass,
  };
}

async function setUp() {
  const databaseUrl = await freshDatabase('attain_bench_mixed');
  const db = await createDatabase({ databaseUrl });
  const store = await createStore(db);
  const config = readConfig({ ...process.env, ATTAIN_ADMIN_PASSWORD: PASSWORD });
  const release = installModules(store, attainModules);
  try {
    await ensureDemoTenant(store, config, PASSWORD, true);
    const records = await store.records(TENANT);
    const users = (await records.list('user', { limit: 500 })).data as unknown as Array<{ id: string; email: string; role: string; org_unit_id: string | null; active: boolean }>;
    const hash = await hashPassword(PASSWORD, { N: 1024 });
    const people = users.filter((u) => u.active && (u.role === 'rep' || u.role === 'manager'));
    for (const u of people) await store.auth.upsertCredential({ tenant: TENANT, userId: u.id, email: u.email, passwordHash: hash, active: true });
    const opportunities = (await records.list('opportunity', { limit: 500 })).data as unknown as Array<{ id: string; owner_id: string }>;
    return { databaseUrl, people, opportunities };
  } finally {
    release();
    await store.close();
  }
}

export async function benchMixed(opts: { soakSeconds?: number } = {}): Promise<Record<string, unknown>> {
  const { databaseUrl, people: users, opportunities } = await setUp();
  const apiPort = await freePort();
  const barePort = await freePort();
  const pool = process.env.ATTAIN_DB_POOL ?? '25';
  const api = spawnNode(['test/bench/serve-api.ts'], {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: String(apiPort),
    ATTAIN_DB_POOL: pool,
    ATTAIN_LIST_CACHE_MB: '0',
    BENCH_LOGIN_LIMIT: '100000',
  });
  const bare = spawnNode(['test/bench/serve-bare.ts'], { ...process.env, PORT: String(barePort) });
  try {
    const base = `http://127.0.0.1:${apiPort}`;
    await waitFor(`${base}/healthz`, 60_000);
    await waitFor(`http://127.0.0.1:${barePort}/`, 60_000);
    const people: Person[] = [];
    for (const u of users) {
      const res = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tenant: TENANT, email: u.email, password: PASSWORD }),
      });
      if (!res.ok) throw new Error(`login ${u.email}: ${res.status} ${await res.text()}`);
      people.push({ id: u.id, email: u.email, role: u.role, unit: u.org_unit_id, token: ((await res.json()) as { token: string }).token });
    }
    const reps = people.filter((p) => p.role === 'rep');
    const managers = people.filter((p) => p.role === 'manager' && p.unit);
    if (reps.length === 0 || managers.length === 0) throw new Error('the demo has no reps or managers with a unit');
    const auth = (p: Person) => ({ authorization: `Bearer ${p.token}` });
    const month = new Date().toISOString().slice(0, 7);
    const periods = (await (await fetch(`${base}/api/v1/incentives/periods`, { headers: auth(reps[0] as Person) })).json()) as { data: Array<{ id?: string; period?: string; key?: string }> };
    const period = periods.data.map((p) => p.period ?? p.key ?? p.id).find((p): p is string => typeof p === 'string') ?? month;
    const mine = (p: Person) => opportunities.filter((o) => o.owner_id === p.id);
    const stages = ['prospecting', 'qualification', 'proposal', 'negotiation', 'closed_won', 'closed_lost'];
    const pick = <T>(list: T[], i: number) => list[i % list.length] as T;
    const classes = {
      myGoals: { share: 30, make: (i: number): Req => ({ method: 'GET', path: `/api/v1/goals/attainment?kpi=paid_revenue&period=${month}`, headers: auth(pick(reps, i)) }) },
      teamBoard: {
        share: 10,
        make: (i: number): Req => {
          const m = pick(managers, i);
          return { method: 'GET', path: `/api/v1/goals/attainment?kpi=paid_revenue&period=${month}&team=${m.unit}`, headers: auth(m) };
        },
      },
      lists: {
        share: 30,
        make: (i: number): Req => {
          const filter = { and: [{ stage: { eq: pick(stages, i) } }, { amount: { gte: [0, 10_000, 100_000][i % 3] } }] };
          return { method: 'GET', path: `/api/v1/objects/opportunity?filter=${encodeURIComponent(JSON.stringify(filter))}&sort=-close_date&limit=50`, headers: auth(pick(reps, i)) };
        },
      },
      writes: {
        share: 10,
        make: (i: number): Req => {
          const p = pick(reps, i);
          const own = mine(p);
          const json = { ...auth(p), 'content-type': 'application/json' };
          if (i % 2 === 0 || own.length === 0) {
            return { method: 'POST', path: '/api/v1/objects/activity', headers: json, body: JSON.stringify({ subject: `Call ${i}`, kind: 'call', occurred_at: new Date().toISOString() }) };
          }
          return { method: 'PATCH', path: `/api/v1/objects/opportunity/${pick(own, i).id}`, headers: json, body: JSON.stringify({ next_step: `Follow up ${i}` }) };
        },
      },
      statements: {
        share: 20,
        make: (i: number): Req => {
          const p = pick(reps, i);
          return { method: 'GET', path: `/api/v1/incentives/statements/${p.id}/${period}`, headers: auth(p) };
        },
      },
    };
    // Every class answers once before the load (a refused request would only count as errors).
    for (const [name, c] of Object.entries(classes)) {
      const r = c.make(0);
      const res = await fetch(`${base}${r.path}`, { method: r.method, headers: r.headers, ...(r.body ? { body: r.body } : {}) });
      if (!res.ok) throw new Error(`${name}: ${r.method} ${r.path} answered ${res.status} ${(await res.text()).slice(0, 300)}`);
    }
    const bareResult = await load(`http://127.0.0.1:${barePort}`, CONNECTIONS, DURATION, () => ({ method: 'GET', path: '/', headers: {} }));
    if (opts.soakSeconds) {
      const samples: Array<{ atSeconds: number; rssMb: number }> = [];
      const t0 = Date.now();
      const timer = setInterval(() => {
        if (api.pid) samples.push({ atSeconds: Math.round((Date.now() - t0) / 1000), rssMb: rssMb(api.pid) });
      }, 10_000);
      const result = await mixed(base, classes, opts.soakSeconds);
      clearInterval(timer);
      const afterMinute = samples.find((s) => s.atSeconds >= 60) ?? samples[0];
      const last = samples.at(-1);
      return {
        soakSeconds: opts.soakSeconds,
        rssAfterFirstMinuteMb: afterMinute?.rssMb,
        rssAtEndMb: last?.rssMb,
        growth: afterMinute && last ? round(last.rssMb / afterMinute.rssMb - 1, 3) : null,
        target: 'rss at the end within 10 % of its value after the first minute',
        samples,
        load: result,
      };
    }
    await mixed(base, classes, 5); // warm-up, discarded
    const mixedResult = await mixed(base, classes, DURATION);
    const myGoalsAlone = await load(base, CONNECTIONS, DURATION, classes.myGoals.make);
    return {
      data: `demo tenant: ${users.length} people with a login (${reps.length} reps, ${managers.length} managers)`,
      connections: CONNECTIONS,
      seconds: DURATION,
      bare: bareResult,
      mixed: mixedResult,
      myGoalsAlone,
      ratios: { mixedRpsToBare: round(mixedResult.rps / Math.max(bareResult.rps, 1), 3), myGoalsRpsToBare: round(myGoalsAlone.rps / Math.max(bareResult.rps, 1), 3) },
      targets: { mixed: '0 errors, average < 200 ms, p99 < 500 ms', myGoalsAlone: 'p99 < 250 ms' },
    };
  } finally {
    await stop(api);
    await stop(bare);
  }
}
