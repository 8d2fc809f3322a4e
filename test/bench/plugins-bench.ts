// Tenant plugins on PostgreSQL: (1) the time a before-create hook adds to a REST create (p50 and
// p95 of creates in a tenant with the plugin minus the same in a tenant without, alternated), its
// ratio to a plain create in the same run, and one hook call on its own (the runtime's call into
// the sandbox, no HTTP or database); (2) the throughput of 10,000 writes (upserts of 1,000) with
// an after-hook: writes/s, and after-hooks/s until the durable jobs of every write have run.
import { readMetadataDir } from '@attain/meta/node';
import { createDatabase, createStore, JobRunner } from '@attain/store';
import { buildServer, hashPassword } from '@attain/server';
import { bundlePlugin, pluginsFor } from '@attain/plugins';
import { ROOT, freshDatabase, round } from './util.ts';

const CREATES = Number(process.env.BENCH_PLUGIN_CREATES ?? 800);
const WRITES = Number(process.env.BENCH_PLUGIN_WRITES ?? 10_000);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? 0;

export async function benchPlugins(): Promise<Record<string, unknown>> {
  const db = await createDatabase({ databaseUrl: await freshDatabase('attain_bench_plugins') });
  const store = await createStore(db);
  const app = await buildServer({ store, jwtSecret: 'b'.repeat(40), logger: false, loginRateLimit: { max: 1000, timeWindow: '1 minute' }, sso: { defaultTotpRoles: [] } });
  try {
    // Two tenants alike but for the plugin, written to in alternation: load from elsewhere on the
    // machine falls on both sides of every pair, instead of on whichever block it coincides with.
    const sys = { userId: null, label: 'bench' };
    const core = await readMetadataDir(`${ROOT}/metadata/core`);
    const headersOf: Record<string, { authorization: string }> = {};
    for (const tenant of ['bench', 'plain']) {
      await store.tenants.create(tenant);
      await store.metadata.apply(tenant, core, { actor: { userId: null } });
      const admin = await (await store.records(tenant)).create('user', { name: 'Bench Admin', email: 'admin@bench.local', role: 'admin' }, sys);
      await store.auth.credentials.upsertCredential({ tenant, userId: admin.id, email: 'admin@bench.local', passwordHash: await hashPassword('bench-password-1'), active: true });
      const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant, email: 'admin@bench.local', password: 'bench-password-1' } });
      headersOf[tenant] = { authorization: `Bearer ${(login.json() as { token: string }).token}` };
    }
    const records = await store.records('bench');
    const runtime = pluginsFor(store);
    const plugin = await bundlePlugin(`${ROOT}/test/bench/fixtures/bench-hooks`);
    await runtime.service.install('bench', plugin, sys, { consent: true });

    let n = 0;
    const create = async (tenant: string): Promise<number> => {
      const t0 = performance.now();
      const res = await app.inject({ method: 'POST', url: '/api/v1/objects/customer', headers: headersOf[tenant], payload: { name: `C${++n}` } });
      if (res.statusCode !== 201) throw new Error(`create ${n} in ${tenant} answered ${res.statusCode}: ${res.body}`);
      return performance.now() - t0;
    };
    // Warm both paths (isolate, compiled plugin, registry, prepared statements).
    for (let i = 0; i < 100; i++) await create(i % 2 === 0 ? 'bench' : 'plain');
    const withHook: number[] = [];
    const without: number[] = [];
    for (let i = 0; i < CREATES; i++) {
      // Alternate which side of the pair goes first.
      if (i % 2 === 0) {
        withHook.push(await create('bench'));
        without.push(await create('plain'));
      } else {
        without.push(await create('plain'));
        withHook.push(await create('bench'));
      }
    }
    // One hook call as the write path makes it, without the HTTP request and the insert around it.
    const active = (await runtime.service.active('bench')).find((p) => p.name === 'bench-hooks');
    if (!active) throw new Error('bench-hooks is not active');
    const event = { op: 'create', object: 'customer', id: null, record: { name: 'C' }, before: null, actor: sys };
    const hookCall: number[] = [];
    for (let i = 0; i < CREATES; i++) {
      const t0 = performance.now();
      await runtime.run('bench', active, 'beforeCreate:customer', { event });
      hookCall.push(performance.now() - t0);
    }
    await runtime.service.setEnabled('bench', 'bench-hooks', false, sys);

    // 10,000 writes with the after-hook: the writes enqueue one event per record in their
    // transaction; the runner fans each out to a plugin job and runs it in the sandbox.
    // Only the after-hook from here on (the before-hook would run once per written row).
    await runtime.service.install('bench', await bundlePlugin(`${ROOT}/test/bench/fixtures/bench-after`), sys, { consent: true });
    const bg = runtime.background();
    for (const s of bg.subscriptions ?? []) store.events.subscribe(s);
    const runner = new JobRunner(store.jobs, { handlers: bg.handlers, batch: 200 });
    const t0 = performance.now();
    for (let b = 0; b < WRITES / 1000; b++) {
      await records.upsert(
        'customer',
        Array.from({ length: 1000 }, (_, i) => ({ external_id: `w${b}_${i}`, name: `W ${b}-${i}` })),
        sys,
      );
    }
    const writeMs = performance.now() - t0;
    const ran = await runner.drain(100_000);
    const totalMs = performance.now() - t0;
    const failed = (await store.jobs.list({ status: 'failed', limit: 1000 })).length;
    return {
      restCreateP50WithHookMs: round(pct(withHook, 50)),
      restCreateP50WithoutMs: round(pct(without, 50)),
      beforeHookAddsP50Ms: round(pct(withHook, 50) - pct(without, 50)),
      beforeHookAddsP95Ms: round(pct(withHook, 95) - pct(without, 95)),
      withHookToPlainRatioP50: round(pct(withHook, 50) / pct(without, 50)),
      targetP50Ms: 2,
      hookCallP50Ms: round(pct(hookCall, 50)),
      hookCallP95Ms: round(pct(hookCall, 95)),
      writes: WRITES,
      writesPerSecond: round((WRITES / writeMs) * 1000, 0),
      afterHookJobsRun: ran,
      afterHookJobsFailed: failed,
      endToEndPerSecond: round((WRITES / totalMs) * 1000, 0),
    };
  } finally {
    await app.close();
    await store.close();
  }
}
