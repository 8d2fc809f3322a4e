// Frozen periods keep their traces (issue #11): a line of an approved period lists the credits it
// was frozen with whatever happens later (late orders, refunds, a full recredit, a back-dated org
// move); the prior-period lines of the open period list what they move. Real database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type Store } from '@attain/store';
import { IncentiveEngine, dec, fmt, type IncentivePlanDoc, type OrgMembership as Membership, type OrgUnit } from '../src/incentives/index.ts';
import { changedRows } from '../src/incentives/db/frozen-rows.ts';
import { plan, rule } from './incentives-fixture.ts';

let store: Store;
let n = 0;
beforeAll(async () => {
  store = await openTestStore();
});
afterAll(async () => {
  await store.close();
});

describe('changedRows: what a prior-period line moved, per credit', () => {
  it('subtracts per id (summing repeats), keeps the larger scale, drops what did not move, orders by date then id', () => {
    const after = [
      { id: 'b', date: '2026-01-02', value: '10.00' },
      { id: 'a', date: '2026-01-05', value: '5.5' },
      { id: 'c', date: '2026-01-01', value: '1.00' },
    ];
    const before = [
      { id: 'a', date: '2026-01-05', value: '2.25' },
      { id: 'a', date: '2026-01-05', value: '3.25' },
      { id: 'd', date: '2026-01-01', value: '7.000' },
      { id: 'c', date: '2026-01-01', value: '0.50' },
    ];
    expect(changedRows(after, before)).toEqual([
      { id: 'c', date: '2026-01-01', value: '0.50' },
      { id: 'd', date: '2026-01-01', value: '-7.000' },
      { id: 'b', date: '2026-01-02', value: '10.00' },
    ]);
    expect(changedRows([], [])).toEqual([]);
  });
});

const units: OrgUnit[] = [
  { id: 'east', headId: 'M1' },
  { id: 'west', headId: 'M2' },
];
const org = (r1Unit: string): Membership[] => [
  { userId: 'M1', orgUnitId: 'east', from: '2020-01-01' },
  { userId: 'M2', orgUnitId: 'west', from: '2020-01-01' },
  { userId: 'R1', orgUnitId: r1Unit, from: '2020-01-01' },
];
const repPlan: IncentivePlanDoc = plan(
  [{ name: 'commission', type: 'rate', measure: 'revenue', rate: '0.05' }],
  { clawback: { days: 30 }, measures: [{ name: 'revenue', type: 'sum', filter: { kinds: ['direct', 'split'] } }] },
  'plan_rep',
);
const mgrPlan: IncentivePlanDoc = plan([{ name: 'override', type: 'rate', measure: 'team', rate: '0.01' }], { measures: [{ name: 'team', type: 'sum', filter: { kinds: ['rollup'] } }] }, 'plan_mgr');

async function engine(): Promise<IncentiveEngine> {
  const name = `frz${process.pid}x${++n}`;
  await store.tenants.create(name);
  const e = new IncentiveEngine(store, name);
  await e.saveRules([rule('owner'), rule('rollup', { levels: [{ pct: '100' }] })]);
  await e.savePlan(repPlan);
  await e.savePlan(mgrPlan);
  await e.setAssignments([
    { kind: 'plan', payeeId: 'R1', key: 'plan_rep', from: '2020-01-01' },
    ...['M1', 'M2'].map((p) => ({ kind: 'plan' as const, payeeId: p, key: 'plan_mgr', from: '2020-01-01' })),
  ]);
  await e.setOrg(org('east'), units);
  for (const p of ['2026-01', '2026-02']) await e.openPeriod(p);
  return e;
}

const drill = async (e: IncentiveEngine, payee: string, period: string, component: string, kind = 'earning') => {
  const line = (await e.statement(payee, period)).lines.find((l) => l.component === component && l.kind === kind);
  expect(line, `${payee} ${period} ${component} ${kind}`).toBeDefined();
  // Values to the cent (a rolled-up credit's value carries 10 decimals).
  return ((await e.lineCredits(payee, period, line!.key))?.credits ?? []).map((c) => [c.tx_id, fmt(dec(String(c.value)), 2)]);
};

describe('a frozen period keeps the credits it was frozen with', () => {
  it('late orders, a refund, a back-dated org move and a full recredit leave January as frozen; February traces each change', async () => {
    const e = await engine();
    await e.upsertTransactions([{ id: 'a1', object: 'order', ownerId: 'R1', date: '2026-01-10', amount: '10000.00', currency: 'USD' }]);
    await e.recompute({ credit: true });
    await e.setPeriodStatus('2026-01', 'approved', 'fin');
    expect(await drill(e, 'R1', '2026-01', 'commission')).toEqual([['a1', '10000.00']]);
    expect(await drill(e, 'M1', '2026-01', 'override')).toEqual([['a1', '10000.00']]);

    // A late order, a refund of the frozen order inside the window, and R1 moved to the west back to 2020.
    await e.upsertTransactions([
      { id: 'a2', object: 'order', ownerId: 'R1', date: '2026-01-20', amount: '2000.00', currency: 'USD' },
      { id: 'a1', object: 'order', ownerId: 'R1', date: '2026-01-10', amount: '10000.00', currency: 'USD', reversalDate: '2026-01-25', status: 'refunded' },
    ]);
    await e.setOrg(org('west'), units);
    await e.recompute({ credit: true });

    // January: the figures and the credits it was frozen with.
    const jan = await e.statement('R1', '2026-01');
    expect(fmt(jan.lines.find((l) => l.component === 'commission')!.amount, 2)).toBe('500.00');
    expect(await drill(e, 'R1', '2026-01', 'commission')).toEqual([['a1', '10000.00']]);
    expect(await drill(e, 'M1', '2026-01', 'override')).toEqual([['a1', '10000.00']]);

    // February: +100.00 for the late order (2,000 × 5%), −500.00 taking back the refunded order.
    const feb = await e.statement('R1', '2026-02');
    const amount = (kind: string) => fmt(feb.lines.find((l) => l.kind === kind && l.component === 'commission')!.amount, 2);
    expect([amount('adjustment'), amount('clawback')]).toEqual(['100.00', '-500.00']);
    expect(await drill(e, 'R1', '2026-02', 'commission', 'adjustment')).toEqual([['a2', '2000.00']]);
    expect(await drill(e, 'R1', '2026-02', 'commission', 'clawback')).toEqual([['a1', '-10000.00']]);
    expect(feb.lines.find((l) => l.kind === 'clawback')!.trace.measures).toMatchObject({ revenue: { value: '-10000' } });

    // The traced statement lists the same rows.
    const traced = await e.statement('R1', '2026-01', { traced: true });
    expect(traced.lines.find((l) => l.component === 'commission')!.trace.sourceRecordIds).toEqual(['a1']);
  });

  it('a period frozen before lines were snapshotted reads its credits as they are (no snapshot to read)', async () => {
    const e = await engine();
    await e.upsertTransactions([{ id: 'b1', object: 'order', ownerId: 'R1', date: '2026-01-10', amount: '100.00', currency: 'USD' }]);
    await e.recompute({ credit: true });
    await e.setPeriodStatus('2026-01', 'approved', 'fin');
    const { knex, schema } = await e.ensure();
    await knex.withSchema(schema).from('attain_incentives_frozen_periods').delete();
    await knex.withSchema(schema).from('attain_incentives_frozen_rows').delete();
    await e.upsertTransactions([{ id: 'b2', object: 'order', ownerId: 'R1', date: '2026-01-12', amount: '50.00', currency: 'USD' }]);
    await e.recomputeTransactions(['b2']);
    expect(await drill(e, 'R1', '2026-01', 'commission')).toEqual([
      ['b1', '100.00'],
      ['b2', '50.00'],
    ]);
    expect((await drill(e, 'R1', '2026-02', 'commission', 'adjustment')).map(([tx]) => tx)).toEqual(['b1', 'b2']);
  });
});
