// Whole-document checks (issue #11 item 7): an invalid plan or KPI is refused at every door with its
// path — the plan API, the metadata plan and apply — and a plan that is stored invalid anyway (from
// before these checks) is reported as a problem of that plan while the others are computed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { IncentiveEngine } from '@attain/engine';
import { quoteIdent } from '@attain/store';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import { baseDocs } from './fixtures/metadata.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;
let finance: Caller;

const plan = (id: string, rate: unknown) => ({
  kind: 'incentive_plan',
  id,
  name: id,
  label: { en: id },
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
const kpi = (filter: string, value = 'amount') => ({
  kind: 'kpi',
  id: 'kpi_won_check',
  name: 'won_check',
  label: { en: 'Won' },
  object: 'deal',
  dateField: 'close_date',
  unit: 'money',
  measure: { aggregate: 'sum', value, filter },
});
const docsWith = (...extra: unknown[]) => ({ documents: [...baseDocs(), ...extra] });

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'pchk');
  admin = as(app, await login(app, t.name, t.users.admin.email));
  finance = as(app, await login(app, t.name, t.users.finance.email));
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('plans and KPIs are checked whole before they can be stored', () => {
  it('PUT /incentives/plans refuses a rate that is not a decimal, naming the cell, and stores nothing', async () => {
    for (const rate of ['x', 0.05, '1e3', '']) {
      const res = await admin.put('/api/v1/incentives/plans/bad_rate', plan('bad_rate', rate));
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe('plan_invalid');
      expect(res.json().error.details[0].path).toBe('/versions/0/components/0/rate');
    }
    expect((await admin.get('/api/v1/incentives/plans')).json().data.map((p: { id: string }) => p.id)).not.toContain('bad_rate');
    expect((await admin.put('/api/v1/incentives/plans/good_rate', plan('good_rate', '0.05'))).statusCode).toBe(200);
  });

  it('metadata plan type-checks KPI filters and values against the objects', async () => {
    const res = await admin.post('/api/v1/metadata/plan', docsWith(kpi('outcomee = "won"')));
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('metadata_invalid');
    expect(res.json().error.details).toContainEqual(expect.objectContaining({ document: 'kpi "won_check"', path: '/measure/filter', rule: 'formula' }));
    const value = await admin.post('/api/v1/metadata/plan', docsWith(kpi('stage = "won"', 'amountt')));
    expect(value.json().error.details).toContainEqual(expect.objectContaining({ path: '/measure/value', rule: 'formula' }));
    const typed = await admin.post('/api/v1/metadata/plan', docsWith(kpi('amount')));
    expect(typed.json().error.details).toContainEqual(expect.objectContaining({ path: '/measure/filter', rule: 'formula_type' }));
    // Nothing was applied by the refused plans, and a valid KPI plans and applies.
    expect((await admin.post('/api/v1/metadata/plan', docsWith(kpi('stage = "won"')))).statusCode).toBe(200);
  });

  it('metadata plan checks incentive plan record sources and runs the plan linter', async () => {
    const sourced = {
      ...plan('visits_pts', '1'),
      versions: [
        { ...plan('visits_pts', '1').versions[0], measures: [{ name: 'revenue', type: 'sum', source: { object: 'deal', dateField: 'close_date', filter: 'outcomee = "won"', value: 'amountt' } }] },
      ],
    };
    const res = await admin.post('/api/v1/metadata/plan', docsWith(sourced));
    expect(res.statusCode).toBe(422);
    const paths = res.json().error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['/versions/0/measures/0/source/filter', '/versions/0/measures/0/source/value']));
    const tiers = {
      ...plan('tiers', '1'),
      versions: [
        {
          ...plan('tiers', '1').versions[0],
          components: [
            {
              name: 'c',
              type: 'tiered',
              measure: 'revenue',
              tiers: [
                { from: '0', to: '100', rate: '0.1' },
                { from: '50', rate: '0.2' },
              ],
            },
          ],
        },
      ],
    };
    const linted = await admin.post('/api/v1/metadata/plan', docsWith(tiers));
    expect(linted.statusCode).toBe(422);
    expect(linted.json().error.details).toContainEqual(expect.objectContaining({ document: 'incentive_plan "tiers"', path: '/versions/0/components/0/tiers/1/from', rule: 'overlapping_tiers' }));
    const applied = await admin.post('/api/v1/metadata/apply', docsWith(tiers));
    expect(applied.statusCode).toBe(422);
  });

  it('a field rename that would break a KPI is refused at plan time, naming the KPI', async () => {
    expect((await admin.post('/api/v1/metadata/apply', docsWith(kpi('stage = "won"')))).statusCode).toBe(200);
    // biome-ignore lint/suspicious/noExplicitAny: the test edits metadata documents of several kinds in place
    const renamed = structuredClone(docsWith(kpi('stage = "won"')).documents) as Array<Record<string, any>>;
    const deal = renamed.find((d) => d.name === 'deal')!;
    // A rename keeps the field's id; a role naming the old name is updated with it.
    deal.schema.properties.stage_name = deal.schema.properties.stage;
    delete deal.schema.properties.stage;
    for (const role of renamed.filter((d) => d.kind === 'role'))
      for (const p of role.permissions ?? []) for (const k of ['hiddenFields', 'readOnlyFields']) if (p[k]) p[k] = p[k].map((f: string) => (f === 'stage' ? 'stage_name' : f));
    const res = await admin.post('/api/v1/metadata/plan', { documents: renamed });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details).toContainEqual(expect.objectContaining({ document: 'kpi "won_check"', path: '/measure/filter' }));
  });

  it('a plan stored invalid is reported as a problem of that plan; the others are computed; never a 500', async () => {
    const engine = new IncentiveEngine(store as never, t.name);
    const handle = await engine.ensure();
    await engine.saveRules([{ kind: 'crediting_rule', id: 'own', name: 'owner', label: { en: 'Owner' }, effectiveFrom: '2020-01-01', type: 'owner' }]);
    // As a plan saved before the checks existed would be: straight into the engine's table.
    const docs = `${quoteIdent(handle.schema)}.${quoteIdent('attain_incentives_docs')}`;
    await handle.knex.raw(`insert into ${docs} (id, kind, doc, updated_at) values ('legacy_bad', 'incentive_plan', ?::jsonb, now())`, [JSON.stringify(plan('legacy_bad', 'x'))]);
    await engine.setAssignments([
      { kind: 'plan', payeeId: t.users.repEast.id, key: 'legacy_bad', from: '2026-01-01' },
      { kind: 'plan', payeeId: t.users.repWest.id, key: 'good_rate', from: '2026-01-01' },
    ]);
    await engine.openPeriod('2026-01');
    await engine.upsertTransactions([
      { id: 'o1', object: 'order', ownerId: t.users.repEast.id, date: '2026-01-05', amount: '1000', currency: 'USD' },
      { id: 'o2', object: 'order', ownerId: t.users.repWest.id, date: '2026-01-06', amount: '2000', currency: 'USD' },
    ]);
    const run = await finance.post('/api/v1/incentives/recalculate');
    expect(run.statusCode).toBe(200);
    const problems = (await finance.get('/api/v1/incentives/problems')).json().data as Array<{ code: string; planId?: string; message: string }>;
    expect(problems).toContainEqual(expect.objectContaining({ code: 'plan_invalid', planId: 'legacy_bad' }));
    expect(problems.find((p) => p.code === 'plan_invalid')!.message).toContain('/versions/0/components/0/rate');
    const good = (await finance.get(`/api/v1/incentives/statements/${t.users.repWest.id}/2026-01`)).json().data;
    expect(good.lines.map((l: { amount: string }) => l.amount)).toEqual(['100']);
    // Once the plan is fixed through the API the problem goes away with the next run.
    expect((await admin.put('/api/v1/incentives/plans/legacy_bad', plan('legacy_bad', '0.1'))).statusCode).toBe(200);
    expect((await finance.post('/api/v1/incentives/recalculate')).statusCode).toBe(200);
    const after = (await finance.get('/api/v1/incentives/problems')).json().data as Array<{ code: string }>;
    expect(after.filter((p) => p.code === 'plan_invalid')).toEqual([]);
    const fixed = (await finance.get(`/api/v1/incentives/statements/${t.users.repEast.id}/2026-01`)).json().data;
    expect(fixed.lines.map((l: { amount: string }) => l.amount)).toEqual(['100']);
  });
});
