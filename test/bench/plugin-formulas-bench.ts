// Plugin formula functions on PostgreSQL: REST list pages of orders whose formula field calls the
// tiered-bonus plugin's TIERED_BONUS (evaluated on the host: one sandbox batch for the arguments,
// one plugin call per page), against the anchor of the same bonus written as a plain formula
// computed in SQL, in the same run; metadata switches between the two, rounds interleaved. Each
// timed list follows a write, so neither is a list-cache hit.
import { readMetadataDir } from '@attain/meta/node';
import { createDatabase, createStore } from '@attain/store';
import { buildServer, hashPassword } from '@attain/server';
import { bundlePlugin, pluginsFor } from '@attain/plugins';
import { ROOT, freshDatabase, round } from './util.ts';

const ORDERS = Number(process.env.BENCH_PLUGIN_FX_ORDERS ?? 2000);
const LISTS = Number(process.env.BENCH_PLUGIN_FX_LISTS ?? 40);
const PAGE = 200;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? 0;

const PLUGIN = 'TIERED_BONUS(amount, amount / 10000, 0.96)';
// The same rule in the formula language (tier by attainment, × 1.2 for retention 0.96).
const SQL = 'ROUND(amount * IF(amount / 10000 >= 1.2, 0.08, IF(amount / 10000 >= 1, 0.05, IF(amount / 10000 >= 0.8, 0.03, 0))) * 1.2, 2)';

export async function benchPluginFormulas(): Promise<Record<string, unknown>> {
  const db = await createDatabase({ databaseUrl: await freshDatabase('attain_bench_plugin_fx') });
  const store = await createStore(db);
  const app = await buildServer({ store, jwtSecret: 'b'.repeat(40), logger: false, loginRateLimit: { max: 1000, timeWindow: '1 minute' }, sso: { defaultTotpRoles: [] } });
  try {
    const sys = { userId: null, label: 'bench' };
    await store.tenants.create('bench');
    const core = (await readMetadataDir(`${ROOT}/metadata/core`)) as Array<{ kind: string; name: string; schema: { properties: Record<string, unknown> } }>;
    await store.metadata.apply('bench', core, { actor: sys });
    const records = await store.records('bench');
    const admin = await records.create('user', { name: 'Bench Admin', email: 'admin@bench.local', role: 'admin' }, sys);
    await store.auth.credentials.upsertCredential({ tenant: 'bench', userId: admin.id, email: 'admin@bench.local', passwordHash: await hashPassword('bench-password-1'), active: true });
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: 'bench', email: 'admin@bench.local', password: 'bench-password-1' } });
    const headers = { authorization: `Bearer ${(login.json() as { token: string }).token}` };
    const runtime = pluginsFor(store);
    await runtime.service.install('bench', await bundlePlugin(`${ROOT}/plugins/tiered-bonus`), sys, { consent: true });
    let calls = 0;
    const call = runtime.formulas.call.bind(runtime.formulas);
    runtime.formulas.call = (tenant, name, rows) => {
      calls++;
      return call(tenant, name, rows);
    };
    const customer = await records.create('customer', { name: 'Bench customer' }, sys);
    for (let b = 0; b < ORDERS / 1000; b++) {
      const rows = Array.from({ length: 1000 }, (_, i) => ({
        external_id: `o${b}_${i}`,
        order_number: `SO-${b}-${i}`,
        customer_id: customer.id,
        order_date: '2026-03-01',
        amount: String(5000 + ((b * 1000 + i) % 9000)),
      }));
      await records.upsert('order', rows, sys);
    }
    const order = core.find((d) => d.kind === 'object' && d.name === 'order');
    if (!order) throw new Error('no order object in the core metadata');
    const withBonus = (expression: string) => {
      const doc = structuredClone(order);
      doc.schema.properties.bonus = { type: 'number', 'x-attain': { id: 'fld_order_bonus', storage: 'money', formula: { expression } } };
      return [...core.filter((d) => d !== order), doc];
    };
    let bumps = 0;
    const list = async (): Promise<number> => {
      // An untimed write first: it moves the tenant's data version, so the SQL anchor is computed
      // too rather than served from the list cache (plugin fields are never cached).
      await records.create('customer', { name: `Bump ${++bumps}` }, sys);
      const t0 = performance.now();
      const res = await app.inject({ method: 'GET', url: `/api/v1/objects/order?limit=${PAGE}`, headers });
      if (res.statusCode !== 200) throw new Error(`list answered ${res.statusCode}: ${res.body}`);
      return performance.now() - t0;
    };
    const plugin: number[] = [];
    const sql: number[] = [];
    let pluginCalls = 0;
    for (let r = 0; r < 5; r++) {
      await store.metadata.apply('bench', withBonus(PLUGIN), { actor: sys });
      for (let i = 0; i < 5; i++) await list(); // warm: compiled batch, plugin isolate, registry
      const before = calls;
      for (let i = 0; i < LISTS / 4; i++) if (r > 0) plugin.push(await list());
      if (r > 0) pluginCalls += calls - before;
      await store.metadata.apply('bench', withBonus(SQL), { actor: sys });
      for (let i = 0; i < 5; i++) await list();
      for (let i = 0; i < LISTS / 4; i++) if (r > 0) sql.push(await list());
    }
    return {
      page: PAGE,
      listP50PluginMs: round(pct(plugin, 50)),
      listP95PluginMs: round(pct(plugin, 95)),
      listP50SqlAnchorMs: round(pct(sql, 50)),
      listP95SqlAnchorMs: round(pct(sql, 95)),
      pluginOverSqlP50: round(pct(plugin, 50) / pct(sql, 50)),
      pluginCallsPerList: round(pluginCalls / plugin.length),
    };
  } finally {
    await app.close();
    await store.close();
  }
}
