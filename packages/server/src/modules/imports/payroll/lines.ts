// A period's payroll lines: one per payee and currency, the sum of that payee's stored payouts
// for the period — the same rows their statement totals — for periods approved or later only.
import { ApiError } from '../../../http/errors.ts';
import { fmt, IncentiveEngine, periodEnd, ZERO, readPayees, type Dec } from '@attain/engine';

export interface PayrollLine {
  payeeId: string;
  employeeNumber: string;
  name: string;
  unit: string;
  currency: string;
  /** Exact, two decimals. */
  amount: string;
}

const PAYABLE = ['approved', 'paid', 'closed'];

export async function payrollLines(engine: IncentiveEngine, period: string): Promise<{ lines: PayrollLine[]; payDate: string; totals: Array<{ currency: string; amount: string }> }> {
  const status = (await engine.periods()).find((p) => p.period === period)?.status;
  if (!status || !PAYABLE.includes(status))
    throw new ApiError(409, 'period_not_approved', `period ${period} is ${status ?? 'not open'}; a payroll file is made of approved pay only`, [
      { path: '/period', rule: 'approved', message: 'the period must be approved, paid or closed' },
    ]);
  const sums = new Map<string, Dec>();
  for (const p of await engine.payouts(period)) {
    const key = `${p.payeeId}|${p.currency}`;
    sums.set(key, (sums.get(key) ?? ZERO) + p.payout);
  }
  const who = await readPayees(
    engine,
    [...sums.keys()].map((k) => k.split('|')[0] as string),
  );
  const lines: PayrollLine[] = [];
  const totals = new Map<string, Dec>();
  for (const [key, sum] of sums) {
    // Nothing to pay is no payroll line.
    if (sum === ZERO) continue;
    const [payeeId = '', currency = ''] = key.split('|');
    const w = who.get(payeeId);
    lines.push({ payeeId, employeeNumber: w?.employeeNumber ?? '', name: w?.name ?? '', unit: w?.unit ?? '', currency, amount: fmt(sum, 2) });
    totals.set(currency, (totals.get(currency) ?? ZERO) + sum);
  }
  lines.sort((a, b) => a.employeeNumber.localeCompare(b.employeeNumber) || a.name.localeCompare(b.name) || a.payeeId.localeCompare(b.payeeId) || a.currency.localeCompare(b.currency));
  return { lines, payDate: periodEnd(period, engine.calendar), totals: [...totals].sort().map(([currency, v]) => ({ currency, amount: fmt(v, 2) })) };
}
