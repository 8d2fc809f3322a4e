// Rate files: CSV (RFC 4180, a header row) or XLSX (the first sheet, a header row). Both become the
// same rows, numbered as the file counts them (the header is row 1), for FxRateService.importRows.
import ExcelJS from 'exceljs';
import { FxError } from './errors.ts';

export type ImportRow = { row: number; values: Record<string, unknown> };

/** Header names accepted for each field (case and spaces ignored). */
const HEADERS: Record<string, string> = {
  from: 'from',
  from_currency: 'from',
  fromcurrency: 'from',
  to: 'to',
  to_currency: 'to',
  tocurrency: 'to',
  rate: 'rate',
  effective_from: 'effectiveFrom',
  effectivefrom: 'effectiveFrom',
  date: 'effectiveFrom',
};
const REQUIRED = ['from', 'to', 'rate', 'effectiveFrom'];
const MAX_ROWS = 10_000;

function mapHeader(cells: readonly unknown[]): string[] {
  const names = cells.map((c) =>
    String(c ?? '')
      .trim()
      .replace(/^\uFEFF/, '')
      .toLowerCase()
      .replace(/[\s-]+/g, '_'),
  );
  const fields = names.map((n) => HEADERS[n] ?? '');
  const details = [
    ...names.flatMap((n, i) =>
      fields[i] || n === '' ? [] : [{ path: `/rows/1/${i + 1}`, rule: 'unknown_column', message: `row 1: column "${n.slice(0, 40)}" is not one of from, to, rate, effective_from` }],
    ),
    ...REQUIRED.filter((f) => !fields.includes(f)).map((f) => ({
      path: '/rows/1',
      rule: 'required_column',
      message: `row 1: the header lacks the "${f === 'effectiveFrom' ? 'effective_from' : f}" column`,
    })),
  ];
  if (details.length) throw new FxError(422, 'import_invalid', 'the file was not imported: its header is not from,to,rate,effective_from', details);
  return fields;
}

function tooMany(): FxError {
  return new FxError(422, 'import_invalid', `the file was not imported: more than ${MAX_ROWS} rows`, [{ path: '/rows', rule: 'max_items', message: `at most ${MAX_ROWS} rates per file` }]);
}

/** RFC 4180 records: quoted fields may hold commas, quotes ("") and line breaks. */
function csvRecords(text: string): string[][] {
  const out: string[][] = [];
  let rec: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      rec.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      rec.push(field);
      out.push(rec);
      rec = [];
      field = '';
    } else field += ch;
  }
  if (quoted)
    throw new FxError(422, 'import_invalid', 'the file was not imported: a quoted field is never closed', [
      { path: `/rows/${out.length + 1}`, rule: 'csv', message: `row ${out.length + 1}: a quote (") opens a field that never closes` },
    ]);
  if (field !== '' || rec.length) {
    rec.push(field);
    out.push(rec);
  }
  return out;
}

export function parseRatesCsv(text: string): ImportRow[] {
  const records = csvRecords(text);
  const header = records[0];
  if (!header) throw new FxError(422, 'import_invalid', 'the file is empty', [{ path: '/rows/1', rule: 'required_column', message: 'row 1: expected the header from,to,rate,effective_from' }]);
  const fields = mapHeader(header);
  const rows: ImportRow[] = [];
  records.slice(1).forEach((cells, i) => {
    if (cells.every((c) => c.trim() === '')) return;
    const values: Record<string, unknown> = {};
    fields.forEach((f, j) => {
      if (f) values[f] = cells[j]?.trim() ?? '';
    });
    rows.push({ row: i + 2, values });
  });
  if (rows.length > MAX_ROWS) throw tooMany();
  return rows;
}

/** A cell as the text a rate check reads: numbers in their shortest exact spelling, dates as days. */
function cellText(v: ExcelJS.CellValue): unknown {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'number') return Number.isFinite(v) && !/e/i.test(String(v)) ? String(v) : v;
  if (typeof v === 'object') {
    if ('result' in v) return cellText((v as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue);
    if ('richText' in v)
      return (v as ExcelJS.CellRichTextValue).richText
        .map((r) => r.text)
        .join('')
        .trim();
    if ('text' in v) return String((v as { text: unknown }).text).trim();
    return '';
  }
  return String(v).trim();
}

export async function parseRatesXlsx(data: Uint8Array): Promise<ImportRow[]> {
  const wb = new ExcelJS.Workbook();
  try {
    // exceljs declares its own Buffer type; a Node Buffer is what it reads.
    await wb.xlsx.load(Buffer.from(data) as unknown as ArrayBuffer);
  } catch {
    throw new FxError(422, 'import_invalid', 'the file is not an XLSX workbook', [{ path: '/file', rule: 'xlsx', message: 'could not be read as an .xlsx workbook' }]);
  }
  const sheet = wb.worksheets[0];
  if (!sheet || sheet.rowCount < 1)
    throw new FxError(422, 'import_invalid', 'the workbook is empty', [{ path: '/rows/1', rule: 'required_column', message: 'row 1: expected the header from,to,rate,effective_from' }]);
  if (sheet.rowCount > MAX_ROWS + 1) throw tooMany();
  const width = Math.max(1, sheet.columnCount);
  const cells = (n: number) => Array.from({ length: width }, (_, j) => cellText(sheet.getRow(n).getCell(j + 1).value));
  const fields = mapHeader(cells(1));
  const rows: ImportRow[] = [];
  for (let n = 2; n <= sheet.rowCount; n++) {
    const c = cells(n);
    if (c.every((x) => x === '')) continue;
    const values: Record<string, unknown> = {};
    fields.forEach((f, j) => {
      if (f) values[f] = c[j];
    });
    rows.push({ row: n, values });
  }
  return rows;
}
