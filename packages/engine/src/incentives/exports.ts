// Exports for people outside the app: a statement as PDF (pdfkit, no browser), payouts as XLSX
// for payroll/ERP (totals reconcile to the statements: both sum the same stored payouts) and the
// accrual report for finance (earned but not yet paid, by period).
//
// Fonts: the PDF uses the standard Helvetica (WinAnsi, Latin only). No maintained npm package
// ships a complete CJK TrueType font fit to embed without pulling ~10 MB per weight, so labels in
// other scripts are transliterated to "?" rather than printed as mojibake; ids and numbers are
// always Latin. Swap `font` for an embedded TTF when one is vendored.
import ExcelJS from 'exceljs';
import PDFDocument from 'pdfkit';
import { ZERO, fmt, type Dec } from './decimal.ts';
import { FROZEN, type IncentiveEngine, type PeriodStatus } from './db/engine.ts';
import type { PayoutSummary, StatementLine } from './types.ts';

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
  const asOf = opts.asOf ?? new Date().toISOString().slice(0, 7);
  const rows: AccrualRow[] = [];
  const totals = new Map<string, Dec>();
  for (const p of await engine.periods()) {
    if (PAID.includes(p.status) || p.period > asOf) continue;
    const groups = new Map<string, PayoutSummary[]>();
    for (const x of await engine.payouts(p.period)) groups.set(`${x.planId}|${x.currency}`, [...(groups.get(`${x.planId}|${x.currency}`) ?? []), x]);
    for (const [key, list] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
      const [planId = '', currency = ''] = key.split('|');
      const s = (f: (x: PayoutSummary) => Dec) => list.reduce((a, x) => a + f(x), ZERO);
      const accrued = s((x) => x.payout);
      totals.set(currency, (totals.get(currency) ?? ZERO) + accrued);
      rows.push({ period: p.period, status: p.status, planId, currency, payees: new Set(list.map((x) => x.payeeId)).size, earned: fmt(s((x) => x.earned), 2), adjustments: fmt(s((x) => x.adjustments), 2), drawAdvance: fmt(s((x) => x.drawAdvance), 2), recovery: fmt(s((x) => x.recovery), 2), accrued: fmt(accrued, 2) });
    }
  }
  return { asOf, rows, totals: [...totals].sort().map(([currency, v]) => ({ currency, accrued: fmt(v, 2) })) };
}

/** Payouts of a period as an XLSX workbook: one row per payee and plan, a total row per currency, and the statement lines. */
export async function payoutsXlsx(engine: IncentiveEngine, period: string, names: ReadonlyMap<string, string> = new Map()): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Attain';
  const sheet = wb.addWorksheet('Payouts');
  sheet.columns = [
    { header: 'payee_id', key: 'payee_id', width: 38 }, { header: 'payee', key: 'payee', width: 24 }, { header: 'period', key: 'period', width: 9 },
    { header: 'plan', key: 'plan', width: 16 }, { header: 'currency', key: 'currency', width: 9 },
    ...['earned', 'adjustments', 'draw_advance', 'recovery', 'payout', 'points', 'balance_after'].map((k) => ({ header: k, key: k, width: 14, style: { numFmt: k === 'points' ? '0.##' : '#,##0.00' } })),
  ];
  sheet.getRow(1).font = { bold: true };
  const totals = new Map<string, Dec>();
  const payouts = await engine.payouts(period);
  const num = (v: Dec, scale = 2) => Number(fmt(v, scale));
  for (const p of payouts) {
    totals.set(p.currency, (totals.get(p.currency) ?? ZERO) + p.payout);
    sheet.addRow({ payee_id: p.payeeId, payee: names.get(p.payeeId) ?? '', period: p.period, plan: p.planId, currency: p.currency, earned: num(p.earned), adjustments: num(p.adjustments), draw_advance: num(p.drawAdvance), recovery: num(p.recovery), payout: num(p.payout), points: num(p.points, 4), balance_after: num(p.balanceAfter) });
  }
  for (const [currency, total] of [...totals].sort()) {
    const row = sheet.addRow({ payee_id: 'TOTAL', period, currency, payout: num(total) });
    row.font = { bold: true };
  }
  const lines = wb.addWorksheet('Lines');
  lines.columns = ['payee_id', 'period', 'plan', 'version', 'component', 'kind', 'currency', 'amount', 'points', 'for_period'].map((k) => ({ header: k, key: k, width: k === 'payee_id' ? 38 : 14 }));
  lines.getRow(1).font = { bold: true };
  for (const payeeId of [...new Set(payouts.map((p) => p.payeeId))]) {
    for (const l of (await engine.statement(payeeId, period)).lines) {
      lines.addRow({ payee_id: l.payeeId, period: l.period, plan: l.planId, version: l.planVersion, component: l.component ?? '', kind: l.kind, currency: l.currency, amount: num(l.amount), points: num(l.points, 4), for_period: l.trace.forPeriod ?? '' });
    }
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const LATIN: Record<string, string> = { '−': '-', '–': '-', '—': '-', '∞': 'inf', 'Σ': 'sum', '≥': '>=', '≤': '<=', '…': '...', '→': '->' };

/** Text the standard PDF fonts can print (WinAnsi); anything else becomes "?". */
export function pdfText(s: string): string {
  return [...s].map((ch) => LATIN[ch] ?? ((ch.codePointAt(0) ?? 0) <= 0xff ? ch : '?')).join('');
}

export interface StatementPdfInput {
  payeeId: string;
  payeeName?: string;
  period: string;
  status: PeriodStatus | null;
  lines: readonly StatementLine[];
  payouts: readonly PayoutSummary[];
  /** Include every line's formula steps (the trace). */
  trace?: boolean;
}

/** A statement as a PDF: header, one row per line, the payout summary and (optionally) each line's formula steps. */
export function statementPdf(s: StatementPdfInput): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 48, info: { Title: pdfText(`Statement ${s.period} ${s.payeeName ?? s.payeeId}`), Producer: 'Attain', Creator: 'Attain', CreationDate: new Date(`${s.period}-01T00:00:00Z`) } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const font = 'Helvetica';
  doc.font(`${font}-Bold`).fontSize(16).text(pdfText(`Earnings statement — ${s.period}`));
  doc.font(font).fontSize(10).fillColor('#444').text(pdfText(`${s.payeeName ?? ''} (${s.payeeId})`)).text(`Period status: ${s.status ?? 'not opened'}${s.status && FROZEN.includes(s.status) ? ' (final)' : ' (provisional)'}`).moveDown();
  const cols = [48, 210, 290, 360, 440];
  const row = (cells: string[], bold = false) => {
    const y = doc.y;
    doc.font(bold ? `${font}-Bold` : font).fontSize(9).fillColor('#000');
    cells.forEach((c, i) => doc.text(pdfText(c), cols[i] ?? 48, y, { width: i === 0 ? 160 : 75, align: i >= 3 ? 'right' : 'left', lineBreak: false }));
    doc.x = 48;
    doc.y = y + 14;
  };
  row(['Component', 'Kind', 'Plan', 'Amount', 'Points'], true);
  for (const l of s.lines) {
    if (doc.y > 760) doc.addPage();
    row([`${l.component ?? '-'}${l.trace.forPeriod ? ` (for ${l.trace.forPeriod})` : ''}`, l.kind, `${l.planId} v${l.planVersion}`, `${fmt(l.amount, 2)} ${l.currency}`, fmt(l.points)]);
  }
  doc.moveDown();
  for (const p of s.payouts) {
    row([`Total ${p.planId}`, '', '', '', ''], true);
    for (const [label, v] of [['Earned', p.earned], ['Prior-period adjustments', p.adjustments], ['Draw / guarantee', p.drawAdvance], ['Draw recovery', -p.recovery], ['Payout', p.payout]] as const) row([label, '', '', `${fmt(v, 2)} ${p.currency}`, '']);
    if (p.balanceAfter !== ZERO) row(['Draw balance owed', '', '', `${fmt(p.balanceAfter, 2)} ${p.currency}`, '']);
  }
  if (s.trace) {
    doc.addPage().font(`${font}-Bold`).fontSize(12).text('How each line was calculated').moveDown(0.5);
    for (const l of s.lines) {
      if (doc.y > 720) doc.addPage();
      doc.font(`${font}-Bold`).fontSize(9).text(pdfText(`${l.component ?? l.kind} — ${fmt(l.amount, 2)} ${l.currency} (plan ${l.trace.plan.name} v${l.trace.plan.version}, ${l.trace.creditCount} credits)`));
      doc.font(font).fontSize(8);
      for (const st of l.trace.steps) doc.text(pdfText(`${st.step}: ${st.formula} = ${st.value}`), { indent: 12 });
      doc.moveDown(0.4);
    }
  }
  doc.end();
  return done;
}
