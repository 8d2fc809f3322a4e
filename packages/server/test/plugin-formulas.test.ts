// Plugin formula functions through the product (issue #13): the first-party tiered-bonus plugin is
// installed over the API, and its TIERED_BONUS is used (a) by a computed formula field read on record
// list and get, (b) by an incentive plan's formula measure whose component pays it on statements.
// Each is evaluated in one batched plugin call per page / per run, never one per row. Disabling the
// plugin makes metadata apply refuse a formula that uses it (plugin_function_disabled) and sets
// the plan aside with a problem; a plugin that throws surfaces as plugin_failed, audited, and a
// calculation run still completes. Figures by hand beside each assertion.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { readMetadataDir } from '@attain/meta/node';
import { pluginsFor } from '@attain/plugins';
import { testServer } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';

const pluginsDir = fileURLToPath(new URL('../../../plugins', import.meta.url));
const coreDir = fileURLToPath(new URL('../../../metadata/core', import.meta.url));
const MAR = '2026-03';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
const customer: Record<string, string> = {};
/** Rows per batched plugin call, as the runtime's formula provider is asked (a counting pass-through). */
const calls: number[] = [];

type Doc = { kind: string; name: string; schema: { properties: Record<string, unknown> } };
let orderDoc: Doc;
const withBonus = (expression: string, stored = false): Doc => {
  const doc = structuredClone(orderDoc);
  doc.schema.properties.bonus = { type: 'number', 'x-attain': { id: 'fld_order_bonus', storage: 'money', formula: { expression, ...(stored ? { stored: true } : {}) } } };
  return doc;
};

// The plugin's own example plan: a `bonus` formula measure TIERED_BONUS(revenue, revenue / quota, retention), paid at rate 1.
type PlanDoc = { id: string; versions: Array<{ measures: Array<{ name: string; expression?: string }> }> };
const plan = JSON.parse(readFileSync(join(pluginsDir, 'tiered-bonus', 'examples', 'plan.json'), 'utf8')) as PlanDoc;

beforeAll(async () => {
  ({ app, store } = await testServer(undefined, { plugins: { dir: pluginsDir } }));
  t = await coreTenant(app, store, 'pfx');
  const docs = (await readMetadataDir(coreDir)) as Doc[];
  orderDoc = docs.find((d) => d.kind === 'object' && d.name === 'order') as Doc;
  const provider = pluginsFor(store).formulas;
  const call = provider.call.bind(provider);
  provider.call = (tenant, name, rows) => {
    calls.push(rows.length);
    return call(tenant, name, rows);
  };
  const rules = [{ kind: 'crediting_rule', id: 'own', name: 'owner', label: { en: 'Owner' }, effectiveFrom: '2020-01-01', type: 'split' }];
  expect((await t.call.admin.put('/api/v1/incentives/crediting-rules', { rules })).statusCode).toBe(200);
  // Each rep books for a customer they own (a reference must point at a record its writer may read).
  for (const who of ['rep1', 'rep2'] as const) customer[who] = (await t.call.admin.post('/api/v1/objects/customer', { name: `ACME ${who}`, owner_id: t.ids[who] })).json().id;
});
afterAll(async () => {
  await app.close();
  await store.close();
});

const detailsOf = (res: { json(): unknown }) => (res.json() as { error: { code: string; details: Array<{ path: string; rule: string; message: string }> } }).error;

describe('plugin formula functions', () => {
  it('a manifest declares each formula function with its types; a formula hook without a signature is refused at install', async () => {
    const noSig = await t.call.admin.post('/api/v1/plugins', { manifest: { name: 'no-sig', version: '1.0.0', hooks: ['formula:NO_SIG'] }, code: 'x' });
    expect(noSig.statusCode).toBe(422);
    expect(detailsOf(noSig).details[0]).toMatchObject({ path: '/manifest/hooks[0]', rule: 'formula_signature' });
    const badType = await t.call.admin.post('/api/v1/plugins', { manifest: { name: 'bad-type', version: '1.0.0', formulas: { X: { args: ['float'], returns: 'number' } } }, code: 'x' });
    expect(badType.statusCode).toBe(422);
    expect(detailsOf(badType).details[0]).toMatchObject({ path: '/manifest/formulas/X/args', rule: 'enum' });
    const builtin = await t.call.admin.post('/api/v1/plugins', { manifest: { name: 'my-round', version: '1.0.0', formulas: { ROUND: { args: ['numeric'], returns: 'number' } } }, code: 'x' });
    expect([builtin.statusCode, detailsOf(builtin).details[0]]).toEqual([422, expect.objectContaining({ path: '/manifest/formulas/ROUND', rule: 'formula_builtin' })]);
  });

  it('before the plugin is installed, TIERED_BONUS is an unknown function at metadata apply', async () => {
    const res = await t.call.admin.post('/api/v1/metadata/apply', { documents: [withBonus('TIERED_BONUS(amount, amount / 10000, 0.96)')], mode: 'merge' });
    expect(res.statusCode).toBe(422);
    expect(detailsOf(res)).toMatchObject({ code: 'metadata_invalid' });
    expect(detailsOf(res).details[0]?.message).toContain('Unknown function TIERED_BONUS');
  });

  it('(a) installed over the API, it computes a formula field read on record list and get, one plugin call per page', async () => {
    expect((await t.call.admin.post('/api/v1/plugins', { package: 'tiered-bonus' })).statusCode).toBe(201);
    const consented = (await t.call.admin.post('/api/v1/plugins/tiered-bonus/consent')).json().data;
    expect(consented).toMatchObject({ status: 'enabled', formulas: { TIERED_BONUS: { args: ['numeric', 'numeric', 'numeric'], returns: 'money' } } });
    // The formula check route types it from the manifest; the SQL preview refuses it with the reason.
    const checked = await t.call.admin.post('/api/v1/formula/check', { object: 'order', formula: 'TIERED_BONUS(amount, amount / 10000, 0.96)' });
    expect(checked.json()).toEqual({ ok: true, type: 'money' });
    const preview = await t.call.admin.post('/api/v1/formula/preview', { object: 'order', formula: 'TIERED_BONUS(amount, 1, 1)' });
    expect(preview.statusCode).toBeLessThan(500);
    expect(preview.body).toContain('not in the SQL preview');
    // One name, one plugin: a second plugin may not declare TIERED_BONUS too.
    const twin = await t.call.admin.post('/api/v1/plugins', { manifest: { name: 'twin', version: '1.0.0', formulas: { TIERED_BONUS: { args: [], returns: 'number' } } }, code: 'x' });
    expect([twin.statusCode, detailsOf(twin).details[0]]).toEqual([409, expect.objectContaining({ path: '/manifest/formulas/TIERED_BONUS', rule: 'formula_conflict' })]);
    // A stored formula field runs in SQL inside the write: a plugin function is refused there.
    const stored = await t.call.admin.post('/api/v1/metadata/apply', { documents: [withBonus('TIERED_BONUS(amount, amount / 10000, 0.96)', true)], mode: 'merge' });
    expect(stored.statusCode).toBe(422);
    expect(detailsOf(stored).details[0]).toMatchObject({ rule: 'plugin_function_sql' });
    const applied = await t.call.admin.post('/api/v1/metadata/apply', { documents: [withBonus('TIERED_BONUS(amount, amount / 10000, 0.96)')], mode: 'merge' });
    expect(applied.statusCode).toBe(200);
    const ids: Record<string, string> = {};
    for (const [n, who, amount] of [
      ['SO-1', 'rep1', '11000'],
      ['SO-2', 'rep1', '9000'],
      ['SO-3', 'rep1', '5000'],
      ['SO-4', 'rep2', '9000'],
    ] as const) {
      const res = await t.call[who].post('/api/v1/objects/order', { order_number: n, customer_id: customer[who], order_date: '2026-03-05', status: 'booked', amount, currency: 'USD' });
      expect(res.statusCode).toBe(201);
      ids[n] = res.json().id;
    }
    // The saved record comes back with its plugin field computed (11,000 → 660.00, see below).
    const patched = await t.call.rep1.patch(`/api/v1/objects/order/${ids['SO-1']}`, { amount: '11000' });
    expect(patched.json().bonus).toBe('660.00');
    calls.length = 0;
    const list = await t.call.admin.get('/api/v1/objects/order?sort=order_number');
    expect(list.statusCode).toBe(200);
    const bonus = Object.fromEntries((list.json().data as Array<{ order_number: string; bonus: string }>).map((o) => [o.order_number, o.bonus]));
    // SO-1: 11,000 is 110 % of 10,000 → 5 %; retention 0.96 → ×1.2: 11,000 × 0.05 × 1.2 = 660.00
    // SO-2 and SO-4: 90 % → 3 % × 1.2: 9,000 × 0.036 = 324.00;  SO-3: 50 % → no tier: 0.00
    expect(bonus).toEqual({ 'SO-1': '660.00', 'SO-2': '324.00', 'SO-3': '0.00', 'SO-4': '324.00' });
    // Four records, one plugin call.
    expect(calls).toEqual([4]);
    // Not kept by the list cache: the answer moves with the plugin (version, settings, disabled) too.
    expect(list.headers['x-attain-cache']).toBeUndefined();
    const one = await t.call.rep1.get(`/api/v1/objects/order/${ids['SO-1']}`);
    expect(one.json().bonus).toBe('660.00');
    // GraphQL reads through the same records service.
    const gql = await t.call.rep1.post('/graphql', { query: '{ orderList(limit: 10) { data { order_number bonus } } }' });
    expect(gql.json().data.orderList.data).toEqual(
      expect.arrayContaining([
        { order_number: 'SO-1', bonus: '660.00' },
        { order_number: 'SO-3', bonus: '0.00' },
      ]),
    );
    // Filters and sorts run in SQL: a plugin field is refused there, naming it.
    const filtered = await t.call.admin.get(`/api/v1/objects/order?filter=${encodeURIComponent(JSON.stringify({ and: [{ bonus: { gte: 100 } }] }))}`);
    expect([filtered.statusCode, detailsOf(filtered).details[0]]).toEqual([400, expect.objectContaining({ path: '/filter/and/0/bonus', rule: 'plugin_field' })]);
    const sorted = await t.call.admin.get('/api/v1/objects/order?sort=-bonus');
    expect([sorted.statusCode, detailsOf(sorted).details[0]?.rule]).toEqual([400, 'plugin_field']);
    // A report aggregates in SQL: a formula reaching the plugin field is refused there with its rule, not a 500.
    const report = await t.call.admin.post('/api/v1/analytics/query', { report: { object: 'order', measures: [{ name: 'b', op: 'sum', formula: 'bonus' }] } });
    expect(report.statusCode).toBe(400);
    expect(detailsOf(report).details[0]?.message).toContain('TIERED_BONUS is a function of plugin "tiered-bonus"');
  });

  it('(c) KPIs have no formula measures: their per-record value is aggregated in SQL, so a plugin function there is refused at apply', async () => {
    const kpi = {
      kind: 'kpi',
      id: 'kpi_bonus',
      name: 'bonus_kpi',
      label: { en: 'Bonus' },
      object: 'order',
      dateField: 'order_date',
      unit: 'money',
      measure: { aggregate: 'sum', value: 'TIERED_BONUS(amount, 1, 1)' },
    };
    const res = await t.call.admin.post('/api/v1/metadata/apply', { documents: [kpi], mode: 'merge' });
    expect(res.statusCode).toBe(422);
    expect(detailsOf(res).details[0]).toMatchObject({ path: '/measure/value', rule: 'plugin_function_sql' });
  });

  it('(b) an incentive plan whose formula measure uses TIERED_BONUS pays it on statements, one plugin call per run', async () => {
    expect((await t.call.admin.put(`/api/v1/incentives/plans/${plan.id}`, plan)).statusCode).toBe(200);
    const assign = await t.call.admin.put(`/api/v1/incentives/plans/${plan.id}/assignments`, { assignments: [t.ids.rep1, t.ids.rep2].map((payeeId) => ({ payeeId, from: '2020-01-01' })) });
    expect(assign.statusCode).toBe(200);
    const values = [
      { payeeId: t.ids.rep1, period: MAR, name: 'quota', value: '20000' },
      { payeeId: t.ids.rep1, period: MAR, name: 'retention', value: '0.96' },
      { payeeId: t.ids.rep2, period: MAR, name: 'quota', value: '10000' },
      { payeeId: t.ids.rep2, period: MAR, name: 'retention', value: '0.8' },
    ];
    expect((await t.call.admin.put('/api/v1/incentives/inputs', { values })).statusCode).toBe(200);
    await t.drain();
    calls.length = 0;
    expect((await t.call.finance.post('/api/v1/incentives/recalculate')).statusCode).toBe(200);
    // Both payees' rows in one batched call.
    expect(calls).toEqual([2]);
    const line = async (who: 'rep1' | 'rep2') => {
      const res = await t.call[who].get(`/api/v1/incentives/statements/${t.ids[who]}/${MAR}`);
      expect(res.statusCode).toBe(200);
      return (res.json().data.lines as Array<{ component: string; amount: string }>).find((l) => l.component === 'tiered_bonus')?.amount;
    };
    // rep1: revenue 11,000 + 9,000 + 5,000 = 25,000 of a 20,000 quota = 125 % → 8 %; retention 0.96 → ×1.2:
    // 25,000 × 0.08 × 1.2 = 2,400.00
    expect(Number(await line('rep1'))).toBe(2400);
    // rep2: 9,000 of 10,000 = 90 % → 3 %; retention 0.8 → ×0.8: 9,000 × 0.03 × 0.8 = 216.00
    expect(Number(await line('rep2'))).toBe(216);
    // What-if runs the same formula measure: paying the bonus at rate 2 doubles it (2,400 → 4,800; 216 → 432).
    const edited = structuredClone(plan) as PlanDoc & { versions: Array<{ components: Array<{ rate: string }> }> };
    edited.versions[0]!.components[0]!.rate = '2';
    const whatif = await t.call.finance.post('/api/v1/incentives/whatif', { period: MAR, planId: plan.id, plan: edited });
    expect(whatif.statusCode).toBe(200);
    const rows = whatif.json().data.payees as Array<{ payeeId: string; live: string; whatif: string }>;
    expect(rows.map((r) => [r.payeeId, Number(r.live), Number(r.whatif)]).sort()).toEqual(
      [
        [t.ids.rep1, 2400, 4800],
        [t.ids.rep2, 216, 432],
      ].sort(),
    );
  });

  it('(d) with the plugin disabled, metadata apply refuses a formula using it with plugin_function_disabled, and the plan is set aside', async () => {
    expect((await t.call.admin.post('/api/v1/plugins/tiered-bonus/disable')).statusCode).toBe(200);
    const res = await t.call.admin.post('/api/v1/metadata/apply', { documents: [withBonus('TIERED_BONUS(amount, amount / 10000, 0.9)')], mode: 'merge' });
    expect(res.statusCode).toBe(422);
    expect(detailsOf(res)).toMatchObject({ code: 'metadata_invalid' });
    expect(detailsOf(res).details[0]).toMatchObject({ rule: 'plugin_function_disabled' });
    expect(detailsOf(res).details[0]?.message).toContain('plugin "tiered-bonus"');
    // The existing field reads as null rather than failing the read (the same list as in (a): no cached answer).
    const list = await t.call.admin.get('/api/v1/objects/order?sort=order_number');
    expect(list.statusCode).toBe(200);
    expect((list.json().data as Array<{ bonus: unknown }>).map((o) => o.bonus)).toEqual([null, null, null, null]);
    // The plan API refuses the plan with the same rule; a recalculation reports it instead of failing.
    const saved = await t.call.admin.put(`/api/v1/incentives/plans/${plan.id}`, plan);
    expect(saved.statusCode).toBe(422);
    expect(detailsOf(saved).details[0]).toMatchObject({ path: '/versions/0/measures/3/expression', rule: 'plugin_function_disabled' });
    expect((await t.call.finance.post('/api/v1/incentives/recalculate')).statusCode).toBe(200);
    const problems = (await t.call.finance.get('/api/v1/incentives/problems')).json().data as Array<{ code: string; message: string }>;
    expect(problems.find((p) => p.code === 'plan_invalid')?.message).toContain('tiered-bonus');
    expect((await t.call.admin.post('/api/v1/plugins/tiered-bonus/enable')).statusCode).toBe(200);
  });

  it('a plugin function that throws or loops surfaces as plugin_failed naming its code, is audited, and a run still completes', async () => {
    const manifest = { name: 'boom', version: '1.0.0', formulas: { BOOM: { args: ['numeric'], returns: 'number' }, SPIN: { args: ['numeric'], returns: 'number' } } };
    const code = "hooks['formula:BOOM'] = () => { throw new Error('boom'); }; hooks['formula:SPIN'] = () => { for (;;) {} };";
    const installed = await t.call.admin.post('/api/v1/plugins', { manifest, code, consent: true });
    expect(installed.statusCode).toBe(201);
    expect((await t.call.admin.post('/api/v1/plugins/boom/consent')).statusCode).toBeLessThan(500);
    const applied = await t.call.admin.post('/api/v1/metadata/apply', { documents: [withBonus('BOOM(amount)')], mode: 'merge' });
    expect(applied.statusCode).toBe(200);
    const list = await t.call.admin.get('/api/v1/objects/order');
    expect(list.statusCode).toBe(422);
    expect(detailsOf(list)).toMatchObject({ code: 'plugin_failed' });
    expect(detailsOf(list).details[0]).toMatchObject({ path: '/plugins/boom', rule: 'guest_error' });
    const broken = structuredClone(plan);
    broken.versions[0]!.measures[3]!.expression = 'BOOM(revenue)';
    expect((await t.call.admin.put(`/api/v1/incentives/plans/${plan.id}`, broken)).statusCode).toBe(200);
    expect((await t.call.finance.post('/api/v1/incentives/recalculate')).statusCode).toBe(200);
    const problems = (await t.call.finance.get('/api/v1/incentives/problems')).json().data as Array<{ code: string; message: string }>;
    expect(problems.find((p) => p.code === 'plan_calc_failed')?.message).toContain('plugin_failed (guest_error)');
    const audit = (await t.call.admin.get('/api/v1/audit?limit=50')).json().data as Array<{ action: string }>;
    expect(audit.some((a) => a.action === 'plugin.failed')).toBe(true);
    // A loop is stopped by the call's time limit: the read fails with rule timeout.
    expect((await t.call.admin.post('/api/v1/metadata/apply', { documents: [withBonus('SPIN(amount)')], mode: 'merge' })).statusCode).toBe(200);
    const spun = await t.call.admin.get('/api/v1/objects/order');
    expect([spun.statusCode, detailsOf(spun).details[0]]).toEqual([422, expect.objectContaining({ path: '/plugins/boom', rule: 'timeout' })]);
  });
});
