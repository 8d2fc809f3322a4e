// Issue #18 item 4: records export as XLSX — the same columns, scope and hidden fields as the CSV,
// numbers as numbers, dates as dates, money in its currency's format.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';

let app: FastifyInstance;
let t: TestTenant;
let admin: Caller;
let rep: Caller;

beforeAll(async () => {
  const server = await testServer();
  app = server.app;
  t = await createTenant(server.store, 'xlx');
  admin = as(app, await login(app, t.name, t.users.admin.email));
  const role = {
    kind: 'role',
    id: 'role_rep',
    name: 'rep',
    label: { en: 'Sales rep' },
    permissions: [
      { object: 'deal', actions: ['read', 'create', 'update', 'export'], scope: 'own', hiddenFields: ['margin'] },
      { object: 'user', actions: ['read'], scope: 'all' },
    ],
  };
  expect((await admin.post('/api/v1/metadata/apply', { documents: [role] })).statusCode).toBe(200);
  rep = as(app, await login(app, t.name, t.users.repEast.email));
  await admin.post('/api/v1/objects/deal:bulk', [
    { external_id: 'x-1', name: '=cmd|calc', amount: '1234.5', close_date: '2026-03-31', margin: 0.25, owner_id: t.users.repEast.id },
    { external_id: 'x-2', name: 'Zweite, "quoted"', amount: 0, owner_id: t.users.repEast.id },
    { external_id: 'x-3', name: 'west', amount: 99, owner_id: t.users.repWest.id },
  ]);
}, 60_000);

afterAll(async () => {
  await app?.close();
});

/** RFC 4180 lines into cells (enough for the values above). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(cell), rows.push(row), (row = []), (cell = ''), i++;
    else cell += c;
  }
  return rows;
}

async function readXlsx(body: Buffer): Promise<ExcelJS.Worksheet> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(body as unknown as ArrayBuffer);
  const sheet = wb.worksheets[0];
  if (!sheet) throw new Error('no sheet');
  return sheet;
}

/** A cell as the CSV writes it. */
function asCsvText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().endsWith('T00:00:00.000Z') ? v.toISOString().slice(0, 10) : v.toISOString();
  return String(v);
}

describe('GET /objects/{object}/export?format=xlsx', () => {
  it('parsed back, equals the CSV for the same caller: columns, scope and hidden fields', async () => {
    for (const caller of [admin, rep]) {
      const csv = parseCsv((await caller.get('/api/v1/objects/deal/export?format=csv&sort=external_id')).body);
      const res = await caller.get('/api/v1/objects/deal/export?format=xlsx&sort=external_id');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('spreadsheetml');
      expect(res.headers['x-export-truncated']).toBe('false');
      const sheet = await readXlsx(res.rawPayload);
      const header = csv[0] as string[];
      expect(sheet.rowCount).toBe(csv.length);
      const xlsx: string[][] = [];
      sheet.eachRow((row) => xlsx.push(header.map((_, i) => asCsvText(row.getCell(i + 1).value))));
      const normalise = (rows: string[][]) =>
        rows.map((r) => r.map((c, i) => (/^-?\d+(\.\d+)?$/.test(c) ? String(Number(c)) : header[i] && /_at$/.test(header[i] as string) ? String(Date.parse(c)) : c.replace(/^'(?=[=+\-@])/, ''))));
      expect(normalise(xlsx)).toEqual(normalise(csv));
    }
    const repSheet = await readXlsx((await rep.get('/api/v1/objects/deal/export?format=xlsx')).rawPayload);
    const repHeader = (repSheet.getRow(1).values as unknown[]).slice(1);
    expect(repHeader).not.toContain('margin');
    expect(repSheet.rowCount).toBe(3);
  });

  it('writes numbers as numbers, dates as dates and money in its currency format', async () => {
    const sheet = await readXlsx((await admin.get('/api/v1/objects/deal/export?format=xlsx&sort=external_id')).rawPayload);
    const header = (sheet.getRow(1).values as unknown[]).slice(1) as string[];
    const col = (name: string) => header.indexOf(name) + 1;
    const first = sheet.getRow(2);
    expect(first.getCell(col('amount')).value).toBe(1234.5);
    expect(first.getCell(col('amount')).numFmt).toBe('#,##0.00 "CNY"');
    expect(first.getCell(col('close_date')).value).toEqual(new Date('2026-03-31T00:00:00Z'));
    expect(first.getCell(col('close_date')).numFmt).toBe('yyyy-mm-dd');
    expect(first.getCell(col('margin')).value).toBe(0.25);
    expect(first.getCell(col('created_at')).value).toBeInstanceOf(Date);
    // A string is a string cell in XLSX, never a formula: no quote prefix needed.
    expect(first.getCell(col('name')).value).toBe('=cmd|calc');
  });

  it('refuses an unknown format naming the field', async () => {
    const res = await admin.get('/api/v1/objects/deal/export?format=pdf');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0]).toMatchObject({ path: '/format', rule: 'enum' });
  });
});
