import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JobRunner, openTestStore, type Store } from '@attain/store';
import {
  IncentiveEngine,
  OrgHistory,
  calculate,
  creditTransactions,
  fmt,
  incentivesBackground,
  sortProblems,
  type Assignment,
  type CreditingRuleDoc,
  type IncentivePlanDoc,
  type OrgMembership as Membership,
  type OrgUnit,
  type StatementLine,
  type PayoutSummary,
  type Transaction,
} from '../src/incentives/index.ts';
import { plan, rule } from './incentives-fixture.ts';
import { orgTenant, system } from './fixture.ts';

let store: Store;
let n = 0;
beforeAll(async () => {
  store = await openTestStore();
});
afterAll(async () => {
  await store.close();
});

async function engine(): Promise<IncentiveEngine> {
  const name = `inc${process.pid}x${++n}`;
  await store.tenants.create(name);
  return new IncentiveEngine(store, name);
}

const units: OrgUnit[] = [
  { id: 'top', headId: 'H' },
  { id: 'east', parentId: 'top', headId: 'M1' },
  { id: 'west', parentId: 'top', headId: 'M2' },
];
const memberships: Membership[] = [
  { userId: 'H', orgUnitId: 'top', from: '2020-01-01' },
  { userId: 'M1', orgUnitId: 'east', from: '2020-01-01' },
  { userId: 'M2', orgUnitId: 'west', from: '2020-01-01' },
  { userId: 'R1', orgUnitId: 'east', from: '2020-01-01' },
  { userId: 'R2', orgUnitId: 'east', from: '2020-01-01' },
  { userId: 'R3', orgUnitId: 'east', from: '2020-01-01', to: '2026-02-14' },
  { userId: 'R3', orgUnitId: 'west', from: '2026-02-15' },
  { userId: 'R4', orgUnitId: 'west', from: '2020-01-01' },
];
const REPS = ['R1', 'R2', 'R3', 'R4'];
const rules: CreditingRuleDoc[] = [
  rule('split'),
  rule('rollup', { levels: [{ pct: '100' }, { pct: '50' }] }),
  rule('overlay', { pct: '50' }),
  rule('team', { pct: '5', when: { categories: ['team'] } }),
];
const repPlan: IncentivePlanDoc = plan(
  [
    {
      name: 'commission',
      type: 'tiered',
      measure: 'revenue',
      target: 'quota',
      tierBasis: 'attainment',
      tiers: [
        { from: '0', to: '1', rate: '0.05' },
        { from: '1', rate: '0.09' },
      ],
      cap: { amount: '4000' },
    },
    { name: 'spif', type: 'spif', perCredit: '25', rate: '0.01', filter: { categories: ['sw'] } },
    { name: 'points', type: 'points', perCredit: '10', perAmount: { every: '10000', value: '1' } },
  ],
  {
    clawback: { days: 30 },
    proration: 'days',
    draw: { type: 'recoverable', amount: '800', from: '2026-01', to: '2026-02' },
    measures: [{ name: 'revenue', type: 'sum', filter: { kinds: ['direct', 'split', 'overlay', 'team'] } }],
  },
  'plan_rep',
);
const mgrPlan: IncentivePlanDoc = plan(
  [{ name: 'override', type: 'rate', measure: 'team_revenue', rate: '0.01' }],
  { measures: [{ name: 'team_revenue', type: 'sum', filter: { kinds: ['rollup'] } }] },
  'plan_mgr',
);
const assignments: Assignment[] = [
  ...REPS.map((p) => ({ kind: 'plan' as const, payeeId: p, key: 'plan_rep', from: p === 'R4' ? '2026-01-10' : '2020-01-01' })),
  ...['M1', 'M2', 'H'].map((p) => ({ kind: 'plan' as const, payeeId: p, key: 'plan_mgr', from: '2020-01-01' })),
  { kind: 'specialist', payeeId: 'S1', key: 'sw', from: '2020-01-01' },
  { kind: 'plan', payeeId: 'S1', key: 'plan_rep', from: '2020-01-01' },
];
const fx = [
  { currency: 'EUR', date: '2026-01-01', rate: '1.1' },
  { currency: 'EUR', date: '2026-02-01', rate: '1.0837' },
];
const inputs = [...REPS, 'S1'].flatMap((p) => ['2026-01', '2026-02', '2026-03'].map((period) => ({ payeeId: p, period, name: 'quota', value: '30000' })));
const PERIODS = ['2026-01', '2026-02', '2026-03'];

const txArb = (id: string) =>
  fc
    .record({
      owner: fc.constantFrom(...REPS),
      cents: fc.integer({ min: 0, max: 3_000_000 }),
      day: fc.integer({ min: 0, max: 85 }),
      category: fc.constantFrom('sw', 'hw', 'team', null),
      eur: fc.boolean(),
      split: fc.option(fc.constantFrom(...REPS), { freq: 3 }),
      refundAfter: fc.option(fc.integer({ min: 1, max: 60 }), { freq: 4 }),
      paidAfter: fc.option(fc.integer({ min: 0, max: 40 }), { freq: 2 }),
    })
    .map((r): Transaction => {
      const date = new Date(Date.UTC(2026, 0, 1 + r.day)).toISOString().slice(0, 10);
      const plus = (d: number) => new Date(Date.UTC(2026, 0, 1 + r.day + d)).toISOString().slice(0, 10);
      return {
        id,
        object: 'order',
        ownerId: r.owner,
        date,
        amount: (r.cents / 100).toFixed(2),
        currency: r.eur ? 'EUR' : 'USD',
        category: r.category,
        margin: (r.cents / 400).toFixed(2),
        ...(r.split && r.split !== r.owner
          ? {
              splits: [
                { payeeId: r.owner, pct: '70' },
                { payeeId: r.split, pct: '30' },
              ],
            }
          : {}),
        ...(r.refundAfter ? { reversalDate: plus(r.refundAfter), status: 'refunded' } : {}),
        ...(r.paidAfter !== null ? { paidDate: plus(r.paidAfter) } : {}),
      };
    });

/** The rep plan with a second version from a day of Jan–Mar 2026 (mid-period versions): other tiers, SPIF and draw. */
function splitPlan(day: number): IncentivePlanDoc {
  const on = new Date(Date.UTC(2026, 0, 1 + day)).toISOString().slice(0, 10);
  const before = new Date(Date.UTC(2026, 0, day)).toISOString().slice(0, 10);
  const [v1] = repPlan.versions as [IncentivePlanDoc['versions'][number]];
  const v2 = {
    ...v1,
    version: 2,
    effectiveFrom: on,
    effectiveTo: null,
    components: v1.components.map((c) =>
      c.name === 'commission'
        ? {
            ...c,
            tiers: [
              { from: '0', to: '0.8', rate: '0.04' },
              { from: '0.8', rate: '0.11' },
            ],
          }
        : c.name === 'spif'
          ? { ...c, perCredit: '40' }
          : c,
    ),
    draw: { type: 'recoverable' as const, amount: '950', from: '2026-01', to: '2026-03' },
  };
  return { ...repPlan, versions: [{ ...v1, effectiveTo: before }, v2] };
}

async function setup(e: IncentiveEngine, txs: Transaction[], p: IncentivePlanDoc = repPlan): Promise<void> {
  await e.saveRules(rules);
  await e.savePlan(p);
  await e.savePlan(mgrPlan);
  await e.setAssignments(assignments);
  await e.setOrg(memberships, units);
  await e.setFx(fx);
  await e.setInputs(inputs);
  for (const p of PERIODS) await e.openPeriod(p);
  await e.upsertTransactions(txs);
}

const stable = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));
const norm = (lines: readonly StatementLine[], payouts: readonly PayoutSummary[]) => ({
  lines: lines.map((l) => `${l.payeeId} ${l.period} ${l.key} ${fmt(l.amount)} ${fmt(l.points)} v${l.planVersion} ${stable({ ...l.trace, creditIds: [], sourceRecordIds: [] })}`).sort(),
  payouts: payouts
    .map((p) => `${p.payeeId} ${p.period} ${p.planId} ${fmt(p.earned)} ${fmt(p.adjustments)} ${fmt(p.drawAdvance)} ${fmt(p.recovery)} ${fmt(p.payout)} ${fmt(p.points)} ${fmt(p.balanceAfter)}`)
    .sort(),
});

async function dbState(e: IncentiveEngine) {
  const lines: StatementLine[] = [];
  const payouts: PayoutSummary[] = [];
  for (const period of PERIODS) {
    payouts.push(...(await e.payouts(period)));
    for (const p of [...REPS, 'S1', 'M1', 'M2', 'H']) lines.push(...(await e.statement(p, period)).lines);
  }
  return norm(lines, payouts);
}

describe('incentive engine over the database', () => {
  it('SQL crediting and measures agree with the pure calculation to the cent', async () => {
    const txs =
      fc.sample(fc.array(fc.nat(), { minLength: 40, maxLength: 40 }), { numRuns: 1, seed: 7 })[0]?.map((_, i) => fc.sample(txArb(`t${i}`), { numRuns: 1, seed: 1000 + i })[0] as Transaction) ?? [];
    const e = await engine();
    await setup(e, txs);
    await e.recompute({ credit: true });
    const pure = creditTransactions(txs, rules, { org: new OrgHistory(memberships, units), assignments, fx, baseCurrency: 'USD' });
    const expected = calculate({ plans: [mgrPlan, repPlan], credits: pure.credits, assignments, inputs, periods: PERIODS });
    const got = await dbState(e);
    const want = norm(expected.lines, expected.payouts);
    expect(got.payouts).toEqual(want.payouts);
    expect(got.lines).toEqual(want.lines);
    expect(want.lines.length).toBeGreaterThan(30);
  });

  it('incremental equals full after random sequences of changes, with plan versions changing mid-period (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(txArb('x'), { minLength: 5, maxLength: 12 }),
        fc.array(fc.tuple(fc.nat(), txArb('y'), fc.constantFrom('update', 'create', 'delete')), { minLength: 1, maxLength: 5 }),
        fc.option(fc.integer({ min: 1, max: 85 }), { freq: 4 }),
        async (initial, changes, switchDay) => {
          const p = switchDay === null ? repPlan : splitPlan(switchDay);
          const base = initial.map((t, i) => ({ ...t, id: `t${i}` }));
          const inc = await engine();
          await setup(inc, base, p);
          await inc.recompute({ credit: true });
          const current = new Map(base.map((t) => [t.id, t]));
          let k = 0;
          for (const [pick, next, op] of changes) {
            const ids = [...current.keys()];
            const id = op === 'create' || ids.length === 0 ? `new${k++}` : (ids[pick % ids.length] as string);
            if (op === 'delete' && current.has(id)) {
              current.delete(id);
              const { knex } = await inc.ensure();
              const { schema } = await inc.ensure();
              await knex.raw(`delete from "${schema}"."attain_incentives_transactions" where id = ?`, [id]);
            } else {
              const tx = { ...next, id };
              current.set(id, tx);
              await inc.upsertTransactions([tx]);
            }
            await inc.recomputeTransactions([id]);
          }
          const full = await engine();
          await setup(full, [...current.values()], p);
          await full.recompute({ credit: true });
          expect(await dbState(inc)).toEqual(await dbState(full));
          if (switchDay === null) return;
          // The split plan itself: the database agrees with the pure calculation.
          const pure = creditTransactions([...current.values()], rules, { org: new OrgHistory(memberships, units), assignments, fx, baseCurrency: 'USD' });
          const want = calculate({ plans: [mgrPlan, p], credits: pure.credits, assignments, inputs, periods: PERIODS });
          expect(await dbState(full)).toEqual(norm(want.lines, want.payouts));
        },
      ),
      { numRuns: 6, seed: 42 },
    );
  });

  it('incremental equals full for a quarterly plan paid by monthly advances in EUR, with January approved (property)', async () => {
    // Quarter-to-date ranges, plan-currency conversion and paid-to-date from an approved month, changed one order at a time.
    const advancesEur: IncentivePlanDoc = { ...repPlan, versions: repPlan.versions.map((v) => ({ ...v, frequency: 'quarterly' as const, advances: 'monthly' as const, currency: 'EUR' })) };
    await fc.assert(
      fc.asyncProperty(
        fc.array(txArb('x'), { minLength: 5, maxLength: 10 }),
        fc.array(fc.tuple(fc.nat(), txArb('y'), fc.constantFrom('update', 'create', 'delete')), { minLength: 1, maxLength: 4 }),
        async (initial, changes) => {
          const base = initial.map((t, i) => ({ ...t, id: `t${i}` }));
          const start = async () => {
            const e = await engine();
            await setup(e, base, advancesEur);
            await e.recompute({ credit: true });
            await e.setPeriodStatus('2026-01', 'approved', 'fin');
            return e;
          };
          const inc = await start();
          const current = new Map(base.map((t) => [t.id, t]));
          let k = 0;
          const { knex, schema } = await inc.ensure();
          for (const [pick, next, op] of changes) {
            const ids = [...current.keys()];
            const id = op === 'create' || ids.length === 0 ? `new${k++}` : (ids[pick % ids.length] as string);
            if (op === 'delete' && current.has(id)) {
              current.delete(id);
              await knex.raw(`delete from "${schema}"."attain_incentives_transactions" where id = ?`, [id]);
            } else {
              current.set(id, { ...next, id });
              await inc.upsertTransactions([{ ...next, id }]);
            }
            await inc.recomputeTransactions([id]);
          }
          const full = await start();
          const f = await full.ensure();
          await f.knex.raw(`delete from "${f.schema}"."attain_incentives_transactions"`);
          await full.upsertTransactions([...current.values()]);
          await full.recompute({ credit: true });
          expect(await dbState(inc)).toEqual(await dbState(full));
        },
      ),
      { numRuns: 3, seed: 7 },
    );
  });

  it('measure totals follow roll-up changes and plan edits: incremental then full equals a fresh full run', async () => {
    const txs = Array.from({ length: 20 }, (_, i) => fc.sample(txArb(`m${i}`), { numRuns: 1, seed: 900 + i })[0] as Transaction);
    // The heads of east and west swap: the roll-up chain changes, team credit (by unit) does not.
    const swapped: OrgUnit[] = units.map((u) => (u.id === 'east' ? { ...u, headId: 'M2' } : u.id === 'west' ? { ...u, headId: 'M1' } : u));
    const edit = (perCredit: string): IncentivePlanDoc => ({
      ...repPlan,
      versions: repPlan.versions.map((v) => ({ ...v, components: v.components.map((c) => (c.name === 'spif' ? { ...c, perCredit } : c)) })),
    });
    const late = (id: string, owner: string): Transaction => ({ id, object: 'order', ownerId: owner, date: '2026-02-03', amount: '4321.09', currency: 'EUR', category: 'sw' });
    const inc = await engine();
    await setup(inc, txs);
    await inc.recompute({ credit: true });
    await inc.setOrg(memberships, swapped);
    await inc.savePlan(edit('40'));
    await inc.recompute();
    await inc.upsertTransactions([late('late1', 'R2')]);
    await inc.recomputeTransactions(['late1']);
    await inc.savePlan(edit('15'));
    await inc.upsertTransactions([late('late2', 'R1')]);
    await inc.recomputeTransactions(['late2']);
    await inc.recompute();
    const full = await engine();
    await setup(full, [...txs, late('late1', 'R2'), late('late2', 'R1')]);
    await full.setOrg(memberships, swapped);
    await full.savePlan(edit('15'));
    await full.recompute({ credit: true });
    expect(await dbState(inc)).toEqual(await dbState(full));
    const { knex, schema } = await inc.ensure();
    const scopes = (await knex.raw(`select count(*)::int as n from "${schema}"."attain_incentives_total_scopes" where plan_id = 'plan_rep'`)).rows[0].n;
    expect(scopes).toBe(PERIODS.length);
  });

  it('a run killed half-way and rerun gives identical payouts without duplicates', async () => {
    const txs = Array.from({ length: 30 }, (_, i) => fc.sample(txArb(`k${i}`), { numRuns: 1, seed: 500 + i })[0] as Transaction);
    const clean = await engine();
    await setup(clean, txs);
    await clean.recompute({ credit: true });
    const killed = await engine();
    await setup(killed, txs);
    killed.chunkSize = 2;
    killed.failAfterChunks = 2;
    await expect(killed.recompute({ credit: true })).rejects.toThrow(/killed/);
    killed.failAfterChunks = undefined;
    await killed.recompute();
    await killed.recompute();
    expect(await dbState(killed)).toEqual(await dbState(clean));
    const { knex, schema } = await killed.ensure();
    const dupes = (await knex.raw(`select count(*)::int as n from (select payee_id, period, key from "${schema}"."attain_incentives_lines" group by 1, 2, 3 having count(*) > 1) d`)).rows[0].n;
    expect(dupes).toBe(0);
  });

  it('periods move open → calculated → approved → paid → closed; a late order becomes a prior-period adjustment', async () => {
    const e = await engine();
    await setup(e, [{ id: 'a1', object: 'order', ownerId: 'R1', date: '2026-01-10', amount: '10000.00', currency: 'USD' }]);
    await e.recompute({ credit: true });
    expect((await e.periods())[0]).toEqual({ period: '2026-01', status: 'calculated' });
    // 10,000 of 30,000 quota × 5% = 500.00
    expect(fmt((await e.statement('R1', '2026-01')).payouts[0]?.earned ?? 0n, 2)).toBe('500.00');
    await expect(e.setPeriodStatus('2026-01', 'closed', 'fin')).rejects.toMatchObject({ code: 'bad_transition' });
    await expect(e.setPeriodStatus('2026-02', 'approved', 'fin')).rejects.toMatchObject({ code: 'earlier_period_open' });
    for (const s of ['approved', 'paid', 'closed'] as const) await e.setPeriodStatus('2026-01', s, 'fin');
    await e.upsertTransactions([{ id: 'a2', object: 'order', ownerId: 'R1', date: '2026-01-20', amount: '2000.00', currency: 'USD' }]);
    await e.recomputeTransactions(['a2']);
    const jan = await e.statement('R1', '2026-01');
    expect(fmt(jan.payouts[0]?.earned ?? 0n, 2)).toBe('500.00');
    // Jan recomputed: 12,000 × 5% = 600 → +100.00 lands in February
    const feb = await e.statement('R1', '2026-02');
    const adj = feb.lines.find((l) => l.kind === 'adjustment');
    expect([fmt(adj?.amount ?? 0n, 2), adj?.trace.forPeriod]).toEqual(['100.00', '2026-01']);
    // The adjustment lists what changed since January froze: the late order, at the value it adds.
    const drill = await e.lineCredits('R1', '2026-02', adj?.key ?? '');
    expect(drill?.credits.map((c) => [c.tx_id, c.value])).toEqual([['a2', '2000.00']]);
    expect(adj?.trace.measures).toMatchObject({ revenue: { value: '2000' } });
    // January's line keeps listing what it was frozen with.
    const janLine = jan.lines.find((l) => l.kind === 'earning' && l.component !== null);
    expect((await e.lineCredits('R1', '2026-01', janLine?.key ?? ''))?.credits.map((c) => [c.tx_id, c.value])).toEqual([['a1', '10000.00']]);
    // M1 gets the roll-up: drill-down shows rolled-up credits from R1
    const m1 = await e.statement('M1', '2026-02');
    expect(m1.lines.length).toBeGreaterThan(0);
    // Names, employee numbers and units come from user records (see the payout export test over HTTP).
    const csv = await e.payoutCsv('2026-02');
    expect(csv).toMatch(/^payee_id,payee,employee_number,unit,period,plan,plan_name,currency/);
    expect(csv).toMatch(/TOTAL,,,,2026-02,,,USD,,,,,\d+\.\d\d/);
  });

  it('refuses invalid plans, rules and splits with the offending cell named', async () => {
    const e = await engine();
    await expect(e.savePlan(plan([{ name: 'c', type: 'rate', measure: 'nope', rate: '0.1' }]))).rejects.toMatchObject({
      code: 'plan_invalid',
      details: [{ path: '/versions/0/components/0/measure' }],
    });
    await expect(e.saveRules([rule('owner'), rule('split', { pct: '20' })])).rejects.toMatchObject({ code: 'rules_invalid' });
    await expect(e.upsertTransactions([{ id: 'x', object: 'order', ownerId: 'a', date: '2026-01-01', amount: '1', currency: 'USD', splits: [{ payeeId: 'a', pct: '50' }] }])).rejects.toMatchObject({
      code: 'split_invalid',
    });
    // one row per payee and kind: a second primary row for the same payee is refused, an overlay row for them is not
    await expect(
      e.upsertTransactions([
        {
          id: 'x',
          object: 'order',
          ownerId: 'a',
          date: '2026-01-01',
          amount: '1',
          currency: 'USD',
          splits: [
            { payeeId: 'a', pct: '50' },
            { payeeId: 'a', pct: '50' },
          ],
        },
      ]),
    ).rejects.toMatchObject({ code: 'split_invalid', details: [{ path: '/splits/1/payeeId', rule: 'duplicate_payee' }] });
    await e.upsertTransactions([
      {
        id: 'x',
        object: 'order',
        ownerId: 'a',
        date: '2026-01-01',
        amount: '1',
        currency: 'USD',
        splits: [
          { payeeId: 'a', pct: '100' },
          { payeeId: 'a', pct: '20', overlay: true },
        ],
      },
    ]);
    await expect(e.openPeriod('2026-13')).rejects.toMatchObject({ code: 'bad_period' });
    await expect(e.setPeriodStatus('2026-01', 'calculated', null)).rejects.toMatchObject({ code: 'unknown_period' });
  });

  it('disputes on a line: raised, listed, resolved once', async () => {
    const e = await engine();
    await setup(e, [{ id: 'd1', object: 'order', ownerId: 'R2', date: '2026-01-10', amount: '1000.00', currency: 'USD' }]);
    await e.recompute({ credit: true });
    const line = (await e.statement('R2', '2026-01')).lines[0] as StatementLine;
    await expect(e.raiseDispute({ payeeId: 'R2', period: '2026-01', lineKey: 'nope', reason: 'x', actor: 'R2' })).rejects.toMatchObject({ code: 'unknown_line' });
    const d = await e.raiseDispute({ payeeId: 'R2', period: '2026-01', lineKey: line.key, reason: 'missing deal', actor: 'R2' });
    expect(d.status).toBe('open');
    expect(await e.disputes({ payees: ['R1'] })).toHaveLength(0);
    const done = await e.resolveDispute(String(d.id), { status: 'accepted', resolution: 'added', amount: '50', actor: 'fin' });
    expect([done.status, done.amount]).toEqual(['accepted', '50']);
    await expect(e.resolveDispute(String(d.id), { status: 'rejected', resolution: 'x', actor: 'fin' })).rejects.toMatchObject({ code: 'dispute_closed' });
    await expect(e.resolveDispute('00000000-0000-0000-0000-000000000000', { status: 'rejected', resolution: 'x', actor: 'fin' })).rejects.toMatchObject({ code: 'unknown_dispute' });
  });

  it('orders booked as records (lines, split rows, product changes) through events equal a full rebuild and the pure calculation (property)', async () => {
    const bg = incentivesBackground(store);
    for (const sub of bg.subscriptions ?? []) store.events.subscribe(sub);
    const runner = new JobRunner(store.jobs, { handlers: bg.handlers, batch: 500 });
    const order = fc.record({
      k: fc.constant('order' as const),
      owner: fc.nat(2),
      day: fc.integer({ min: 0, max: 80 }),
      eur: fc.boolean(),
      customer: fc.nat(1),
      cents: fc.integer({ min: 0, max: 2_000_000 }),
    });
    const line = fc.record({ k: fc.constant('line' as const), order: fc.nat(), product: fc.nat(1), qty: fc.integer({ min: 1, max: 9 }), cents: fc.integer({ min: 0, max: 1_000_000 }) });
    const op = fc.oneof(
      order,
      { arbitrary: line, weight: 3 },
      fc.record({ k: fc.constant('lineAmount' as const), line: fc.nat(), cents: fc.integer({ min: 0, max: 1_000_000 }) }),
      fc.record({ k: fc.constant('lineDelete' as const), line: fc.nat() }),
      { arbitrary: fc.record({ k: fc.constant('split' as const), order: fc.nat(), payee: fc.nat(2), pct: fc.constantFrom('40', '60', '100', '30'), overlay: fc.boolean() }), weight: 3 },
      fc.record({ k: fc.constant('splitDelete' as const), split: fc.nat() }),
      fc.record({ k: fc.constant('product' as const), software: fc.boolean(), cost: fc.option(fc.constantFrom('10', '25.5'), { nil: null }) }),
      fc.record({ k: fc.constant('status' as const), order: fc.nat(), status: fc.constantFrom('refunded', 'paid', 'booked') }),
      fc.record({ k: fc.constant('orderDelete' as const), order: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(order, { minLength: 1, maxLength: 3 }), fc.array(op, { minLength: 3, maxLength: 10 }), async (first, rest) => {
        const ops = [...first, ...rest];
        const org = await orgTenant(store, 3);
        const reps = org.users;
        const r = await store.records(org.tenant);
        const customers = [org.customer, (await r.create('customer', { name: 'Globex' }, system)).id];
        const products = [
          (await r.create('product', { name: 'Suite', category: 'software', unit_cost: '10' }, system)).id,
          (await r.create('product', { name: 'Box', category: 'hardware' }, system)).id,
        ];
        const e = new IncentiveEngine(store, org.tenant);
        const rulesR = [rule('split', { pct: '80' }), rule('overlay', { pct: '50' }), rule('assignment', { pct: '20' })];
        const p = plan(
          [
            {
              name: 'commission',
              type: 'tiered',
              measure: 'revenue',
              tiers: [
                { from: '0', to: '5000', rate: '0.05' },
                { from: '5000', rate: '0.08' },
              ],
            },
            { name: 'spif', type: 'spif', perCredit: '25', filter: { products: [products[0] as string] } },
            { name: 'margin', type: 'rate', measure: 'margin', rate: '0.01' },
          ],
          {
            clawback: { days: 3660 },
            measures: [
              { name: 'revenue', type: 'sum' },
              { name: 'margin', type: 'sum', field: 'margin' },
            ],
          },
          'plan_rec',
        );
        await e.saveRules(rulesR);
        await e.savePlan(p);
        await e.setAssignments(reps.map((payeeId) => ({ kind: 'plan' as const, payeeId, key: 'plan_rec', from: '2020-01-01' })));
        await e.setKeyedAssignments('specialist', [{ category: 'software', payeeId: reps[2], from: '2020-01-01' }]);
        await e.setKeyedAssignments('territory', [{ customerId: customers[1], payeeId: reps[1], from: '2026-02-01' }]);
        await e.setFx([{ currency: 'EUR', date: '2026-01-20', rate: '1.1' }]);
        for (const period of PERIODS) await e.openPeriod(period);
        await runner.drain();
        // Everyone on the plan has a statement; from here on only what a change touches is recomputed.
        await e.recompute({ credit: true });
        const orders: string[] = [];
        const lines: string[] = [];
        const splits: string[] = [];
        const pick = (list: string[], i: number) => list[i % list.length] as string;
        // A write on a deleted order or line is refused by the store: the op is then a no-op.
        const tolerate = async (write: () => Promise<unknown>) => write().catch(() => undefined);
        for (const o of ops) {
          if (o.k === 'order') {
            const date = new Date(Date.UTC(2026, 0, 1 + o.day)).toISOString().slice(0, 10);
            orders.push(
              (
                await r.create(
                  'order',
                  {
                    order_number: `SO-${orders.length + 1}`,
                    owner_id: reps[o.owner],
                    customer_id: customers[o.customer],
                    order_date: date,
                    status: 'booked',
                    amount: (o.cents / 100).toFixed(2),
                    currency: o.eur ? 'EUR' : 'USD',
                  },
                  system,
                )
              ).id,
            );
          } else if (o.k === 'line') {
            await tolerate(async () =>
              lines.push(
                (
                  await r.create(
                    'order_line',
                    { order_id: pick(orders, o.order), product_id: products[o.product], quantity: String(o.qty), unit_price: '1', amount: (o.cents / 100).toFixed(2) },
                    system,
                  )
                ).id,
              ),
            );
          } else if (o.k === 'split') {
            await tolerate(async () => splits.push((await r.create('order_split', { order_id: pick(orders, o.order), payee_id: reps[o.payee], pct: o.pct, is_overlay: o.overlay }, system)).id));
          } else if (o.k === 'product') await r.update('product', products[0] as string, { category: o.software ? 'software' : 'service', unit_cost: o.cost }, system);
          else if (o.k === 'status') await tolerate(() => r.update('order', pick(orders, o.order), { status: o.status }, system));
          else if (o.k === 'orderDelete') await tolerate(() => r.delete('order', pick(orders, o.order), system));
          else if (o.k === 'splitDelete' && splits.length) await tolerate(() => r.delete('order_split', pick(splits, o.split), system));
          else if (o.k === 'lineDelete' && lines.length) await tolerate(() => r.delete('order_line', pick(lines, o.line), system));
          else if (o.k === 'lineAmount' && lines.length) await tolerate(() => r.update('order_line', pick(lines, o.line), { amount: (o.cents / 100).toFixed(2) }, system));
          await runner.drain();
        }
        const incremental = await tenantState(e);
        await e.syncOrdersFromRecords();
        await e.recompute({ credit: true });
        expect(await tenantState(e)).toEqual(incremental);
        // The database agrees with the pure calculation over the same transactions, problems included.
        const txs = await storedTransactions(e);
        const assigned = await e.assignments();
        const fxRates = [{ currency: 'EUR', date: '2026-01-20', rate: '1.1' }];
        const pure = creditTransactions(txs, rulesR, { org: new OrgHistory([], []), assignments: assigned, fx: fxRates, baseCurrency: 'USD' });
        const periods = (await e.periods()).map((x) => x.period);
        const want = calculate({ plans: [p], credits: pure.credits, assignments: assigned, inputs: [], periods, fx: fxRates });
        expect(incremental.lines).toEqual(norm(want.lines, want.payouts).lines);
        expect(incremental.payouts).toEqual(norm(want.lines, want.payouts).payouts);
        expect(incremental.problems).toEqual(sortProblems([...pure.problems, ...want.problems]));
      }),
      // No shrinking: every run builds a tenant of records, and a failure is reported as found.
      { numRuns: 8, seed: 11, endOnFailure: true },
    );
    for (const sub of bg.subscriptions ?? []) store.events.unsubscribe(sub.consumer);
  });
});

/** Every line, payout, problem and transaction of a tenant's engine. */
async function tenantState(e: IncentiveEngine) {
  const { knex, schema } = await e.ensure();
  const q = async (sql: string) => (await knex.raw(sql)).rows as Array<Record<string, unknown>>;
  const periods = (await e.periods()).map((p) => p.period);
  const lines = (
    await Promise.all(
      periods.map(async (period) => {
        const payees = (await q(`select distinct payee_id from "${schema}"."attain_incentives_lines"`)).map((r) => String(r.payee_id));
        return (await Promise.all(payees.map(async (p) => (await e.statement(p, period)).lines))).flat();
      }),
    )
  ).flat();
  const payouts = (await Promise.all(periods.map((p) => e.payouts(p)))).flat();
  return {
    ...norm(lines, payouts),
    problems: await e.problems(),
    transactions: await q(
      `select id, record_id, line_id, owner_id, customer_id, product_id, category, date::text, amount::text, margin::text, quantity::text, currency, status, reversal_date::text, splits from "${schema}"."attain_incentives_transactions" order by id`,
    ),
  };
}

async function storedTransactions(e: IncentiveEngine): Promise<Transaction[]> {
  const { knex, schema } = await e.ensure();
  const rows = (
    await knex.raw(`select id, object, owner_id, customer_id, product_id, category, date::text as date, invoice_date::text as invoice_date, paid_date::text as paid_date, reversal_date::text as reversal_date,
    amount::text as amount, currency, margin::text as margin, quantity::text as quantity, status, splits from "${schema}"."attain_incentives_transactions" order by id`)
  ).rows as Array<Record<string, string | null>>;
  return rows.map((r) => ({
    id: String(r.id),
    object: String(r.object),
    ownerId: r.owner_id ?? null,
    customerId: r.customer_id,
    productId: r.product_id,
    category: r.category,
    date: String(r.date),
    invoiceDate: r.invoice_date,
    paidDate: r.paid_date,
    reversalDate: r.reversal_date,
    amount: String(r.amount),
    currency: String(r.currency),
    margin: r.margin,
    quantity: r.quantity,
    status: r.status,
    ...(r.splits ? { splits: r.splits as unknown as Transaction['splits'] } : {}),
  }));
}
