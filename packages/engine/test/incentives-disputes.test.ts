// Golden cases, computed by hand: an accepted dispute becomes one adjustment line in the first
// open period; a rejected one posts nothing; recalculations never repeat or lose the adjustment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { openTestStore, type Store } from '@attain/store';
import { IncentiveEngine, fmt, payoutsXlsx, sum, type StatementLine } from '../src/incentives/index.ts';
import { plan, rule } from './incentives-fixture.ts';

let store: Store;
let n = 0;
beforeAll(async () => {
  store = await openTestStore();
});
afterAll(async () => {
  await store.close();
});

// 10% of revenue: A sells 1,000.00 in January (earns 100.00), B 2,000.00 (earns 200.00).
async function engine(periods = ['2026-01', '2026-02']): Promise<IncentiveEngine> {
  const name = `dsp${process.pid}x${++n}`;
  await store.tenants.create(name);
  const e = new IncentiveEngine(store, name);
  await e.saveRules([rule('owner')]);
  await e.savePlan(plan([{ name: 'commission', type: 'rate', measure: 'revenue', rate: '0.1' }]));
  await e.setAssignments(['A', 'B'].map((payeeId) => ({ kind: 'plan' as const, payeeId, key: 'plan_a', from: '2020-01-01' })));
  for (const p of periods) await e.openPeriod(p);
  await e.upsertTransactions([
    { id: 'o1', object: 'order', ownerId: 'A', date: '2026-01-10', amount: '1000.00', currency: 'USD' },
    { id: 'o2', object: 'order', ownerId: 'B', date: '2026-01-12', amount: '2000.00', currency: 'USD' },
  ]);
  await e.recompute({ credit: true });
  return e;
}

const earningKey = 'plan_a:commission:earning:';
const money = (e: IncentiveEngine, payee: string, period: string) =>
  e.statement(payee, period).then((s) => ({
    lines: s.lines.map((l) => `${l.kind} ${fmt(l.amount, 2)}`).sort(),
    payout: s.payouts.map((p) => `${fmt(p.earned, 2)}+${fmt(p.adjustments, 2)}=${fmt(p.payout, 2)}`).join(' '),
    // every statement reconciles: its lines add up to its payout
    reconciles: fmt(sum(s.lines.map((l) => l.amount)), 2) === fmt(sum(s.payouts.map((p) => p.payout)), 2),
  }));
const disputeLines = async (e: IncentiveEngine, payee: string, period: string) => (await e.statement(payee, period)).lines.filter((l) => l.trace.dispute);
async function close(e: IncentiveEngine, period: string): Promise<void> {
  for (const s of ['approved', 'paid', 'closed'] as const) await e.setPeriodStatus(period, s, 'fin');
}

describe('dispute resolutions become adjustments', () => {
  it('accepted with an amount: one adjustment line in the same open period, traced to the dispute', async () => {
    const e = await engine();
    const d = await e.raiseDispute({ payeeId: 'A', period: '2026-01', lineKey: earningKey, reason: 'deal o9 missing', actor: 'A' });
    const done = await e.resolveDispute(String(d.id), { status: 'accepted', resolution: 'o9 was yours', amount: '25.50', actor: 'fin' });
    expect(done).toMatchObject({
      status: 'accepted',
      amount: '25.5',
      posted_period: '2026-01',
      adjustment: { period: '2026-01', key: `plan_a:commission:adjustment:dispute:${String(d.id)}`, amount: '25.5' },
    });
    expect(await money(e, 'A', '2026-01')).toEqual({ lines: ['adjustment 25.50', 'earning 100.00'], payout: '100.00+25.50=125.50', reconciles: true });
    expect(await money(e, 'B', '2026-01')).toEqual({ lines: ['earning 200.00'], payout: '200.00+0.00=200.00', reconciles: true });
    const [line] = await disputeLines(e, 'A', '2026-01');
    expect(line?.trace.dispute).toMatchObject({
      id: d.id,
      lineKey: earningKey,
      period: '2026-01',
      reason: 'deal o9 missing',
      raisedBy: 'A',
      status: 'accepted',
      resolution: 'o9 was yours',
      amount: '25.5',
      decidedBy: 'fin',
    });
    expect(Date.parse(String(line?.trace.dispute?.decidedAt))).toBeGreaterThan(0);
    expect(line?.trace.steps.map((s) => s.step)).toEqual(['disputed', 'accepted']);
    // the statement shows the dispute with its status and resulting adjustment
    const s = await e.statement('A', '2026-01');
    expect(s.disputes).toHaveLength(1);
    expect(s.disputes[0]).toMatchObject({ status: 'accepted', adjustment: { key: line?.key } });
    // exports: 125.50 + 200.00 = 325.50
    expect(await e.payoutCsv('2026-01')).toMatch(/^A,,,,2026-01,plan_a,[^,\n]*,USD,100.00,25.50,0.00,0.00,125.50/m);
    expect(await e.payoutCsv('2026-01')).toContain('TOTAL,,,,2026-01,,,USD,,,,,325.50');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await payoutsXlsx(e, '2026-01')) as never);
    const rows = (wb.getWorksheet('Payouts')?.getSheetValues() ?? []).filter(Boolean) as unknown[][];
    expect(rows.find((r) => r[1] === 'TOTAL')?.[13]).toBe(325.5);
    const xlLines = (wb.getWorksheet('Lines')?.getSheetValues() ?? []).filter(Boolean) as unknown[][];
    expect(xlLines.filter((r) => r[6] === 'adjustment').map((r) => r[8])).toEqual([25.5]);
  });

  it('rejected: nothing posts; a re-resolve is refused and changes nothing', async () => {
    const e = await engine();
    const d = await e.raiseDispute({ payeeId: 'A', period: '2026-01', lineKey: earningKey, reason: 'x', actor: 'A', amount: '80' });
    const done = await e.resolveDispute(String(d.id), { status: 'rejected', resolution: 'no', actor: 'fin' });
    expect(done).toMatchObject({ status: 'rejected', amount: null, posted_period: null, adjustment: null, claimed_amount: '80' });
    await expect(e.resolveDispute(String(d.id), { status: 'accepted', resolution: 'changed my mind', amount: '80', actor: 'fin' })).rejects.toMatchObject({ code: 'dispute_closed' });
    await e.recompute({ credit: true });
    expect(await money(e, 'A', '2026-01')).toEqual({ lines: ['earning 100.00'], payout: '100.00+0.00=100.00', reconciles: true });
  });

  it('accepted on a closed period: booked once in the next open period, kept when that one closes too', async () => {
    const e = await engine();
    await close(e, '2026-01');
    const d = await e.raiseDispute({ payeeId: 'A', period: '2026-01', lineKey: earningKey, reason: 'rate was 12%', actor: 'A' });
    const done = await e.resolveDispute(String(d.id), { status: 'accepted', resolution: '2% more on 1,000.00', amount: '20.00', actor: 'fin' });
    expect(done.posted_period).toBe('2026-02');
    expect(await money(e, 'A', '2026-01')).toEqual({ lines: ['earning 100.00'], payout: '100.00+0.00=100.00', reconciles: true });
    expect(await money(e, 'A', '2026-02')).toEqual({ lines: ['adjustment 20.00', 'earning 0.00'], payout: '0.00+20.00=20.00', reconciles: true });
    // the dispute shows on the disputed statement and on the one it was booked into
    expect((await e.statement('A', '2026-01')).disputes[0]).toMatchObject({ adjustment: { period: '2026-02' } });
    // February closes, March opens: the frozen dispute line is not reversed nor repeated
    await e.recompute();
    await close(e, '2026-02');
    await e.openPeriod('2026-03');
    await e.recompute({ credit: true });
    expect(await money(e, 'A', '2026-03')).toEqual({ lines: ['earning 0.00'], payout: '0.00+0.00=0.00', reconciles: true });
    expect(await disputeLines(e, 'A', '2026-02')).toHaveLength(1);
  });

  it('accepted when no later period is open: the next period is opened for it', async () => {
    const e = await engine(['2026-01']);
    await close(e, '2026-01');
    const d = await e.raiseDispute({ payeeId: 'B', period: '2026-01', lineKey: earningKey, reason: 'split', actor: 'B', amount: '-15' });
    // no amount given: the claimed one is booked (a negative claim is a correction down)
    const done = await e.resolveDispute(String(d.id), { status: 'accepted', resolution: 'ok', actor: 'fin' });
    expect(done.posted_period).toBe('2026-02');
    expect((await e.periods()).map((p) => `${p.period} ${p.status}`)).toEqual(['2026-01 closed', '2026-02 calculated']);
    expect(await money(e, 'B', '2026-02')).toEqual({ lines: ['adjustment -15.00', 'earning 0.00'], payout: '0.00+-15.00=-15.00', reconciles: true });
  });

  it('is idempotent: reruns, full recomputes and payee moves never duplicate or lose it', async () => {
    const e = await engine();
    const d = await e.raiseDispute({ payeeId: 'A', period: '2026-01', lineKey: earningKey, reason: 'x', actor: 'A' });
    await e.resolveDispute(String(d.id), { status: 'accepted', resolution: 'ok', amount: '10', actor: 'fin' });
    const before = await e.statement('A', '2026-01');
    await e.recompute();
    await e.recompute({ credit: true });
    await e.recomputeTransactions(['o1']);
    await e.recompute({ payees: ['A'] });
    const after = await e.statement('A', '2026-01');
    const norm = (ls: StatementLine[]) => ls.map((l) => `${l.key} ${fmt(l.amount)} ${JSON.stringify(l.trace.dispute ?? null)}`);
    expect(norm(after.lines)).toEqual(norm(before.lines));
    expect(await money(e, 'A', '2026-01')).toEqual({ lines: ['adjustment 10.00', 'earning 100.00'], payout: '100.00+10.00=110.00', reconciles: true });
    // taken off the plan: the accepted amount is still paid
    await e.setAssignments([{ kind: 'plan', payeeId: 'B', key: 'plan_a', from: '2020-01-01' }]);
    await e.recompute();
    expect(await money(e, 'A', '2026-01')).toEqual({ lines: ['adjustment 10.00'], payout: '0.00+10.00=10.00', reconciles: true });
  });

  it('refuses a bad amount', async () => {
    const e = await engine();
    await expect(e.raiseDispute({ payeeId: 'A', period: '2026-01', lineKey: earningKey, reason: 'x', actor: 'A', amount: 'lots' })).rejects.toMatchObject({ code: 'bad_amount', status: 400 });
    const d = await e.raiseDispute({ payeeId: 'A', period: '2026-01', lineKey: earningKey, reason: 'x', actor: 'A' });
    await expect(e.resolveDispute(String(d.id), { status: 'accepted', resolution: 'x', amount: '1e9', actor: 'fin' })).rejects.toMatchObject({ code: 'bad_amount' });
    // accepted with no amount at all would move no money: refused, unless it asks for a recalculation
    await expect(e.resolveDispute(String(d.id), { status: 'accepted', resolution: 'explained', actor: 'fin' })).rejects.toMatchObject({ code: 'amount_required', status: 422 });
    expect(await e.resolveDispute(String(d.id), { status: 'accepted', resolution: 'explained', recalculate: true, actor: 'fin' })).toMatchObject({
      status: 'accepted',
      posted_period: null,
      adjustment: null,
    });
    expect(await disputeLines(e, 'A', '2026-01')).toHaveLength(0);
  });
});
