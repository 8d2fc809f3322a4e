import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALENDAR_YEAR } from '../src/calendar/fiscal.ts';
import ExcelJS from 'exceljs';
import { openTestStore, type Store } from '@attain/store';
import { IncentiveEngine, accrualReport, badgesFor, dec, incentiveTeamOf, leaderboard, payoutsXlsx, pdfText, rankByPoints, statementPdf, teamMembers, type IncentivePlanDoc } from '../src/index.ts';
import { plan, rule } from './incentives-fixture.ts';

let store: Store;
let e: IncentiveEngine;
const pointsPlan: IncentivePlanDoc = plan(
  [
    { name: 'commission', type: 'rate', measure: 'revenue', rate: '0.1' },
    { name: 'visits', type: 'points', perCredit: '2', filter: { objects: ['visit'] } },
    { name: 'deals', type: 'points', perCredit: '10', perAmount: { every: '10000', value: '1' }, filter: { objects: ['order'] } },
  ],
  {
    measures: [{ name: 'revenue', type: 'sum', filter: { objects: ['order'] } }],
    badges: [
      { id: 'gold', label: { en: 'Gold' }, minPoints: '30' },
      { id: 'bronze', label: { en: 'Bronze' }, minPoints: '10' },
    ],
  },
  'plan_pts',
);

beforeAll(async () => {
  store = await openTestStore();
  const name = `pts${process.pid}`;
  await store.tenants.create(name);
  e = new IncentiveEngine(store, name);
  await e.saveRules([rule('owner')]);
  await e.savePlan(pointsPlan);
  await e.setAssignments(['A', 'B', 'C', 'W'].map((p) => ({ kind: 'plan' as const, payeeId: p, key: 'plan_pts', from: '2026-01-01' })));
  await e.setOrg(
    [
      { userId: 'A', orgUnitId: 'east', from: '2020-01-01' },
      { userId: 'B', orgUnitId: 'east', from: '2020-01-01' },
      { userId: 'C', orgUnitId: 'east', from: '2020-01-01' },
      { userId: 'W', orgUnitId: 'west', from: '2020-01-01' },
    ],
    [{ id: 'east' }, { id: 'west' }],
  );
  for (const p of ['2026-01', '2026-02']) await e.openPeriod(p);
  await e.upsertTransactions([
    { id: 'v1', object: 'visit', ownerId: 'A', date: '2026-01-03', amount: '0', currency: 'USD' },
    { id: 'v2', object: 'visit', ownerId: 'A', date: '2026-01-04', amount: '0', currency: 'USD' },
    { id: 'o1', object: 'order', ownerId: 'A', date: '2026-01-05', amount: '25000', currency: 'USD' },
    { id: 'o2', object: 'order', ownerId: 'B', date: '2026-01-06', amount: '9999.99', currency: 'USD' },
    { id: 'o3', object: 'order', ownerId: 'W', date: '2026-01-06', amount: '120000', currency: 'USD' },
    { id: 'o4', object: 'order', ownerId: 'B', date: '2026-02-06', amount: '1000', currency: 'USD' },
  ]);
  await e.recompute({ credit: true });
});
afterAll(async () => {
  await store.close();
});

describe('points and leaderboards', () => {
  it('scores visits and deals and awards badges by threshold', async () => {
    // A: 2 visits × 2 + deal 10 + floor(25,000 / 10,000) = 16; B: 10 + 0; W: 10 + 12 = 22.
    const all = await leaderboard(e, { period: '2026-01', showPay: () => true });
    expect(all.rows.map((r) => [r.rank, r.payeeId, r.points, r.badges.map((b) => b.id).join()])).toEqual([
      [1, 'W', '22', 'bronze'],
      [2, 'A', '16', 'bronze'],
      [3, 'B', '10', 'bronze'],
    ]);
    expect(all.rows[0]).toMatchObject({ payout: '12000', currency: 'USD' });
    expect(badgesFor(pointsPlan, '2026-01', dec('30'), CALENDAR_YEAR).map((b) => b.id)).toEqual(['bronze', 'gold']);
    expect(badgesFor(pointsPlan, '2025-01', dec('30'), CALENDAR_YEAR)).toEqual([]);
  });

  it('ranks one team, everyone in it, and hides pay the caller may not see', async () => {
    expect(await incentiveTeamOf(e, 'A', '2026-01')).toBe('east');
    expect(await incentiveTeamOf(e, 'nobody', '2026-01')).toBeNull();
    expect(await teamMembers(e, 'east', '2026-01')).toEqual(['A', 'B', 'C']);
    const east = await leaderboard(e, { period: '2026-01', team: 'east', showPay: (id) => id === 'A' });
    expect(east.rows.map((r) => [r.rank, r.payeeId, r.points])).toEqual([
      [1, 'A', '16'],
      [2, 'B', '10'],
      [3, 'C', '0'],
    ]);
    expect(east.rows[0]?.payout).toBe('2500');
    expect(east.rows.slice(1).every((r) => r.payout === undefined && r.currency === undefined)).toBe(true);
    expect((await leaderboard(e, { period: '2026-01', team: 'nowhere', showPay: () => true })).rows).toEqual([]);
    expect(
      rankByPoints([
        { payeeId: 'b', points: 5n },
        { payeeId: 'a', points: 5n },
        { payeeId: 'c', points: 1n },
      ]).map((r) => `${r.rank}${r.payeeId}`),
    ).toEqual(['1a', '1b', '3c']);
  });
});

describe('exports', () => {
  it('payouts XLSX totals reconcile to the statements', async () => {
    const buf = await payoutsXlsx(e, '2026-01');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(buf as never);
    const sheet = wb.getWorksheet('Payouts')!;
    const rows = sheet.getSheetValues().slice(2) as unknown[][];
    const body = rows.filter((r) => r[1] !== 'TOTAL');
    const total = rows.find((r) => r[1] === 'TOTAL');
    // Payee names, employee numbers and units come from user records (these payees have none).
    expect(body.map((r) => [r[1], r[2], r[13]])).toEqual([
      ['A', '', 2500],
      ['B', '', 1000],
      ['C', '', 0],
      ['W', '', 12000],
    ]);
    let statements = 0;
    for (const p of ['A', 'B', 'C', 'W']) for (const po of (await e.statement(p, '2026-01')).payouts) statements += Number(po.payout) / 1e10;
    expect(total?.[13]).toBe(statements);
    expect(total?.[13]).toBe(15500);
    expect(wb.getWorksheet('Lines')!.rowCount).toBeGreaterThan(6);
  });

  it('the accrual report owes what is earned in periods not yet paid', async () => {
    const r = await accrualReport(e, { asOf: '2026-12' });
    expect(r.rows.map((x) => [x.period, x.status, x.payees, x.accrued])).toEqual([
      ['2026-01', 'calculated', 4, '15500.00'],
      ['2026-02', 'calculated', 4, '100.00'],
    ]);
    expect(r.totals).toEqual([{ currency: 'USD', accrued: '15600.00' }]);
    expect((await accrualReport(e, { asOf: '2026-01' })).totals[0]?.accrued).toBe('15500.00');
    await e.setPeriodStatus('2026-01', 'approved', null);
    await e.setPeriodStatus('2026-01', 'paid', null);
    expect((await accrualReport(e, { asOf: '2026-12' })).rows.map((x) => x.period)).toEqual(['2026-02']);
    expect((await accrualReport(e)).asOf).toMatch(/^\d{4}-\d{2}$/);
  });

  it('a statement PDF with its trace, Latin text only', async () => {
    const s = await e.statement('A', '2026-01');
    const pdf = await statementPdf({ ...s, payeeName: 'Ann 张', trace: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(1000);
    const bare = await statementPdf({
      payeeId: 'Z',
      period: '2026-03',
      status: null,
      lines: [],
      payouts: [
        { payeeId: 'Z', period: '2026-03', planId: 'p', currency: 'USD', earned: 0n, adjustments: 0n, drawAdvance: dec('100'), recovery: 0n, payout: dec('100'), points: 0n, balanceAfter: dec('100') },
      ],
    });
    expect(bare.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdfText('a − b × ∞ 张')).toBe('a - b × inf ?');
  });
});
