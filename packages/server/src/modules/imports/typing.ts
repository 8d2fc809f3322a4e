// From sheet cells to typed rows: the column mapping (sheet header → field, or guessed from the
// field names, aliases and labels), each cell checked against its column's type, and people and
// records named by e-mail or external id resolved to ids through the caller's record service.
import { isDecimal } from '@attain/engine';
import { ApiError, badRequest, type ErrorDetail } from '../../http/errors.ts';
import { isIsoDate } from '../../http/params.ts';
import type { AccessContext } from '../../rbac/context.ts';
import type { ImportColumn, ImportKind, TypedRow } from './kind.ts';
import { rowPath } from './kind.ts';
import type { Sheet } from './sheet.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const norm = (s: string) =>
  s
    .trim()
    .toLowerCase()
    .replace(/[\s\-]+/g, '_');

/** For each sheet column, the field it fills ('' = ignored). */
export function resolveMapping(kind: ImportKind, header: readonly string[], mapping: Record<string, unknown> | undefined): string[] {
  const fields = new Set(kind.columns.map((c) => c.field));
  let out: string[];
  if (mapping) {
    const details: ErrorDetail[] = [];
    for (const [col, field] of Object.entries(mapping)) {
      if (!header.includes(col)) details.push({ path: `/mapping/${col}`, rule: 'unknown_column', message: `the file has no column "${col.slice(0, 60)}"` });
      else if (typeof field !== 'string' || (field !== '' && !fields.has(field)))
        details.push({ path: `/mapping/${col}`, rule: 'enum', message: `must be one of ${[...fields].join(', ')} or "" to ignore the column` });
    }
    if (details.length) throw badRequest('invalid_mapping', 'the column mapping names unknown columns or fields', details);
    out = header.map((h) => (typeof mapping[h] === 'string' ? (mapping[h] as string) : ''));
  } else out = header.map((h) => guess(kind.columns, h));
  const details: ErrorDetail[] = [];
  kind.columns.forEach((c) => {
    const n = out.filter((f) => f === c.field).length;
    if (c.required && n === 0) details.push({ path: `/mapping/${c.field}`, rule: 'required', message: `no column is mapped to the required field "${c.field}"` });
    if (n > 1) details.push({ path: `/mapping/${c.field}`, rule: 'unique', message: `${n} columns are mapped to "${c.field}"` });
  });
  if (details.length) throw new ApiError(422, 'invalid_mapping', 'the columns do not fill the required fields once each', details);
  return out;
}

function guess(columns: readonly ImportColumn[], header: string): string {
  const n = norm(header);
  const hit = columns.find((c) => c.field.toLowerCase() === n || norm(c.field) === n || c.aliases?.includes(n) || Object.values(c.label).some((l) => l !== undefined && norm(l) === n));
  return hit?.field ?? '';
}

/** One cell checked against its type; the value as text (blank → null) or a problem. */
function typed(c: ImportColumn, raw: string): { value: string | null } | { rule: string; message: string } {
  const s = raw.trim();
  if (s === '') return c.required ? { rule: 'required', message: 'is required' } : { value: null };
  switch (c.type) {
    case 'date': {
      // A date pasted into a text-formatted sheet cell arrives as its serial number (days since 1899-12-30).
      if (/^\d{5}$/.test(s)) return { value: new Date(Date.UTC(1899, 11, 30) + Number(s) * 86_400_000).toISOString().slice(0, 10) };
      const d = s.replace(/^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$/, (_, y, m, day) => `${y}-${m.padStart(2, '0')}-${day.padStart(2, '0')}`);
      return isIsoDate(d) ? { value: d } : { rule: 'format', message: 'must be a date YYYY-MM-DD' };
    }
    case 'month':
      return /^\d{4}-(0[1-9]|1[0-2])$/.test(s) ? { value: s } : { rule: 'format', message: 'must be a month YYYY-MM' };
    case 'decimal': {
      // Thousands separators are dropped; the number stays text (exact).
      const d = s.replace(/[,\s]/g, '');
      return isDecimal(d) ? { value: d } : { rule: 'type', message: 'must be a decimal number such as 1234.50' };
    }
    case 'currency':
      return /^[A-Za-z]{3}$/.test(s) ? { value: s.toUpperCase() } : { rule: 'iso4217', message: 'must be a currency code such as USD' };
    default:
      return s.length <= 200 ? { value: s } : { rule: 'max_length', message: 'must be at most 200 characters' };
  }
}

export interface Typing {
  rows: TypedRow[];
  /** Rows refused before any check of the kind: per line, the problems. */
  failed: Map<number, ErrorDetail[]>;
}

export async function typeRows(kind: ImportKind, sheet: Sheet, mapping: readonly string[], access: AccessContext): Promise<Typing> {
  const failed = new Map<number, ErrorDetail[]>();
  const rows: TypedRow[] = [];
  const byField = new Map(kind.columns.map((c) => [c.field, c]));
  for (const { row, cells } of sheet.rows) {
    const values: Record<string, string | null> = {};
    const problems: ErrorDetail[] = [];
    for (const c of kind.columns) {
      const at = mapping.indexOf(c.field);
      const t = typed(c, at < 0 ? '' : (cells[at] ?? ''));
      if ('value' in t) values[c.field] = t.value;
      else problems.push({ path: rowPath(row, c.field), rule: t.rule, message: t.message });
    }
    if (problems.length) failed.set(row, problems);
    else rows.push({ row, values });
  }
  for (const c of kind.columns) if (c.type === 'user' || c.type === 'record') await resolveRefs(c, byField, rows, failed, access);
  return { rows: rows.filter((r) => !failed.has(r.row)), failed };
}

/** Names that are not ids (an e-mail, an external id) become the record's id, or fail the row. */
async function resolveRefs(c: ImportColumn, _cols: Map<string, ImportColumn>, rows: TypedRow[], failed: Map<number, ErrorDetail[]>, access: AccessContext): Promise<void> {
  const object = c.type === 'user' ? 'user' : (c.object ?? '');
  const key = c.type === 'user' ? 'email' : 'external_id';
  const given = [...new Set(rows.map((r) => r.values[c.field]).filter((v): v is string => !!v))];
  const found = new Map<string, string>();
  if (given.length && access.registry.object(object)) {
    const { service } = await access.grant(object, 'read');
    // Ids are looked up too, so a row naming a record that does not exist (or that the caller may
    // not see) fails here, as the owners would refuse it.
    const lookups: Array<[string, string[]]> = [
      ['id', given.filter((v) => UUID.test(v)).map((v) => v.toLowerCase())],
      [key, given.filter((v) => !UUID.test(v)).map((v) => (key === 'email' ? v.toLowerCase() : v))],
    ];
    for (const [by, values] of lookups) {
      for (let i = 0; i < values.length; i += 200) {
        let after: string | undefined;
        do {
          const page = await service.list(object, { filter: { [by]: { in: values.slice(i, i + 200) } }, limit: 500, ...(after ? { after } : {}) });
          for (const r of page.data) found.set(String(r[by]).toLowerCase(), String(r.id));
          after = page.page.next ?? undefined;
        } while (after);
      }
    }
  }
  for (const r of rows) {
    const v = r.values[c.field];
    if (!v) continue;
    const id = found.get(v.toLowerCase());
    if (id) r.values[c.field] = id;
    else {
      const how = UUID.test(v) ? 'id' : key.replace('_', ' ');
      failed.set(r.row, [...(failed.get(r.row) ?? []), { path: rowPath(r.row, c.field), rule: 'unknown_reference', message: `there is no ${object} with the ${how} "${v.slice(0, 80)}"` }]);
    }
  }
}
