// A report as a file: one flat table (groupings, measures, and with a comparison the previous
// value, delta and change per measure), then the totals row. CSV through the list export's writer
// (formula-injection safe), XLSX through exceljs with exact numbers kept exact.
import ExcelJS from 'exceljs';
import { toCsv } from '../../rest/csv.ts';
import type { ReportResult, ReportRow } from './run.ts';

interface Table {
  columns: string[];
  numeric: Set<string>;
  rows: Array<Record<string, unknown>>;
}

function table(r: ReportResult): Table {
  const groupCols = r.groups.map((g) => (g.bucket ? `${g.field}_${g.bucket}` : g.field));
  const compare = r.previous !== null;
  const measureCols = r.measures.flatMap((m) => (compare ? [m.name, `${m.name}_previous`, `${m.name}_delta`, `${m.name}_delta_pct`] : [m.name]));
  const line = (row: Pick<ReportRow, 'values' | 'previous' | 'delta' | 'deltaPct'>, keys: Array<string | null>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    groupCols.forEach((c, i) => (out[c] = keys[i] ?? null));
    for (const m of r.measures) {
      out[m.name] = row.values[m.name];
      if (compare) {
        out[`${m.name}_previous`] = row.previous?.[m.name] ?? null;
        out[`${m.name}_delta`] = row.delta?.[m.name] ?? null;
        out[`${m.name}_delta_pct`] = row.deltaPct?.[m.name] ?? null;
      }
    }
    return out;
  };
  const rows = r.rows.map((row) => line(row, row.other ? ['Other'] : row.labels.map((l, i) => l ?? row.keys[i] ?? null)));
  if (groupCols.length) rows.push(line(r.totals, ['Total']));
  return { columns: [...groupCols, ...measureCols], numeric: new Set(measureCols), rows };
}

export function reportCsv(r: ReportResult): string {
  const t = table(r);
  return toCsv(t.columns, t.rows, t.numeric);
}

const EXACT = /^-?\d+(\.\d+)?$/;

/** A decimal text becomes a spreadsheet number only when the number is the same value. */
function cellValue(v: unknown): unknown {
  if (typeof v !== 'string' || !EXACT.test(v)) return v ?? null;
  const n = Number(v);
  const canonical = v.includes('.') ? v.replace(/\.?0+$/, '') : v;
  return String(n) === canonical.replace(/^-0$/, '0') ? n : v;
}

export async function reportXlsx(r: ReportResult, sheetName: string): Promise<Buffer> {
  const t = table(r);
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(sheetName.slice(0, 31) || 'report');
  ws.addRow(t.columns);
  ws.getRow(1).font = { bold: true };
  for (const row of t.rows) ws.addRow(t.columns.map((c) => (t.numeric.has(c) ? cellValue(row[c]) : (row[c] ?? null))));
  return Buffer.from(await wb.xlsx.writeBuffer());
}
