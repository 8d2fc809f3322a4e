// `GET /objects/{object}/export?format=csv|xlsx`: one list of columns and rows (the caller's scope,
// without hidden fields) written as CSV or as a streamed XLSX workbook.
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { allFields, currencyScale, DECIMAL_STORAGES, type FieldDef, type ObjectDef, recordCurrency } from '@attain/meta';
import type { ListQuery, RecordService } from '../store-port.ts';
import { badRequest } from '../http/errors.ts';
import { toCsv } from './csv.ts';
import { MAX_LIMIT, parseFilter, parseSort, type RawListQuery } from './list-query.ts';
import { requireAccess } from './request-access.ts';

const EXPORT_MAX_ROWS = 100_000;
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The rows of an export, page by page, at most EXPORT_MAX_ROWS (then `truncated` is set). */
async function* pages(service: RecordService, object: string, query: ListQuery, state: { truncated: boolean }): AsyncGenerator<Record<string, unknown>[]> {
  let after: string | undefined;
  let seen = 0;
  for (;;) {
    const page = await service.list(object, { ...query, limit: MAX_LIMIT, ...(after ? { after } : {}) });
    yield page.data;
    seen += page.data.length;
    if (!page.page.next) return;
    if (seen >= EXPORT_MAX_ROWS) {
      state.truncated = true;
      return;
    }
    after = page.page.next;
  }
}

export async function exportRecords(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const access = requireAccess(request);
  const { object } = request.params as { object: string };
  const raw = request.query as RawListQuery & { format?: unknown };
  const format = raw.format ?? 'csv';
  if (format !== 'csv' && format !== 'xlsx') throw badRequest('invalid_query', 'format must be csv or xlsx', [{ path: '/format', rule: 'enum', message: 'must be csv or xlsx' }]);
  const { service, perm, object: def } = await access.grant(object, 'read', 'export');
  const fields = allFields(def).filter((f) => !perm.hiddenFields.has(f.name));
  const filter = parseFilter(typeof raw.filter === 'string' ? raw.filter : undefined);
  const sort = parseSort(raw.sort);
  const search = typeof raw.q === 'string' && raw.q.trim() ? raw.q.slice(0, 200) : undefined;
  const query: ListQuery = { ...(filter ? { filter } : {}), ...(sort ? { sort } : {}), ...(search ? { search } : {}) };
  const state = { truncated: false };
  if (format === 'xlsx') {
    // Headers go out before the last row is read, so truncation is known from a count first.
    const total = await service.count(object, filter, search ? { search } : {});
    reply
      .header('content-type', XLSX_TYPE)
      .header('content-disposition', `attachment; filename="${def.name}.xlsx"`)
      .header('x-export-truncated', String(total > EXPORT_MAX_ROWS));
    const out = new PassThrough();
    writeXlsx(out, def, fields, pages(service, object, query, state)).catch((error: unknown) => {
      request.log.error({ err: error }, 'xlsx export failed mid-stream');
      out.destroy(error as Error);
    });
    return reply.send(out);
  }
  const rows: Record<string, unknown>[] = [];
  for await (const page of pages(service, object, query, state)) rows.push(...page);
  const numeric = new Set(fields.filter((f) => DECIMAL_STORAGES.has(f.storage) || f.storage === 'integer').map((f) => f.name));
  reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${def.name}.csv"`).header('x-export-truncated', String(state.truncated));
  return toCsv(
    fields.map((f) => f.name),
    rows,
    numeric,
  );
}

/** `#,##0.00 "EUR"`: the currency's minor units, its code after the number. */
function moneyFormat(currency: string | undefined): string {
  const scale = currencyScale(currency);
  const digits = scale > 0 ? `.${'0'.repeat(scale)}` : '';
  return currency ? `#,##0${digits} "${currency}"` : `#,##0${digits}`;
}

/** A record value as an XLSX cell: numbers as numbers, dates as dates, lists as CSV writes them. */
function cellOf(field: FieldDef, value: unknown): ExcelJS.CellValue {
  if (value === null || value === undefined) return null;
  if (DECIMAL_STORAGES.has(field.storage) || field.storage === 'integer') {
    const n = Number(value);
    return Number.isFinite(n) ? n : String(value);
  }
  if (field.storage === 'date' && typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(`${value}T00:00:00Z`);
  if (field.storage === 'datetime' && typeof value === 'string') {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? value : d;
  }
  if (typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.join(';');
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function numFmt(object: ObjectDef, field: FieldDef, record: Record<string, unknown>): string | undefined {
  switch (field.storage) {
    case 'money':
      return moneyFormat(field.currency ?? recordCurrency(object, field, record, false));
    case 'date':
      return 'yyyy-mm-dd';
    case 'datetime':
      return 'yyyy-mm-dd hh:mm:ss';
    default:
      return undefined;
  }
}

/** Streams the workbook: each row is committed (written out and dropped) as it is added. */
async function writeXlsx(out: PassThrough, object: ObjectDef, fields: FieldDef[], rows: AsyncIterable<Record<string, unknown>[]>): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  const sheet = workbook.addWorksheet(object.name.slice(0, 31));
  sheet.addRow(fields.map((f) => f.name)).commit();
  for await (const page of rows) {
    for (const record of page) {
      const row = sheet.addRow(fields.map((f) => cellOf(f, record[f.name])));
      fields.forEach((f, i) => {
        const fmt = numFmt(object, f, record);
        if (fmt && record[f.name] !== null && record[f.name] !== undefined) row.getCell(i + 1).numFmt = fmt;
      });
      row.commit();
    }
  }
  sheet.commit();
  await workbook.commit();
}
