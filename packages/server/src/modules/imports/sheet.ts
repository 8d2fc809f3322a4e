// An uploaded sheet as a header and rows of text cells: CSV (RFC 4180; `,`, `;` or tab) or the first sheet of an
// XLSX workbook (exceljs). Numbers are read as their shortest exact spelling and dates as calendar
// days, so a decimal never passes through float rounding and a day never shifts by a time zone.
import ExcelJS from 'exceljs';
import { ApiError } from '../../http/errors.ts';

export interface Sheet {
  header: string[];
  /** Each row with its line in the file (the header is line 1); blank rows are left out. */
  rows: Array<{ row: number; cells: string[] }>;
}

export const MAX_ROWS = 10_000;

const refuse = (rule: string, message: string, path = '/file') => new ApiError(422, 'import_unreadable', message, [{ path, rule, message }]);

/** The separator of the header line: a comma, or a semicolon or tab where a file uses those. */
function delimiterOf(text: string): string {
  const first = text.slice(0, text.search(/\r?\n/) >>> 0 || text.length);
  return [',', ';', '\t'].map((d) => ({ d, n: first.split(d).length })).sort((a, b) => b.n - a.n)[0]?.d ?? ',';
}

function csvRecords(text: string): string[][] {
  const sep = delimiterOf(text);
  const out: string[][] = [];
  let rec: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === sep) {
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
  if (quoted) throw refuse('csv', `row ${out.length + 1}: a quote (") opens a field that never closes`, `/rows/${out.length + 1}`);
  if (field !== '' || rec.length) {
    rec.push(field);
    out.push(rec);
  }
  return out;
}

function toSheet(records: string[][]): Sheet {
  const [head, ...body] = records;
  if (!head || head.every((h) => h.trim() === '')) throw refuse('required', 'the file is empty: the first row must name the columns');
  const rows: Sheet['rows'] = [];
  body.forEach((cells, i) => {
    if (cells.every((c) => c.trim() === '')) return;
    rows.push({ row: i + 2, cells: cells.map((c) => c.trim()) });
  });
  if (rows.length > MAX_ROWS) throw refuse('max_items', `at most ${MAX_ROWS} rows a file; split it`, '/rows');
  return { header: head.map((h) => h.replace(/^\uFEFF/, '').trim()), rows };
}

export function readCsv(text: string): Sheet {
  return toSheet(csvRecords(text.replace(/^\uFEFF/, '')));
}

/** A cell as text: numbers in their shortest exact spelling, dates as the day written in the sheet. */
function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  // exceljs gives a date cell as the wall-clock day at UTC midnight: the day as written.
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString().slice(0, 10);
  if (typeof v === 'number') return Number.isFinite(v) ? (/e/i.test(String(v)) ? v.toFixed(12).replace(/\.?0+$/, '') : String(v)) : '';
  if (typeof v === 'object') {
    if ('result' in v) return cellText((v as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue);
    if ('richText' in v) return (v as ExcelJS.CellRichTextValue).richText.map((r) => r.text).join('');
    if ('text' in v) return String((v as { text: unknown }).text);
    return '';
  }
  return String(v);
}

export async function readXlsx(data: Uint8Array): Promise<Sheet> {
  const wb = new ExcelJS.Workbook();
  try {
    // exceljs declares its own Buffer type; a Node Buffer is what it reads.
    await wb.xlsx.load(Buffer.from(data) as unknown as ArrayBuffer);
  } catch {
    throw refuse('xlsx', 'the file could not be read as an .xlsx workbook');
  }
  const sheet = wb.worksheets[0];
  if (!sheet || sheet.rowCount < 1) throw refuse('required', 'the workbook is empty: the first row must name the columns');
  if (sheet.rowCount > MAX_ROWS + 1) throw refuse('max_items', `at most ${MAX_ROWS} rows a file; split it`, '/rows');
  const width = Math.max(1, sheet.columnCount);
  const records: string[][] = [];
  for (let n = 1; n <= sheet.rowCount; n++) records.push(Array.from({ length: width }, (_, j) => cellText(sheet.getRow(n).getCell(j + 1).value)));
  return toSheet(records);
}

/** XLSX is a zip archive: it starts with PK\x03\x04. */
export function isZip(b: Uint8Array): boolean {
  return b.length > 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
}
