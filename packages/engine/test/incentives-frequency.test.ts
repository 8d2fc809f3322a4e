// Quarterly and annual plans, and quarterly plans paid by monthly advances: golden scenarios
// computed by hand (comment above each assertion) and the same over the database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALENDAR_YEAR as CAL } from '../src/calendar/fiscal.ts';
import ExcelJS from 'exceljs';
import { openTestStore, type RecordEvent, type Store } from '@attain/store';
import {
  IncentiveEngine,
  accrualReport,
  calculate,
  fmt,
  nextPeriod,
  payoutsXlsx,
  periodEnd,
  periodsBetween,
  periodStart,
  previousPeriod,
  type ComponentDef,
  type IncentivePlanDoc,
} from '../src/index.ts';
import { plan, rule, run, tx } from './incentives-fixture.ts';

const tiered: ComponentDef = {
  name: 'commission',
  type: 'tiered',
  measure: 'revenue',
  target: 'quota',
  tierBasis: 'attainment',
  tiers: [
    { from: '0', to: '1', rate: '0.05' },
    { from: '1', rate: '0.10' },
  ],
};
const quarterly = (extra: Partial<IncentivePlanDoc['versions'][number]> = {}, id = 'plan_q') => plan([tiered], { frequency: 'quarterly', ...extra }, id);
const advances = (id = 'plan_adv') => quarterly({ advances: 'monthly' }, id);
const quota = (period: string, value: string, payeeId = 'A') => ({ payeeId, period, name: 'quota', value });
const Q1_SALES = [tx('A', '40000', '2026-01-10', { id: 's1' }), tx('A', '10000', '2026-02-15', { id: 's2' }), tx('A', '60000', '2026-03-20', { id: 's3' })];

describe('period keys', () => {
  it('names, bounds and orders months, quarters and years', () => {
    expect([periodStart('2026-Q2', CAL), periodEnd('2026-Q2', CAL), periodEnd('2028-Q1', CAL), periodEnd('2026', CAL), periodEnd('2026-02', CAL)]).toEqual([
      '2026-04-01',
      '2026-06-30',
      '2028-03-31',
      '2026-12-31',
      '2026-02-28',
    ]);
    expect([nextPeriod('2026-Q4', CAL), nextPeriod('2026', CAL), nextPeriod('2026-12', CAL), previousPeriod('2026-Q1', CAL)]).toEqual(['2027-Q1', '2027', '2027-01', '2025-Q4']);
    expect(periodsBetween('2026-Q3', '2027-Q2', CAL)).toEqual(['2026-Q3', '2026-Q4', '2027-Q1', '2027-Q2']);
  });
});

describe('golden: quarterly and annual plans', () => {
  it("F01 a quarterly plan measures the quarter against the quarter's quota", () => {
    // quota 90,000 for 2026-Q1; sales 40,000 + 10,000 + 60,000 = 110,000 (122.2%):
    // 90,000 × 5% + 20,000 × 10% = 4,500 + 2,000 = 6,500.00, one statement for 2026-Q1 and none for the months
    const r = run({ plans: [quarterly()], txs: Q1_SALES, inputs: [quota('2026-Q1', '90000')], periods: ['2026-01', '2026-02', '2026-03', '2026-Q1'] });
    expect(r.payouts.map((p) => [p.period, fmt(p.payout, 2)])).toEqual([['2026-Q1', '6500.00']]);
    expect(r.lines[0]?.trace.measures.revenue).toEqual({ value: '110000', credits: 3 });
  });

  it("F01b without a quarterly quota, the quarter's target is the sum of its months' quotas", () => {
    // 30,000 + 25,000 + 35,000 = 90,000 → as F01: 6,500.00
    const r = run({ plans: [quarterly()], txs: Q1_SALES, inputs: [quota('2026-01', '30000'), quota('2026-02', '25000'), quota('2026-03', '35000')], periods: ['2026-Q1'] });
    expect([r.payout('A'), r.lines[0]?.trace.target]).toEqual(['6500.00', '90000']);
  });

  it("F02 an annual plan pays a bonus on the year's attainment", () => {
    // annual quota 1,000,000; sales 250,000 in March + 550,000 in October = 800,000 → 10,000 × 0.8 = 8,000.00
    const p = plan([{ name: 'bonus', type: 'bonus', amount: '10000', measure: 'revenue', target: 'quota', maxScore: '1.5' }], { frequency: 'annual' }, 'plan_y');
    const r = run({ plans: [p], txs: [tx('A', '250000', '2026-03-05'), tx('A', '550000', '2026-10-05')], inputs: [quota('2026', '1000000')], periods: ['2026'] });
    expect(r.payout('A', '2026')).toBe('8000.00');
  });

  it('F03 a mid-quarter join prorates the quarterly quota by days', () => {
    // joins Feb 15: Feb 15–Mar 31 = 14 + 31 = 45 of the quarter's 90 days = 0.5 → quota 45,000;
    // sales Mar 1 54,000 = 120%: 45,000 × 5% + 9,000 × 10% = 2,250 + 900 = 3,150.00
    const r = run({
      plans: [quarterly({ proration: 'days' })],
      txs: [tx('A', '54000', '2026-03-01')],
      assignments: [{ kind: 'plan', payeeId: 'A', key: 'plan_q', from: '2026-02-15' }],
      inputs: [quota('2026-Q1', '90000')],
      periods: ['2026-Q1'],
    });
    expect([r.payout('A'), r.lines[0]?.trace.proration]).toEqual(['3150.00', '0.5']);
  });

  it('F04 a late order for a closed quarter is a prior-period adjustment in the next open quarter', () => {
    // Q1 closed at 110,000 → 6,500.00; a late Mar 30 order of 5,000 → Q1 = 115,000: 4,500 + 2,500 = 7,000 → +500.00 in Q2
    const q1 = run({ plans: [quarterly()], txs: Q1_SALES, inputs: [quota('2026-Q1', '90000')], periods: ['2026-Q1'] });
    const q2 = run({
      plans: [quarterly()],
      txs: [...Q1_SALES, tx('A', '5000', '2026-03-30')],
      inputs: [quota('2026-Q1', '90000'), quota('2026-Q2', '90000')],
      periods: ['2026-Q2'],
      frozen: q1.frozenUpTo(['2026-Q1']),
    });
    const adj = q2.lines.find((l) => l.kind === 'adjustment');
    expect([fmt(adj?.amount ?? 0n, 2), adj?.period, adj?.trace.forPeriod]).toEqual(['500.00', '2026-Q2', '2026-Q1']);
  });

  it('F05 a quarterly guarantee and a recoverable draw window in quarters', () => {
    // guarantee 6,000 a quarter in 2026-Q1..Q2; Q1 earned 6,500 → no top-up; Q2 earned 20,000 × 5% = 1,000 → top-up 5,000.00
    const r = run({
      plans: [quarterly({ draw: { type: 'guarantee', amount: '6000', from: '2026-Q1', to: '2026-Q2' } })],
      txs: [...Q1_SALES, tx('A', '20000', '2026-05-05')],
      inputs: [quota('2026-Q1', '90000'), quota('2026-Q2', '90000')],
      periods: ['2026-Q1', '2026-Q2'],
    });
    expect([r.payout('A', '2026-Q1'), r.payout('A', '2026-Q2'), r.amount('A', null, 'guarantee', '2026-Q2')]).toEqual(['6500.00', '6000.00', '5000.00']);
  });
});

describe('golden: a quarterly plan paid by monthly advances', () => {
  // Quarter-to-date quota: 90,000 × days elapsed ÷ 90 (Jan 31, Feb 59, Mar 90 days).
  const months = ['2026-01', '2026-02', '2026-03'];

  it('F06 each month pays quarter-to-date earnings less what earlier months paid; March trues up', () => {
    // Jan: 40,000 vs 31,000 → 31,000 × 5% + 9,000 × 10% = 2,450.00
    // Feb: 50,000 vs 59,000 → 2,500 QTD − 2,450 paid = 50.00
    // Mar: 110,000 vs 90,000 → 6,500 QTD − 2,500 paid = 4,000.00; total 6,500.00 = the quarter
    const r = run({ plans: [advances()], txs: Q1_SALES, inputs: [quota('2026-Q1', '90000')], periods: months });
    expect(months.map((m) => r.payout('A', m))).toEqual(['2450.00', '50.00', '4000.00']);
    expect(months.map((m) => r.amount('A', 'commission', 'paid_to_date', m))).toEqual(['0.00', '-2450.00', '-2500.00']);
    const mar = r.lines.find((l) => l.period === '2026-03' && l.kind === 'earning');
    expect([mar?.trace.basePeriod, mar?.trace.target, fmt(mar?.amount ?? 0n, 2)]).toEqual(['2026-Q1', '90000', '6500.00']);
  });

  it('F07 a late order for an approved month of the current quarter is picked up by the next month, not adjusted twice', () => {
    // Jan approved at 2,450. A late Jan 25 order of 9,000 arrives: Feb QTD 59,000 vs 59,000 target (100%) = 2,950 −
    // 2,450 paid = 500.00; no prior-period adjustment line
    const jan = run({ plans: [advances()], txs: Q1_SALES.slice(0, 1), inputs: [quota('2026-Q1', '90000')], periods: ['2026-01'] });
    const feb = run({
      plans: [advances()],
      txs: [...Q1_SALES.slice(0, 2), tx('A', '9000', '2026-01-25')],
      inputs: [quota('2026-Q1', '90000')],
      periods: ['2026-02'],
      frozen: jan.frozenUpTo(['2026-01']),
    });
    expect(feb.payout('A', '2026-02')).toBe('500.00');
    expect(feb.lines.filter((l) => l.kind === 'adjustment')).toEqual([]);
  });

  it('F08 a late order for a closed quarter is adjusted once, in the first open month', () => {
    // Q1 closed (6,500 paid over three months). A late Mar 31 order of 10,000 → Q1 = 120,000: 4,500 + 3,000 = 7,500 →
    // April adjustment +1,000.00 for the quarter (booked against March)
    const q1 = run({ plans: [advances()], txs: Q1_SALES, inputs: [quota('2026-Q1', '90000')], periods: months });
    const apr = run({
      plans: [advances()],
      txs: [...Q1_SALES, tx('A', '10000', '2026-03-31')],
      inputs: [quota('2026-Q1', '90000'), quota('2026-Q2', '90000')],
      periods: ['2026-04'],
      frozen: q1.frozenUpTo(months),
    });
    const adj = apr.lines.find((l) => l.kind === 'adjustment');
    expect([fmt(adj?.amount ?? 0n, 2), adj?.trace.forPeriod, adj?.trace.basePeriod]).toEqual(['1000.00', '2026-03', '2026-Q1']);
    expect(apr.payout('A', '2026-04')).toBe('1000.00');
  });
});

let store: Store;
let n = 0;
beforeAll(async () => {
  store = await openTestStore();
});
afterAll(async () => {
  await store.close();
});

async function engine(plans: IncentivePlanDoc[], periods: string[]): Promise<IncentiveEngine> {
  const name = `frq${process.pid}x${++n}`;
  await store.tenants.create(name);
  const e = new IncentiveEngine(store, name);
  await e.saveRules([rule('owner')]);
  for (const p of plans) await e.savePlan(p);
  await e.setAssignments(plans.map((p) => ({ kind: 'plan' as const, payeeId: 'A', key: p.id, from: '2020-01-01' })));
  await e.setInputs([quota('2026-Q1', '90000'), quota('2026-Q2', '90000'), quota('2026-01', '30000'), quota('2026-02', '30000'), quota('2026-03', '30000')]);
  for (const p of periods) await e.openPeriod(p);
  return e;
}

describe('quarterly plans over the database', () => {
  it('runs quarter periods through their states, adjusts a closed quarter, exports and reports them; months move independently', async () => {
    const monthly = plan([{ name: 'commission', type: 'rate', measure: 'revenue', rate: '0.01' }], {}, 'plan_m');
    const e = await engine([quarterly(), monthly], ['2026-01', '2026-Q1']);
    await e.upsertTransactions(Q1_SALES);
    await e.recompute({ credit: true });
    // F01: 6,500.00 for the quarter; the monthly plan: Jan 40,000 × 1% = 400.00
    expect((await e.payouts('2026-Q1')).map((p) => [p.planId, fmt(p.payout, 2)])).toEqual([['plan_q', '6500.00']]);
    expect((await e.payouts('2026-01')).map((p) => [p.planId, fmt(p.payout, 2)])).toEqual([['plan_m', '400.00']]);
    // Monthly periods freeze without waiting for the quarter, and the quarter on its own.
    for (const s of ['approved', 'paid', 'closed'] as const) await e.setPeriodStatus('2026-Q1', s, 'fin');
    await e.setPeriodStatus('2026-01', 'approved', 'fin');
    await e.openPeriod('2026-Q2');
    await expect(e.openPeriod('2026-Q5')).rejects.toMatchObject({ code: 'bad_period' });
    // A late March order: +500.00 lands in 2026-Q2 (F04); the closed quarter stays as paid
    const late = { id: 'late', object: 'order', ownerId: 'A', date: '2026-03-30', amount: '5000', currency: 'USD' };
    await e.upsertTransactions([late]);
    await e.recomputeTransactions(['late']);
    expect(fmt((await e.statement('A', '2026-Q1')).payouts[0]?.payout ?? 0n, 2)).toBe('6500.00');
    const q2 = await e.statement('A', '2026-Q2');
    expect(q2.lines.filter((l) => l.kind === 'adjustment').map((l) => [fmt(l.amount, 2), l.trace.forPeriod])).toEqual([['500.00', '2026-Q1']]);
    expect(await e.payoutCsv('2026-Q2')).toMatch(/^A,,,,2026-Q2,plan_q,[^,\n]*,USD,0.00,500.00,0.00,0.00,500.00,0,0.00$/m);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await payoutsXlsx(e, '2026-Q2')) as never);
    expect(wb.getWorksheet('Lines')?.getRow(2).getCell(10).value).toBe('2026-Q1');
    // accrued and unpaid: Q2's 500.00 as of May; Jan (approved, not paid) 400.00
    const acc = await accrualReport(e, { asOf: '2026-05' });
    expect(acc.rows.map((r) => [r.period, r.accrued])).toEqual([
      ['2026-01', '400.00'],
      ['2026-Q2', '500.00'],
    ]);
  });

  it('an annual plan over the database: the year is opened, calculated, approved and exported', async () => {
    // as F02: 10,000 × 800,000 / 1,000,000 = 8,000.00 for 2026
    const p = plan([{ name: 'bonus', type: 'bonus', amount: '10000', measure: 'revenue', target: 'quota', maxScore: '1.5' }], { frequency: 'annual' }, 'plan_y');
    const e = await engine([p], ['2026']);
    await e.setInputs([quota('2026', '1000000')]);
    await e.upsertTransactions([tx('A', '250000', '2026-03-05'), tx('A', '550000', '2026-10-05')]);
    await e.recompute({ credit: true });
    expect((await e.periods()).map((x) => [x.period, x.status])).toEqual([['2026', 'calculated']]);
    await e.setPeriodStatus('2026', 'approved', 'fin');
    expect(await e.payoutCsv('2026')).toMatch(/^A,,,,2026,plan_y,[^,\n]*,USD,8000.00,0.00,0.00,0.00,8000.00,0,0.00$/m);
  });

  it('monthly advances over the database agree with the pure calculation, and an order event opens the month and the quarter', async () => {
    const e = await engine([advances()], ['2026-01', '2026-02']);
    await e.upsertTransactions(Q1_SALES.slice(0, 2));
    await e.recompute({ credit: true });
    await e.setPeriodStatus('2026-01', 'approved', 'fin');
    const event: RecordEvent = {
      tenant: e.tenant,
      object: 'order',
      recordId: 's3',
      op: 'create',
      before: null,
      after: { owner_id: 'A', order_date: '2026-03-20', amount: '60000', currency: 'USD', status: 'booked' },
      actor: { userId: null },
      revision: 1,
      at: '2026-03-20T10:00:00Z',
    };
    await e.onRecordEvent(event);
    expect((await e.periods()).map((p) => p.period)).toEqual(['2026-01', '2026-02', '2026-03']);
    // F06: 2,450.00 (approved), 50.00, 4,000.00
    const got = await Promise.all(['2026-01', '2026-02', '2026-03'].map(async (m) => fmt((await e.payouts(m))[0]?.payout ?? 0n, 2)));
    expect(got).toEqual(['2450.00', '50.00', '4000.00']);
    const want = calculate({
      plans: [advances()],
      credits: run({ plans: [advances()], txs: Q1_SALES, periods: [] }).credits,
      assignments: await e.assignments(),
      inputs: [quota('2026-Q1', '90000')],
      periods: ['2026-01', '2026-02', '2026-03'],
    });
    const lines = (await Promise.all(['2026-02', '2026-03'].map(async (m) => (await e.statement('A', m)).lines))).flat();
    expect(lines.map((l) => `${l.period} ${l.key} ${fmt(l.amount)}`)).toEqual(want.lines.filter((l) => l.period !== '2026-01').map((l) => `${l.period} ${l.key} ${fmt(l.amount)}`));
  });
});
