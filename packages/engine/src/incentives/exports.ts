// Exports for people outside the app: a statement as PDF (statement-pdf.ts), payouts as XLSX
// for payroll/ERP (totals reconcile to the statements: both sum the same stored payouts) and the
// accrual report for finance (earned but not yet paid, by period).
import ExcelJS from 'exceljs';
import { ZERO, fmt, type Dec } from './decimal.ts';
import type { IncentiveEngine, PeriodStatus } from './db/engine.ts';
import type { PayoutSummary } from './types.ts';
import { PERIOD_RE, periodEnd, periodStart } from './periods.ts';
import { readPayees } from './db/payees.ts';
import { statementNames } from './statement-pdf.ts';
import { today } from '../calendar/calendar.ts';

export { pdfText, statementNames, statementPdf, statementText, type StatementLocale, type StatementNames, type StatementPdfInput } from './statement-pdf.ts';

export interface AccrualRow {
  period: string;
  status: PeriodStatus;
  planId: string;
  currency: string;
  payees: number;
  earned: string;
  adjustments: string;
  drawAdvance: string;
  recovery: string;
  /** Owed and not yet paid: the payout total of a period that is not paid or closed. */
  accrued: string;
}

export interface AccrualReport {
  asOf: string;
  rows: AccrualRow[];
  totals: Array<{ currency: string; accrued: string }>;
}

const PAID: readonly PeriodStatus[] = ['paid', 'closed'];

/** Earned but unpaid, by period, plan and currency; paid and closed periods owe nothing. */
export async function accrualReport(engine: IncentiveEngine, opts: { asOf?: string } = {}): Promise<AccrualReport> {
  // This month on the tenant's wall clock (its time zone), not UTC's.
  await engine.ensure();
  const asOf = opts.asOf ?? today(engine.timeZone).slice(0, 7);
  const rows: AccrualRow[] = [];
  const totals = new Map<string, Dec>();
  for (const p of await engine.periods()) {
    // Any frequency: a quarter or year counts once it has started by the end of `asOf`.
    if (PAID.includes(p.status) || periodStart(p.period, engine.calendar) > periodEnd(PERIOD_RE.test(asOf) ? asOf : asOf.slice(0, 7), engine.calendar)) continue;
    const groups = new Map<string, PayoutSummary[]>();
    for (const x of await engine.payouts(p.period)) groups.set(`${x.planId}|${x.currency}`, [...(groups.get(`${x.planId}|${x.currency}`) ?? []), x]);
    for (const [key, list] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
      const [planId = '', currency = ''] = key.split('|');
      const s = (f: (x: PayoutSummary) => Dec) => list.reduce((a, x) => a + f(x), ZERO);
      const accrued = s((x) => x.payout);
      totals.set(currency, (totals.get(currency) ?? ZERO) + accrued);
      rows.push({
        period: p.period,
        status: p.status,
        planId,
        currency,
        payees: new Set(list.map((x) => x.payeeId)).size,
        earned: fmt(
          s((x) => x.earned),
          2,
        ),
        adjustments: fmt(
          s((x) => x.adjustments),
          2,
        ),
        drawAdvance: fmt(
          s((x) => x.drawAdvance),
          2,
        ),
        recovery: fmt(
          s((x) => x.recovery),
          2,
        ),
        accrued: fmt(accrued, 2),
      });
    }
  }
  return { asOf, rows, totals: [...totals].sort().map(([currency, v]) => ({ currency, accrued: fmt(v, 2) })) };
}

/** Payouts of a period as an XLSX workbook: one row per payee and plan, a total row per currency, and the statement lines. */
export async function payoutsXlsx(engine: IncentiveEngine, period: string, locale: 'en' | 'zh-CN' = 'en'): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Attain';
  const sheet = wb.addWorksheet('Payouts');
  sheet.columns = [
    { header: 'payee_id', key: 'payee_id', width: 38 },
    { header: 'payee', key: 'payee', width: 24 },
    { header: 'employee_number', key: 'employee_number', width: 16 },
    { header: 'unit', key: 'unit', width: 20 },
    { header: 'period', key: 'period', width: 9 },
    { header: 'plan', key: 'plan', width: 16 },
    { header: 'plan_name', key: 'plan_name', width: 24 },
    { header: 'currency', key: 'currency', width: 9 },
    ...['earned', 'adjustments', 'draw_advance', 'recovery', 'payout', 'points', 'balance_after'].map((k) => ({
      header: k,
      key: k,
      width: 14,
      style: { numFmt: k === 'points' ? '0.##' : '#,##0.00' },
    })),
  ];
  sheet.getRow(1).font = { bold: true };
  const totals = new Map<string, Dec>();
  const payouts = await engine.payouts(period);
  const who = await readPayees(
    engine,
    payouts.map((p) => p.payeeId),
  );
  const planNames = statementNames(await engine.plans(), locale).plans;
  const num = (v: Dec, scale = 2) => Number(fmt(v, scale));
  for (const p of payouts) {
    totals.set(p.currency, (totals.get(p.currency) ?? ZERO) + p.payout);
    const w = who.get(p.payeeId);
    sheet.addRow({
      payee_id: p.payeeId,
      payee: w?.name ?? '',
      employee_number: w?.employeeNumber ?? '',
      unit: w?.unit ?? '',
      period: p.period,
      plan: p.planId,
      plan_name: planNames.get(p.planId) ?? p.planId,
      currency: p.currency,
      earned: num(p.earned),
      adjustments: num(p.adjustments),
      draw_advance: num(p.drawAdvance),
      recovery: num(p.recovery),
      payout: num(p.payout),
      points: num(p.points, 4),
      balance_after: num(p.balanceAfter),
    });
  }
  for (const [currency, total] of [...totals].sort()) {
    const row = sheet.addRow({ payee_id: 'TOTAL', period, currency, payout: num(total) });
    row.font = { bold: true };
  }
  const lines = wb.addWorksheet('Lines');
  // version_from/version_to: the days the line's plan version covered, when a version changed mid-period.
  lines.columns = ['payee_id', 'period', 'plan', 'version', 'component', 'kind', 'currency', 'amount', 'points', 'for_period', 'version_from', 'version_to'].map((k) => ({
    header: k,
    key: k,
    width: k === 'payee_id' ? 38 : 14,
  }));
  lines.getRow(1).font = { bold: true };
  for (const payeeId of [...new Set(payouts.map((p) => p.payeeId))]) {
    for (const l of (await engine.statement(payeeId, period)).lines) {
      lines.addRow({
        payee_id: l.payeeId,
        period: l.period,
        plan: l.planId,
        version: l.planVersion,
        component: l.component ?? '',
        kind: l.kind,
        currency: l.currency,
        amount: num(l.amount),
        points: num(l.points, 4),
        for_period: l.trace.forPeriod ?? '',
        version_from: l.trace.span?.from ?? '',
        version_to: l.trace.span?.to ?? '',
      });
    }
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
