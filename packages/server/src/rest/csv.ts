// Spreadsheet apps execute cells that start with these characters (CSV/formula injection).
const FORMULA_START = /^[=+\-@\t\r]/;

function cell(value: unknown, numeric: boolean): string {
  if (value === null || value === undefined) return '';
  let text = Array.isArray(value) ? value.join(';') : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (!numeric && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

/** RFC 4180 CSV with a header row; `numericColumns` are left as-is so negative amounts stay numbers. */
export function toCsv(columns: readonly string[], rows: readonly Record<string, unknown>[], numericColumns: ReadonlySet<string> = new Set()): string {
  const lines = [columns.map((c) => cell(c, false)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => cell(row[c], numericColumns.has(c))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
