// Upgrade that keeps the customer's changes (issue #14 item 3): install v1, customise a label, a
// field, a KPI and a plan rate, upgrade to v2 (which changes some of the same and adds others):
// the customisations survive, conflicts are listed field by field and nothing is applied until
// each is chosen, the upgrade is one revision, and rolling it back returns to the customised v1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testServer } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;

// biome-ignore lint/suspicious/noExplicitAny: documents are walked by path in assertions; typed loosely on purpose
type Doc = Record<string, any>;

const manifest = (version: string) => ({
  kind: 'template',
  id: 'tpl.subs',
  name: 'subs',
  version,
  label: { en: 'Subscriptions', 'zh-CN': '订阅' },
  industry: 'saas',
  requires: { attain: '>=0.1.0 <1' },
  metadata: [],
});
const subscription = (v2: boolean): Doc => ({
  kind: 'object',
  id: 'subs.subscription',
  name: 'sub_contract',
  label: { en: v2 ? 'Subscription (ARR)' : 'Subscription', 'zh-CN': '订阅' },
  schema: {
    type: 'object',
    required: ['name'],
    properties: {
      name: { type: 'string', maxLength: 200, 'x-attain': { id: 'subs.subscription.name', label: { en: 'Name', 'zh-CN': '名称' } } },
      start_date: { type: 'string', format: 'date', 'x-attain': { id: 'subs.subscription.start_date', label: { en: 'Start', 'zh-CN': '开始日期' } } },
      arr: { type: 'number', 'x-attain': { id: 'subs.subscription.arr', storage: 'money', label: { en: 'ARR', 'zh-CN': '年度经常性收入' } } },
      ...(v2 ? { seats: { type: 'integer', minimum: 0, 'x-attain': { id: 'subs.subscription.seats', label: { en: 'Seats', 'zh-CN': '席位' } } } } : {}),
    },
  },
});
const arrKpi = (v2: boolean): Doc => ({
  kind: 'kpi',
  id: 'subs.kpi.arr',
  name: 'arr',
  label: { en: 'ARR', 'zh-CN': '年度经常性收入' },
  object: 'sub_contract',
  dateField: 'start_date',
  unit: 'money',
  description: v2 ? 'New ARR by start date' : 'ARR by start date',
  measure: { aggregate: 'sum', value: 'arr' },
});
const seatsKpi: Doc = {
  kind: 'kpi',
  id: 'subs.kpi.seats',
  name: 'seats',
  label: { en: 'Seats', 'zh-CN': '席位' },
  object: 'sub_contract',
  dateField: 'start_date',
  unit: 'count',
  measure: { aggregate: 'sum', value: 'seats' },
};
const plan = (rate: string): Doc => ({
  kind: 'incentive_plan',
  id: 'subs.plan.ae',
  name: 'ae_comp',
  label: { en: 'AE commission', 'zh-CN': '客户经理提成' },
  versions: [
    {
      version: 1,
      effectiveFrom: '2026-01-01',
      currency: 'USD',
      rounding: { scale: 2, mode: 'half_up' },
      measures: [{ name: 'revenue', type: 'sum' }],
      components: [{ name: 'commission', type: 'rate', measure: 'revenue', rate }],
    },
  ],
});
const v1 = { manifest: manifest('1.0.0'), documents: [subscription(false), arrKpi(false), plan('0.10')], data: {} };
const v2 = { manifest: manifest('1.1.0'), documents: [subscription(true), arrKpi(true), seatsKpi, plan('0.11')], data: {} };

async function docs(): Promise<Doc[]> {
  const revs = (await t.call.admin.get('/api/v1/metadata/revisions')).json() as { data: Array<{ revision: number }> };
  return ((await t.call.admin.get(`/api/v1/metadata/revisions/${revs.data[0]!.revision}`)).json() as { docs: Doc[] }).docs;
}
const doc = (all: Doc[], id: string) => all.find((d) => d.id === id);
const revision = async () => ((await t.call.admin.get('/api/v1/metadata/revisions')).json() as { data: Array<{ revision: number }> }).data[0]!.revision;

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await coreTenant(app, store, 'tplup');
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('template upgrade keeps the customer’s changes', () => {
  it('installs v1 into an existing tenant: the plan first, then merged', async () => {
    const shown = await t.call.admin.post('/api/v1/templates/subs/install', { package: v1 });
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toMatchObject({ applied: false, plan: { safe: true } });
    expect(doc(await docs(), 'subs.subscription')).toBeUndefined();
    const res = await t.call.admin.post('/api/v1/templates/subs/install', { package: v1, accept: true });
    expect(res.statusCode).toBe(200);
    const all = await docs();
    expect(doc(all, 'subs.subscription')?.label.en).toBe('Subscription');
    expect(doc(all, 'core.customer')).toBeDefined();
    expect((await t.call.admin.post('/api/v1/templates/subs/install', { package: v1, accept: true })).json()).toMatchObject({ error: { code: 'template_installed' } });
  });

  it('customises, plans the upgrade, refuses it until conflicts are chosen, applies it as one revision and rolls back', async () => {
    // The customer's changes: a label, a field, a KPI and a plan rate.
    const mine = structuredClone(doc(await docs(), 'subs.subscription')!);
    mine.label.en = 'Contract';
    mine.schema.properties.csm = { type: 'string', maxLength: 80, 'x-attain': { id: 'acme.subscription.csm', label: { en: 'CSM', 'zh-CN': '客户成功经理' } } };
    const kpi = { ...arrKpi(false), measure: { aggregate: 'sum', value: 'arr', filter: 'arr > 1000' } };
    const customised = await t.call.admin.post('/api/v1/metadata/apply', { documents: [mine, kpi, plan('0.12')] });
    expect(customised.statusCode).toBe(200);
    const customisedRevision = await revision();
    const before = await docs();

    const planned = await t.call.admin.post('/api/v1/templates/subs/upgrade/plan', { package: v2 });
    expect(planned.statusCode).toBe(200);
    const p = planned.json() as {
      conflicts: Array<{ path: string; base: unknown; ours: unknown; theirs: unknown }>;
      changes: Array<{ document: string; action: string; taken: string[]; kept: string[] }>;
      unresolved: string[];
      hash: string;
      migration: { safe: boolean };
    };
    // Both changed the object's English label and the commission rate: two conflicts, field by field.
    expect(p.conflicts.map((c) => c.path).sort()).toEqual(['subs.plan.ae#/versions/version=1/components/name=commission/rate', 'subs.subscription#/label/en']);
    expect(p.conflicts.find((c) => c.path.endsWith('/rate'))).toMatchObject({ base: '0.10', ours: '0.12', theirs: '0.11' });
    expect(p.conflicts.find((c) => c.path.endsWith('/label/en'))).toMatchObject({ base: 'Subscription', ours: 'Contract', theirs: 'Subscription (ARR)' });
    expect(p.unresolved).toHaveLength(2);
    const changes = Object.fromEntries(p.changes.map((c) => [c.document, c]));
    expect(changes['subs.kpi.seats']?.action).toBe('added');
    expect(changes['subs.subscription']?.taken).toContain('/schema/properties/seats');
    expect(changes['subs.subscription']?.kept).toContain('/schema/properties/csm');
    expect(changes['subs.kpi.arr']?.taken).toContain('/description');
    expect(changes['subs.kpi.arr']?.kept).toContain('/measure/filter');
    expect(p.migration.safe).toBe(true);
    // Planning applied nothing.
    expect(await revision()).toBe(customisedRevision);

    const refused = await t.call.admin.post('/api/v1/templates/subs/upgrade', { package: v2, hash: p.hash });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ error: { code: 'upgrade_conflicts' } });
    expect((refused.json() as { error: { details: Array<{ path: string }> } }).error.details.map((d) => d.path)).toContain('/resolutions/subs.subscription#/label/en');
    const badChoice = await t.call.admin.post('/api/v1/templates/subs/upgrade', { package: v2, resolutions: { 'subs.subscription#/label/en': 'mine' } });
    expect(badChoice.statusCode).toBe(400);
    expect(await revision()).toBe(customisedRevision);

    const resolutions = { 'subs.subscription#/label/en': 'theirs', 'subs.plan.ae#/versions/version=1/components/name=commission/rate': 'ours' };
    const stale = await t.call.admin.post('/api/v1/templates/subs/upgrade', { package: v2, resolutions, hash: 'not-the-plan' });
    expect(stale.json()).toMatchObject({ error: { code: 'plan_changed' } });
    const resolvedPlan = (await t.call.admin.post('/api/v1/templates/subs/upgrade/plan', { package: v2, resolutions })).json() as { hash: string; unresolved: string[] };
    expect(resolvedPlan.unresolved).toEqual([]);
    const upgraded = await t.call.admin.post('/api/v1/templates/subs/upgrade', { package: v2, resolutions, hash: resolvedPlan.hash });
    expect(upgraded.statusCode).toBe(200);
    expect(upgraded.json()).toMatchObject({ revision: customisedRevision + 1, from: '1.0.0', to: '1.1.0' });

    const after = await docs();
    const sub = doc(after, 'subs.subscription')!;
    expect(sub.label.en).toBe('Subscription (ARR)');
    expect(Object.keys(sub.schema.properties)).toEqual(expect.arrayContaining(['csm', 'seats', 'arr']));
    expect(doc(after, 'subs.kpi.arr')).toMatchObject({ description: 'New ARR by start date', measure: { filter: 'arr > 1000' } });
    expect(doc(after, 'subs.kpi.seats')).toBeDefined();
    expect(doc(after, 'subs.plan.ae')!.versions[0].components[0].rate).toBe('0.12');
    expect(doc(after, 'core.user')).toBeDefined();
    const list = (await t.call.admin.get('/api/v1/templates')).json() as { installed: Array<{ name: string; version: string }> };
    expect(list.installed).toContainEqual(expect.objectContaining({ name: 'subs', version: '1.1.0' }));

    // Rollback: the customised v1 again (a new revision), and the template is at 1.0.0 once more.
    const back = await t.call.admin.post('/api/v1/templates/subs/rollback', {});
    expect(back.statusCode).toBe(200);
    expect(back.json()).toMatchObject({ version: '1.0.0' });
    const restored = await docs();
    for (const id of ['subs.subscription', 'subs.kpi.arr', 'subs.plan.ae']) expect(doc(restored, id)).toEqual(doc(before, id));
    expect(doc(restored, 'subs.kpi.seats')).toBeUndefined();
    expect((await t.call.admin.post('/api/v1/templates/subs/rollback', {})).json()).toMatchObject({ error: { code: 'nothing_to_roll_back' } });
    // The next upgrade merges against 1.0.0 again.
    expect(((await t.call.admin.post('/api/v1/templates/subs/upgrade/plan', { package: v2 })).json() as { from: string }).from).toBe('1.0.0');
  });

  it('refuses what it cannot do with stable codes', async () => {
    expect((await t.call.rep1.get('/api/v1/templates')).statusCode).toBe(403);
    expect((await t.call.admin.post('/api/v1/templates/subs/upgrade/plan', { package: v1 })).json()).toMatchObject({ error: { code: 'template_version' } });
    expect((await t.call.admin.post('/api/v1/templates/nope/upgrade/plan', { package: { ...v2, manifest: { ...v2.manifest, name: 'nope' } } })).json()).toMatchObject({
      error: { code: 'template_not_installed' },
    });
    const needs = await t.call.admin.post('/api/v1/templates/other/install', {
      package: { ...v1, manifest: { ...manifest('1.0.0'), name: 'other', requires: { attain: '>=9', plugins: [{ name: 'geo' }] } } },
    });
    expect(needs.statusCode).toBe(422);
    expect(needs.json()).toMatchObject({ error: { code: 'template_requirements', details: [{ rule: 'attain_version' }, { rule: 'plugin_missing' }] } });
    const bad = await t.call.admin.post('/api/v1/templates/x/install', { package: { manifest: { kind: 'template', name: 'x', version: 'one' }, documents: [] } });
    expect(bad.statusCode).toBe(422);
    expect((bad.json() as { error: { details: Array<{ path: string; rule: string }> } }).error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: '/package/manifest#/version', rule: 'semver' })]),
    );
  });

  it('shows, exports, tells the history and uninstalls over HTTP', async () => {
    const shipped = await t.call.admin.get('/api/v1/templates/saas');
    expect(shipped.statusCode).toBe(200);
    expect(shipped.json()).toMatchObject({ manifest: { name: 'saas', label: { 'zh-CN': 'SaaS 订阅销售' } }, data: { periods: ['2026-Q1', '2026-Q2'] } });
    expect((await t.call.admin.get('/api/v1/templates/No_Such')).statusCode).toBe(404);
    const exported = (await t.call.admin.get('/api/v1/templates/export?records=customer')).json() as {
      manifest: { name: string; version: string };
      documents: Array<{ id: string }>;
      data: { people: Array<{ email: string }>; records: Array<{ object: string }> };
    };
    expect(exported.manifest).toMatchObject({ name: 'subs', version: '1.0.0' });
    expect(exported.documents.map((d) => d.id)).toEqual(expect.arrayContaining(['subs.subscription', 'subs.kpi.arr']));
    expect(exported.documents.map((d) => d.id)).not.toContain('core.customer');
    expect(exported.data.people.map((p) => p.email)).toContain(`rep1@${t.name}.test`);
    expect(exported.data.records[0]?.object).toBe('customer');
    expect((await t.call.admin.get('/api/v1/templates/export?records=nope')).json()).toMatchObject({ error: { code: 'unknown_object' } });
    const history = (await t.call.admin.get('/api/v1/templates/subs/history')).json() as { data: Array<{ action: string; version: string | null }> };
    expect(history.data.map((h) => `${h.action} ${h.version}`)).toEqual(['rollback 1.0.0', 'upgrade 1.1.0', 'install 1.0.0']);
    const shown = await t.call.admin.post('/api/v1/templates/subs/uninstall', {});
    expect(shown.json()).toMatchObject({ applied: false });
    const gone = await t.call.admin.post('/api/v1/templates/subs/uninstall', { accept: true });
    expect(gone.json()).toMatchObject({ applied: true });
    expect(doc(await docs(), 'subs.kpi.arr')).toBeUndefined();
    expect(doc(await docs(), 'core.order')).toBeDefined();
    expect(((await t.call.admin.get('/api/v1/templates')).json() as { installed: unknown[] }).installed).toEqual([]);
    // The operator door is closed without an operator token.
    const saved = process.env.ATTAIN_OPERATOR_TOKEN;
    delete process.env.ATTAIN_OPERATOR_TOKEN;
    try {
      expect((await app.inject({ method: 'POST', url: '/api/v1/operator/templates/saas/tenants', payload: {} })).statusCode).toBe(404);
    } finally {
      if (saved !== undefined) process.env.ATTAIN_OPERATOR_TOKEN = saved;
    }
  });
});
