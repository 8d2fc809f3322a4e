// A statement read serves each line's trace ids from the line row (stored the first time the line is
// read, line-drills.ts) and answers exactly what computing every line's drill-down answers: across
// open and approved periods, holds, prior-period adjustments and clawbacks, and a dispute's
// adjustment; a run that rewrites a line, a freeze and a metadata change make it read afresh.
// Real database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type Store } from '@attain/store';
import { IncentiveEngine, type IncentivePlanDoc, type OrgMembership as Membership, type OrgUnit } from '../src/incentives/index.ts';
import { plan, rule } from './incentives-fixture.ts';

let store: Store;
let n = 0;
beforeAll(async () => {
  store = await openTestStore();
});
afterAll(async () => {
  await store.close();
});

const units: OrgUnit[] = [{ id: 'east', headId: 'M1' }];
const org: Membership[] = [
  { userId: 'M1', orgUnitId: 'east', from: '2020-01-01' },
  { userId: 'R1', orgUnitId: 'east', from: '2020-01-01' },
];
const repPlan: IncentivePlanDoc = plan(
  [{ name: 'commission', type: 'rate', measure: 'revenue', rate: '0.05' }],
  { clawback: { days: 30 }, measures: [{ name: 'revenue', type: 'sum', filter: { kinds: ['direct', 'split'] } }] },
  'plan_rep',
);
// Paid on payment: an order not paid yet (no payment date) stands behind a hold line.
const paidPlan: IncentivePlanDoc = plan([{ name: 'bonus', type: 'rate', measure: 'revenue', rate: '0.01' }], { payoutTiming: 'payment' }, 'plan_paid');
const mgrPlan: IncentivePlanDoc = plan([{ name: 'override', type: 'rate', measure: 'team', rate: '0.01' }], { measures: [{ name: 'team', type: 'sum', filter: { kinds: ['rollup'] } }] }, 'plan_mgr');
const PAYEES = ['R1', 'M1'];
const PERIODS = ['2026-01', '2026-02'];

async function engine(): Promise<IncentiveEngine> {
  const name = `drl${process.pid}x${++n}`;
  await store.tenants.create(name);
  const e = new IncentiveEngine(store, name);
  await e.saveRules([rule('owner'), rule('rollup', { levels: [{ pct: '100' }] })]);
  for (const p of [repPlan, paidPlan, mgrPlan]) await e.savePlan(p);
  await e.setAssignments([
    { kind: 'plan', payeeId: 'R1', key: 'plan_rep', from: '2020-01-01' },
    { kind: 'plan', payeeId: 'R1', key: 'plan_paid', from: '2020-01-01' },
    { kind: 'plan', payeeId: 'M1', key: 'plan_mgr', from: '2020-01-01' },
  ]);
  await e.setOrg(org, units);
  for (const p of PERIODS) await e.openPeriod(p);
  return e;
}

/** The SQL a call runs. */
async function queries(fn: () => Promise<unknown>): Promise<string[]> {
  const sql: string[] = [];
  const listener = (q: { sql: string }) => sql.push(q.sql);
  store.db.knex.on('query', listener);
  try {
    await fn();
  } finally {
    store.db.knex.off('query', listener);
  }
  return sql;
}

async function drills(e: IncentiveEngine, period: string): Promise<unknown[]> {
  const { knex, schema } = await e.ensure();
  return (await knex.withSchema(schema).from('attain_incentives_lines').where({ period }).orderBy(['payee_id', 'key']).select('drill')).map((r: { drill: unknown }) => r.drill);
}

/** Every statement, read twice (the first read stores, the second reads stored), equals the one computed afresh; the second reads no credit. */
async function agree(e: IncentiveEngine): Promise<void> {
  for (const payee of PAYEES) {
    for (const period of PERIODS) {
      const fresh = await e.statement(payee, period, { traced: true, fresh: true });
      expect(await e.statement(payee, period, { traced: true }), `${payee} ${period}`).toEqual(fresh);
      let again: unknown;
      const sql = await queries(async () => {
        again = await e.statement(payee, period, { traced: true });
      });
      expect(again, `${payee} ${period} stored`).toEqual(fresh);
      expect(
        sql.filter((q) => /credits|frozen_rows|incentive_plan/.test(q)),
        `${payee} ${period}`,
      ).toEqual([]);
    }
  }
}

describe('stored drill-downs of a statement', () => {
  it('answer what the drill-downs answer through approval, late orders, a refund, a dispute and recalculations', async () => {
    const e = await engine();
    await e.upsertTransactions([
      { id: 'a1', object: 'order', ownerId: 'R1', date: '2026-01-10', amount: '10000.00', currency: 'USD', paidDate: '2026-01-15' },
      { id: 'h1', object: 'order', ownerId: 'R1', date: '2026-01-20', amount: '5000.00', currency: 'USD' },
    ]);
    await e.recompute({ credit: true });
    const jan = await e.statement('R1', '2026-01', { traced: true });
    expect(jan.lines.map((l) => [l.kind, l.component, l.trace.creditCount])).toEqual([
      ['hold', null, 1],
      ['earning', 'bonus', 1],
      ['earning', 'commission', 2],
    ]);
    await agree(e);
    // A statement read is its four keyed lookups once the drills are stored.
    expect(await queries(() => e.statement('R1', '2026-01', { traced: true }))).toHaveLength(4);

    // Approving January freezes its drill-downs: the stored ones go and are read from the snapshot.
    await e.setPeriodStatus('2026-01', 'approved', 'fin');
    expect((await drills(e, '2026-01')).every((d) => d === null)).toBe(true);
    await agree(e);

    // A late January order and a refund of a1: February's adjustment and clawback; February's lines are rewritten.
    await e.upsertTransactions([
      { id: 'a2', object: 'order', ownerId: 'R1', date: '2026-01-20', amount: '2000.00', currency: 'USD' },
      { id: 'a1', object: 'order', ownerId: 'R1', date: '2026-01-10', amount: '10000.00', currency: 'USD', reversalDate: '2026-01-25', status: 'refunded' },
    ]);
    await e.recompute({ credit: true });
    expect((await drills(e, '2026-02')).every((d) => d === null)).toBe(true);
    const feb = await e.statement('R1', '2026-02', { traced: true });
    expect(feb.lines.filter((l) => l.component === 'commission').map((l) => [l.kind, l.trace.sourceRecordIds])).toEqual([
      ['adjustment', ['a2']],
      ['clawback', ['a1']],
      ['earning', []],
    ]);
    await agree(e);

    // A dispute on frozen January, accepted: booked in February.
    const key = jan.lines.find((l) => l.component === 'commission')!.key;
    const d = await e.raiseDispute({ payeeId: 'R1', period: '2026-01', lineKey: key, reason: 'x', actor: 'R1' });
    await e.resolveDispute(String(d.id), { status: 'accepted', resolution: 'ok', amount: '10.00', actor: 'fin' });
    await e.recompute();
    expect((await e.statement('R1', '2026-02', { traced: true })).lines.some((l) => l.trace.dispute)).toBe(true);
    await agree(e);

    // A February order, recalculated by transaction: February's commission lists it at once.
    await e.upsertTransactions([{ id: 'f1', object: 'order', ownerId: 'R1', date: '2026-02-05', amount: '300.00', currency: 'USD' }]);
    await e.recomputeTransactions(['f1']);
    const earning = (await e.statement('R1', '2026-02', { traced: true })).lines.find((l) => l.component === 'commission' && l.kind === 'earning');
    expect(earning?.trace.sourceRecordIds).toEqual(['f1']);
    await agree(e);
  });

  it('reads afresh when what the drills depend on changed, and never stores a period frozen without a snapshot', async () => {
    const e = await engine();
    await e.upsertTransactions([{ id: 'b1', object: 'order', ownerId: 'R1', date: '2026-01-10', amount: '100.00', currency: 'USD', paidDate: '2026-01-11' }]);
    await e.recompute({ credit: true });
    await agree(e);
    const { knex, schema } = await e.ensure();
    const lines = () => knex.withSchema(schema).from('attain_incentives_lines');
    // A stored drill of another metadata revision (or calendar) is not used, and is replaced.
    await lines()
      .where({ period: '2026-01' })
      .update({ drill: knex.raw(`jsonb_set(drill, '{version}', '"old"')`) });
    const sql = await queries(() => e.statement('R1', '2026-01', { traced: true }));
    expect(sql.some((q) => q.includes('credits'))).toBe(true);
    expect((await drills(e, '2026-01')).filter((d) => d !== null && (d as { version: string }).version === 'old')).toHaveLength(1);
    await agree(e);

    // January frozen, then its snapshot gone (a period frozen before snapshots): read live, never stored.
    await e.setPeriodStatus('2026-01', 'approved', 'fin');
    await knex.withSchema(schema).from('attain_incentives_frozen_periods').delete();
    await knex.withSchema(schema).from('attain_incentives_frozen_rows').delete();
    await e.upsertTransactions([{ id: 'b2', object: 'order', ownerId: 'R1', date: '2026-01-12', amount: '50.00', currency: 'USD', paidDate: '2026-01-13' }]);
    await e.recomputeTransactions(['b2']);
    const r1 = await e.statement('R1', '2026-01', { traced: true });
    expect(r1.lines.find((l) => l.component === 'commission')?.trace.sourceRecordIds).toEqual(['b1', 'b2']);
    expect(await drills(e, '2026-01')).toEqual((await drills(e, '2026-01')).map(() => null));
    expect(r1).toEqual(await e.statement('R1', '2026-01', { traced: true, fresh: true }));
  });
});
