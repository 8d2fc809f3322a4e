// A payroll file from its template: CSV (the template's separators, a BOM so spreadsheet apps read
// UTF-8) or XLSX (amounts as numbers with two decimals, everything else as text).
import ExcelJS from 'exceljs';
import type { PayrollLine } from './lines.ts';
import { formatDate, type PayrollField, type PayrollTemplate } from './templates.ts';

export type HeaderLanguage = 'en' | 'zh-CN' | 'de';

// Spreadsheet apps execute cells that start with these characters (CSV/formula injection).
const FORMULA_START = /^[=+\-@\t\r]/;

function value(t: PayrollTemplate, field: PayrollField, line: PayrollLine, ctx: { period: string; payDate: string }, forCsv: boolean): string {
  switch (field) {
    case 'amount':
      return forCsv && t.decimalSeparator === ',' ? line.amount.replace('.', ',') : line.amount;
    case 'payDate':
      return formatDate(ctx.payDate, t.dateFormat);
    case 'period':
      return ctx.period;
    case 'earningsCode':
      return t.earningsCode;
    default:
      return line[field];
  }
}

const header = (t: PayrollTemplate, lang: HeaderLanguage) => t.columns.map((c) => c.header[lang] ?? c.header.en ?? c.field);

export function payrollCsv(t: PayrollTemplate, lines: readonly PayrollLine[], ctx: { period: string; payDate: string }, lang: HeaderLanguage): string {
  const cell = (text: string, numeric: boolean) => {
    const safe = !numeric && FORMULA_START.test(text) ? `'${text}` : text;
    return safe.includes(t.delimiter) || /["\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
  };
  const out = [
    header(t, lang)
      .map((x) => cell(x, false))
      .join(t.delimiter),
  ];
  for (const line of lines) out.push(t.columns.map((c) => cell(value(t, c.field, line, ctx, true), c.field === 'amount')).join(t.delimiter));
  return `\uFEFF${out.join('\r\n')}\r\n`;
}

export async function payrollXlsx(t: PayrollTemplate, lines: readonly PayrollLine[], ctx: { period: string; payDate: string }, lang: HeaderLanguage): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Attain';
  const sheet = wb.addWorksheet(`payroll-${t.id}`);
  const heads = header(t, lang);
  sheet.columns = t.columns.map((c, i) => ({ header: heads[i], key: c.field, width: c.field === 'name' ? 24 : 16, ...(c.field === 'amount' ? { style: { numFmt: '#,##0.00' } } : {}) }));
  sheet.getRow(1).font = { bold: true };
  for (const line of lines) {
    const row: Record<string, unknown> = {};
    // An amount of two decimals is a number exactly as written (the file's total is checked in text).
    for (const c of t.columns) row[c.field] = c.field === 'amount' ? Number(line.amount) : value(t, c.field, line, ctx, false);
    sheet.addRow(row);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
