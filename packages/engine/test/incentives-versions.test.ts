// Plan versions changing mid-period: golden scenarios computed by hand (comment above each
// assertion), and the database run agreeing with the pure calculation to the cent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { openTestStore, type Store } from '@attain/store';
import { IncentiveEngine, fmt, payoutsXlsx, periodAggregates, type ComponentDef, type IncentivePlanDoc, type PlanVersionDef } from '../src/incentives/index.ts';
import { plan, run, tx, version } from './incentives-fixture.ts';

const rate = (r: string, extra: Partial<ComponentDef> = {}): ComponentDef => ({ name: 'commission', type: 'rate', measure: 'revenue', rate: r, ...extra });
const APR = ['2026-04'];
/** A plan whose version 1 runs to the day before `switchOn` and version 2 from it. */
const twoVersions = (switchOn: string, v1: Partial<PlanVersionDef>, v2: Partial<PlanVersionDef>, id = 'plan_a'): IncentivePlanDoc => ({
  kind: 'incentive_plan',
  id,
  name: id,
  label: { en: id },
  versions: [version({ effectiveTo: new Date(Date.parse(`${switchOn}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10), ...v1 }), version({ version: 2, effectiveFrom: switchOn, ...v2 })],
});
const quota = (value: string, period = '2026-04') => ({ payeeId: 'A', period, name: 'quota', value });

describe('golden: a plan version changing mid-period', () => {
  it('V01 each credit is paid under the version in effect on its date; lines name version and dates', () => {
    // v1 5% to Apr 15, v2 6% from Apr 16: Apr 10 1,000 × 5% = 50.00 (v1); Apr 20 2,000 × 6% = 120.00 (v2); payout 170.00
    const p = twoVersions('2026-04-16', { components: [rate('0.05')] }, { components: [rate('0.06')] });
    const r = run({ plans: [p], txs: [tx('A', '1000', '2026-04-10'), tx('A', '2000', '2026-04-20')], periods: APR });
    const lines = r.lines.filter((l) => l.kind === 'earning').map((l) => [l.planVersion, fmt(l.amount, 2), l.trace.span, l.key]);
    expect(lines).toEqual([
      [1, '50.00', { from: '2026-04-01', to: '2026-04-15' }, 'plan_a:commission:earning:@2026-04-01'],
      [2, '120.00', { from: '2026-04-16', to: '2026-04-30' }, 'plan_a:commission:earning:@2026-04-16'],
    ]);
    expect(r.payout('A')).toBe('170.00');
  });

  it('V02 the target is prorated by the days each version is in effect', () => {
    // quota 60,000, 15 days each → 30,000 per version. v1 (5% to 100%, 10% above): Apr 5 36,000 = 120%:
    // 30,000 × 5% + 6,000 × 10% = 2,100.00. v2 (6% / 12%): Apr 25 15,000 = 50%: 15,000 × 6% = 900.00. Total 3,000.00
    const tiered = (lo: string, hi: string): ComponentDef => ({
      name: 'commission',
      type: 'tiered',
      measure: 'revenue',
      target: 'quota',
      tierBasis: 'attainment',
      tiers: [
        { from: '0', to: '1', rate: lo },
        { from: '1', rate: hi },
      ],
    });
    const p = twoVersions('2026-04-16', { components: [tiered('0.05', '0.10')] }, { components: [tiered('0.06', '0.12')] });
    const r = run({ plans: [p], txs: [tx('A', '36000', '2026-04-05'), tx('A', '15000', '2026-04-25')], inputs: [quota('60000')], periods: APR });
    const earn = r.lines.filter((l) => l.kind === 'earning');
    expect(earn.map((l) => [l.trace.target, l.trace.attainment, fmt(l.amount, 2)])).toEqual([
      ['30000', '1.2', '2100.00'],
      ['30000', '0.5', '900.00'],
    ]);
    expect(earn.map((l) => l.trace.proration)).toEqual(['0.5', '0.5']);
    expect(r.payout('A')).toBe('3000.00');
  });

  it("V03 an MBO bonus is prorated by the versions' days", () => {
    // v1 1,000 × 20/30 days × score 0.9 = 600.00; v2 (from Apr 21) 1,500 × 10/30 × 0.9 = 450.00; total 1,050.00
    const mbo = (amount: string): Partial<PlanVersionDef> => ({ measures: [{ name: 'mbo_score', type: 'input' }], components: [{ name: 'mbo', type: 'bonus', amount, score: 'mbo_score' }] });
    const r = run({
      plans: [twoVersions('2026-04-21', mbo('1000'), mbo('1500'))],
      txs: [tx('A', '0', '2026-04-02')],
      inputs: [{ payeeId: 'A', period: '2026-04', name: 'mbo_score', value: '0.9' }],
      periods: APR,
    });
    expect(r.lines.map((l) => fmt(l.amount, 2))).toEqual(['600.00', '450.00']);
    expect(r.payout('A')).toBe('1050.00');
  });

  it("V04 a guarantee is prorated by the versions' days and rounded by the plan", () => {
    // guarantee 3,000 (v1, Apr 1–10) and 4,500 (v2, Apr 11–30): 3,000 × 10/30 + 4,500 × 20/30 = 1,000 + 3,000 = 4,000.00;
    // earned Apr 15 5,000 × 10% = 500.00 → top-up 3,500.00, payout 4,000.00
    const g = (amount: string): Partial<PlanVersionDef> => ({ components: [rate('0.1')], draw: { type: 'guarantee', amount, from: '2026-01', to: '2026-12' } });
    const r = run({ plans: [twoVersions('2026-04-11', g('3000'), g('4500'))], txs: [tx('A', '5000', '2026-04-15')], periods: APR });
    expect([r.amount('A', null, 'guarantee'), r.payout('A')]).toEqual(['3500.00', '4000.00']);
    const line = r.lines.find((l) => l.kind === 'guarantee');
    expect([line?.planVersion, line?.trace.steps.filter((s) => s.step === 'prorated').map((s) => s.value)]).toEqual([2, ['999.9999999', '3000.00000015']]);
  });

  it('V05 a cap applies per version, prorated by its days', () => {
    // v1 10% capped at 1,000 × 15/30 = 500: Apr 5 8,000 → 800 → 500.00; v2 10% uncapped: Apr 20 9,000 → 900.00; total 1,400.00
    const p = twoVersions('2026-04-16', { components: [rate('0.1', { cap: { amount: '1000' } })] }, { components: [rate('0.1')] });
    const r = run({ plans: [p], txs: [tx('A', '8000', '2026-04-05'), tx('A', '9000', '2026-04-20')], periods: APR });
    expect(r.lines.map((l) => fmt(l.amount, 2))).toEqual(['500.00', '900.00']);
  });

  it('V06 a plan starting mid-period pays from its first day with a prorated bonus', () => {
    // the only version starts Apr 16 (15 of 30 days): 1,000 × 0.5 × score 1 = 500.00; the Apr 10 order is before the plan: 0.00 commission
    const p = plan([{ name: 'mbo', type: 'bonus', amount: '1000', score: 'mbo_score' }, rate('0.1')], {
      effectiveFrom: '2026-04-16',
      measures: [
        { name: 'revenue', type: 'sum' },
        { name: 'mbo_score', type: 'input' },
      ],
    });
    const r = run({ plans: [p], txs: [tx('A', '5000', '2026-04-10')], inputs: [{ payeeId: 'A', period: '2026-04', name: 'mbo_score', value: '1' }], periods: APR });
    expect([r.amount('A', 'mbo'), r.amount('A', 'commission')]).toEqual(['500.00', '0.00']);
    expect(r.lines[0]?.trace.span).toEqual({ from: '2026-04-16', to: '2026-04-30' });
  });

  it('V07 a mid-period join within a split period prorates each version by the days assigned', () => {
    // joins Apr 11, version change Apr 16: v1 assigned Apr 11–15 = 5/30, v2 Apr 16–30 = 15/30 (proration by days);
    // bonus 3,000 × 5/30 × 1 = 500.00 (v1); 3,000 × 15/30 = 1,500.00 (v2)
    const b: Partial<PlanVersionDef> = { proration: 'days', measures: [{ name: 'mbo_score', type: 'input' }], components: [{ name: 'mbo', type: 'bonus', amount: '3000', score: 'mbo_score' }] };
    const r = run({
      plans: [twoVersions('2026-04-16', b, b)],
      txs: [],
      assignments: [{ kind: 'plan', payeeId: 'A', key: 'plan_a', from: '2026-04-11' }],
      inputs: [{ payeeId: 'A', period: '2026-04', name: 'mbo_score', value: '1' }],
      periods: APR,
    });
    expect(r.lines.map((l) => [l.planVersion, fmt(l.amount, 2), l.trace.proration])).toEqual([
      [1, '500.00', '0.1666666667'],
      [2, '1500.00', '0.5'],
    ]);
  });

  it('V08 a late credit in a closed split period is adjusted under the version of its date', () => {
    // Jan: v1 5% to Jan 15, v2 6% from Jan 16; Jan closed with Jan 5 1,000 → 50.00. A late Jan 20 order of 1,000 arrives:
    // Jan recomputed = 50 + 60 = 110 → Feb adjustment +60.00 for Jan
    const p = twoVersions('2026-01-16', { effectiveFrom: '2026-01-01', components: [rate('0.05')] }, { components: [rate('0.06')] });
    const jan = run({ plans: [p], txs: [tx('A', '1000', '2026-01-05', { id: 'j1' })], periods: ['2026-01'] });
    const feb = run({ plans: [p], txs: [tx('A', '1000', '2026-01-05', { id: 'j1' }), tx('A', '1000', '2026-01-20', { id: 'j2' })], periods: ['2026-02'], frozen: jan.frozenUpTo(['2026-01']) });
    const adj = feb.lines.find((l) => l.kind === 'adjustment');
    expect([fmt(adj?.amount ?? 0n, 2), adj?.trace.forPeriod, adj?.planVersion]).toEqual(['60.00', '2026-01', 2]);
  });
});

let store: Store;
beforeAll(async () => {
  store = await openTestStore();
});
afterAll(async () => {
  await store.close();
});

describe('mid-period versions over the database', () => {
  it("SQL segments agree with the pure calculation to the cent, and statements and drill-down name the version's days", async () => {
    const name = `ver${process.pid}`;
    await store.tenants.create(name);
    const e = new IncentiveEngine(store, name);
    const tiered = (lo: string, hi: string): ComponentDef => ({
      name: 'commission',
      type: 'tiered',
      measure: 'revenue',
      target: 'quota',
      tierBasis: 'attainment',
      tiers: [
        { from: '0', to: '1', rate: lo },
        { from: '1', rate: hi },
      ],
    });
    const p = twoVersions('2026-04-16', { components: [tiered('0.05', '0.10')] }, { components: [tiered('0.06', '0.12')] });
    await e.saveRules([{ kind: 'crediting_rule', id: 'r_owner', name: 'owner', label: { en: 'owner' }, effectiveFrom: '2020-01-01', type: 'owner' }]);
    await e.savePlan(p);
    await e.setAssignments([{ kind: 'plan', payeeId: 'A', key: 'plan_a', from: '2020-01-01' }]);
    await e.setInputs([quota('60000')]);
    await e.openPeriod('2026-04');
    await e.upsertTransactions([tx('A', '36000', '2026-04-05', { id: 'q1' }), tx('A', '15000', '2026-04-25', { id: 'q2' })]);
    await e.recompute({ credit: true });
    const s = await e.statement('A', '2026-04');
    // as V02: 2,100.00 (v1, Apr 1–15) + 900.00 (v2, Apr 16–30)
    expect(s.lines.map((l) => [l.planVersion, fmt(l.amount, 2), l.trace.span?.from])).toEqual([
      [1, '2100.00', '2026-04-01'],
      [2, '900.00', '2026-04-16'],
    ]);
    expect(fmt(s.payouts[0]?.payout ?? 0n, 2)).toBe('3000.00');
    const drill = await e.lineCredits('A', '2026-04', s.lines[1]?.key ?? '');
    expect(drill?.credits.map((c) => c.tx_id)).toEqual(['q2']);
    // The payroll export's lines say which version's days produced each line.
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await payoutsXlsx(e, '2026-04')) as never);
    const sheet = wb.getWorksheet('Lines');
    expect([2, 3].map((r) => [sheet?.getRow(r).getCell(4).value, sheet?.getRow(r).getCell(11).value, sheet?.getRow(r).getCell(12).value])).toEqual([
      [1, '2026-04-01', '2026-04-15'],
      [2, '2026-04-16', '2026-04-30'],
    ]);
    // One version's measures over the whole period (what a what-if of that version reads): 36,000 + 15,000
    const whole = await periodAggregates(e, 'plan_a', p.versions[0] as PlanVersionDef, '2026-04', ['A']);
    expect(fmt(whole.get('A')?.aggs.get('m:revenue')?.value ?? 0n)).toBe('51000');
  });
});
