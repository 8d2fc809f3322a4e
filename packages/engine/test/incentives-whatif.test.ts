import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { openTestStore, type Store } from '@attain/store';
import { IncentiveEngine, checkInputs, goalTargetNames, goalTargets, putInputs, readInputs, syncGoalTargets, whatIf, goalsModule, type IncentivePlanDoc } from '../src/index.ts';
import { plan, rule } from './incentives-fixture.ts';

let store: Store;
let n = 0;
beforeAll(async () => {
  store = await openTestStore();
});
afterAll(async () => {
  await store.close();
});

async function engine(): Promise<IncentiveEngine> {
  const name = `wif${process.pid}x${++n}`;
  await store.tenants.create(name);
  return new IncentiveEngine(store, name);
}

const live: IncentivePlanDoc = plan(
  [
    {
      name: 'commission',
      type: 'tiered',
      measure: 'revenue',
      target: 'quota',
      tierBasis: 'attainment',
      tiers: [
        { from: '0', to: '1', rate: '0.05' },
        { from: '1', rate: '0.08' },
      ],
    },
  ],
  {},
  'plan_rep',
);

async function seeded(): Promise<IncentiveEngine> {
  const e = await engine();
  await e.saveRules([rule('owner')]);
  await e.savePlan(live);
  await e.setAssignments(['A', 'B'].map((p) => ({ kind: 'plan' as const, payeeId: p, key: 'plan_rep', from: '2026-01-01' })));
  await e.openPeriod('2026-01');
  await e.upsertTransactions([
    { id: 'o1', object: 'order', ownerId: 'A', date: '2026-01-05', amount: '15000', currency: 'USD' },
    { id: 'o2', object: 'order', ownerId: 'B', date: '2026-01-06', amount: '4000', currency: 'USD' },
  ]);
  await putInputs(e, [
    { payeeId: 'A', period: '2026-01', name: 'quota', value: '10000' },
    { payeeId: 'B', period: '2026-01', name: 'quota', value: 10000 },
  ]);
  await e.recompute({ credit: true });
  return e;
}

describe('targets and inputs', () => {
  it('checks every cell and writes nothing when one is bad', async () => {
    const e = await engine();
    expect(checkInputs('x').issues[0]).toMatchObject({ path: '/values', rule: 'type' });
    const bad = checkInputs([{ payeeId: '', period: '2026-13', name: 'Quota', value: '1,0' }, null]);
    expect(bad.issues.map((i) => `${i.path}:${i.rule}`)).toEqual([
      '/values/0/payeeId:required',
      '/values/0/period:pattern',
      '/values/0/name:pattern',
      '/values/0/value:number',
      '/values/1/payeeId:required',
      '/values/1/period:pattern',
      '/values/1/name:pattern',
      '/values/1/value:number',
    ]);
    await expect(
      putInputs(e, [
        { payeeId: 'A', period: '2026-01', name: 'quota', value: '1' },
        { payeeId: 'A', period: 'x', name: 'quota', value: '1' },
      ]),
    ).rejects.toMatchObject({ code: 'invalid_inputs', status: 400 });
    expect(await readInputs(e)).toEqual([]);
    await putInputs(e, [
      { payeeId: 'A', period: '2026-01', name: 'quota', value: '100' },
      { payeeId: 'A', period: '2026-01', name: 'mbo', value: '0.8' },
      { payeeId: 'B', period: '2026-02', name: 'quota', value: '5' },
    ]);
    await putInputs(e, [{ payeeId: 'A', period: '2026-01', name: 'quota', value: '120' }]);
    expect(await readInputs(e, { period: '2026-01', payees: ['A'], names: ['quota'] })).toEqual([{ payeeId: 'A', period: '2026-01', name: 'quota', value: '120' }]);
    expect(await readInputs(e)).toHaveLength(3);
  });

  it('reads targets from the goals module when the plan says targetSource goals', async () => {
    const e = await engine();
    const goalsPlan = structuredClone(live);
    goalsPlan.versions[0]!.targetSource = 'goals';
    goalsPlan.versions[0]!.targetPlans = { quota: 'rev_2026' };
    expect([...goalTargetNames([goalsPlan], '2026-01')]).toEqual([['quota', 'rev_2026']]);
    expect(goalTargetNames([live], '2026-01').size).toBe(0);
    expect(await goalTargets(e, [goalsPlan], ['2026-01'])).toEqual([]);
    const h = await store.modules.ensure(e.tenant, goalsModule);
    const active = randomUUID();
    const old = randomUUID();
    const user = randomUUID();
    await h.knex.raw(
      `insert into "${h.schema}".attain_goals_plan_version (id, plan, version, status, total, settings) values (?, 'rev_2026', 1, 'superseded', 1, '{}'), (?, 'rev_2026', 2, 'active', 1, '{}')`,
      [old, active],
    );
    await h.knex.raw(
      `insert into "${h.schema}".attain_goals_target (version_id, node, kind, user_id, month, amount) values (?, 'a', 'person', ?, '2026-01-01', 999), (?, 'b', 'person', ?, '2026-01-01', 12000), (?, 'c', 'person', ?, '2026-01-01', 500), (?, 'u', 'unit', null, '2026-01-01', 1)`,
      [old, user, active, user, active, user, active],
    );
    expect(await goalTargets(e, [goalsPlan], ['2026-01', '2026-02'])).toEqual([{ payeeId: user, period: '2026-01', name: 'quota', value: '12500' }]);
    await e.savePlan(goalsPlan);
    await e.openPeriod('2026-01');
    expect(await syncGoalTargets(e)).toBe(1);
    expect(await readInputs(e, { payees: [user] })).toEqual([{ payeeId: user, period: '2026-01', name: 'quota', value: '12500' }]);
  });
});

describe('what-if runs', () => {
  it('compares an edited plan with the live one per payee and component, writing nothing', async () => {
    const e = await seeded();
    const before = await e.payouts('2026-01');
    const edited = structuredClone(live);
    edited.versions[0]!.components[0]!.tiers = [
      { from: '0', to: '1', rate: '0.05' },
      { from: '1', rate: '0.12' },
    ];
    edited.versions[0]!.components.push({ name: 'kicker', type: 'rate', measure: 'revenue', rate: '0.001' });
    const r = await whatIf(e, { period: '2026-01', planId: 'plan_rep', plan: edited });
    // A: 10,000 × 5% + 5,000 × 8% = 900 live; 500 + 600 = 1,100 + kicker 15 what-if. B: 200 both + kicker 4.
    expect(r.rows.map((x) => [x.payeeId, x.component, x.live, x.whatif, x.delta])).toEqual([
      ['A', 'commission', '900', '1100', '200'],
      ['A', 'kicker', '0', '15', '15'],
      ['B', 'commission', '200', '200', '0'],
      ['B', 'kicker', '0', '4', '4'],
    ]);
    expect(r.rows[0]).toMatchObject({ liveAttainment: '1.5', whatifAttainment: '1.5' });
    expect(r.payees).toEqual([
      { payeeId: 'A', live: '900', whatif: '1115', delta: '215' },
      { payeeId: 'B', live: '200', whatif: '204', delta: '4' },
    ]);
    expect(r.totals).toEqual({ live: '1100', whatif: '1319', delta: '219', payees: 2, up: 2, down: 0 });
    expect(await e.payouts('2026-01')).toEqual(before);
    expect((await e.plans())[0]).toEqual(live);
  });

  it('runs a draft version of the stored plan over the period, for some payees', async () => {
    const e = await seeded();
    const withDraft = structuredClone(live);
    withDraft.versions[0]!.effectiveTo = '2026-06-30';
    withDraft.versions.push({
      ...structuredClone(live.versions[0]!),
      version: 2,
      effectiveFrom: '2026-07-01',
      effectiveTo: null,
      components: [{ name: 'commission', type: 'rate', measure: 'revenue', rate: '0.1' }],
    });
    await e.savePlan(withDraft);
    const r = await whatIf(e, { period: '2026-01', planId: 'plan_rep', version: 2, payees: ['B'] });
    expect(r.live.version).toBe(1);
    expect(r.whatif.version).toBe(2);
    expect(r.rows.map((x) => [x.payeeId, x.live, x.whatif])).toEqual([['B', '200', '400']]);
    expect(r.totals.up).toBe(1);
  });

  it('refuses bad requests with the offending field named', async () => {
    const e = await seeded();
    await expect(whatIf(e, { period: '2026-1', planId: 'plan_rep' })).rejects.toMatchObject({ code: 'bad_period' });
    await expect(whatIf(e, { period: '2026-01', planId: 'nope' })).rejects.toMatchObject({ status: 404 });
    await expect(whatIf(e, { period: '2026-01', planId: 'plan_rep', plan: { ...live, id: 'x' } })).rejects.toMatchObject({ code: 'id_mismatch' });
    await expect(whatIf(e, { period: '2026-01', planId: 'plan_rep', version: 9 })).rejects.toMatchObject({ code: 'no_version', details: [{ path: '/version' }] });
    await expect(whatIf(e, { period: '2025-01', planId: 'plan_rep' })).rejects.toMatchObject({ code: 'no_version', details: [{ path: '/period' }] });
    const bad = structuredClone(live);
    bad.versions[0]!.components[0]!.tiers![1]!.from = '0.5';
    await expect(whatIf(e, { period: '2026-01', planId: 'plan_rep', plan: bad })).rejects.toMatchObject({ code: 'plan_invalid', details: [{ path: '/versions/0/components/0/tiers/1/from' }] });
    // A brand-new plan (nobody assigned yet) compares against nothing.
    const fresh = { ...structuredClone(live), id: 'plan_new', name: 'plan_new' };
    const r = await whatIf(e, { period: '2026-01', planId: 'plan_new', plan: fresh });
    expect(r.live.version).toBeNull();
    expect(r.rows).toEqual([]);
  });
});
