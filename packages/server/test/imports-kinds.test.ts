// Imports of non-record data (issue #18 item 4) over HTTP, as a customer's client sends them: the
// kinds and their templates, CSV and XLSX files with a column mapping, a dry run that changes
// nothing and answers what the real run does, a bad row failing alone with its field and rule, the
// result read back through the owning routes, RBAC per kind, and the history of runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import ExcelJS from 'exceljs';
import { login, testServer } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
let acme = '';
let unit = '';
let east = '';
const NOBODY = '00000000-0000-4000-8000-000000000000';

const plan = {
  kind: 'incentive_plan',
  id: 'plan_imp',
  name: 'plan_imp',
  label: { en: 'Import plan' },
  versions: [
    {
      version: 1,
      effectiveFrom: '2026-01-01',
      currency: 'USD',
      rounding: { scale: 2, mode: 'half_up' },
      measures: [{ name: 'revenue', type: 'sum' }],
      components: [{ name: 'commission', type: 'rate', measure: 'revenue', rate: '0.05' }],
    },
  ],
};

async function xlsx(rows: unknown[][]): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const sheet = wb.addWorksheet('data');
  for (const r of rows) sheet.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer()).toString('base64');
}

type Result = { summary: Record<string, number>; rows: Array<{ row: number; status: string; errors?: Array<{ field: string; rule: string }> }>; runId?: string };
const why = (r: Result) => r.rows.map((x) => `${x.row} ${x.status}${x.errors ? ` ${x.errors.map((e) => `${e.field}:${e.rule}`).join(',')}` : ''}`);

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await coreTenant(app, store, 'imports');
  acme = (await t.call.admin.post('/api/v1/objects/customer', { name: 'ACME', external_id: 'C-ACME', owner_id: t.ids.rep1 })).json().id;
  unit = (await t.call.admin.get('/api/v1/objects/org_unit')).json().data[0].id;
  east = (await t.call.admin.post('/api/v1/objects/org_unit', { name: 'East', external_id: 'U-EAST' })).json().id;
  expect((await t.call.admin.put('/api/v1/incentives/plans/plan_imp', plan)).statusCode).toBe(200);
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('import kinds and templates', () => {
  it('lists the kinds a role may run, with their columns', async () => {
    const admin = (await t.call.admin.get('/api/v1/imports/kinds')).json().data as Array<{ name: string; columns: Array<{ field: string; required?: boolean }> }>;
    expect(admin.map((k) => k.name)).toEqual(['rates', 'targets', 'assignments', 'territories', 'org']);
    expect(admin[0]?.columns.map((c) => c.field)).toEqual(['from', 'to', 'rate', 'effective_from']);
    expect((await t.call.finance.get('/api/v1/imports/kinds')).json().data.map((k: { name: string }) => k.name)).toEqual(['rates']);
    expect((await t.call.rep1.get('/api/v1/imports/kinds')).json().data).toEqual([]);
  });

  it('gives a template per kind as CSV and XLSX', async () => {
    const csv = await t.call.admin.get('/api/v1/imports/territories/template?format=csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.replace(/^\uFEFF/, '')).toBe('customer,payee,from,to\r\n');
    const file = await t.call.admin.get('/api/v1/imports/org/template?format=xlsx&locale=zh-CN');
    expect(file.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.rawPayload as unknown as ArrayBuffer);
    expect(wb.worksheets[0]?.getRow(1).values).toEqual([undefined, 'user', 'unit', 'manager', 'valid_from', 'valid_to']);
    expect(wb.worksheets[1]?.name).toBe('说明');
    expect((await t.call.admin.get('/api/v1/imports/nope/template')).statusCode).toBe(404);
    expect((await t.call.rep1.get('/api/v1/imports/rates/template')).statusCode).toBe(403);
    expect((await t.call.admin.get('/api/v1/imports/rates/template?format=pdf')).statusCode).toBe(400);
  });
});

describe('exchange rates', () => {
  const csv = ['Von,Nach,Kurs,Datum', 'EUR,USD,1.0850,2026-01-01', 'GBP,USD,abc,2026-01-01', 'EUR,USD,1.09,2026-01-01', 'CNY,USD,"0.1385",2026/02/01', ''].join('\r\n');
  const mapping = { Von: 'from', Nach: 'to', Kurs: 'rate', Datum: 'effective_from' };

  it('a dry run answers per row and changes nothing; the real run imports the good rows only', async () => {
    const dry = await t.call.finance.post('/api/v1/imports/rates?dryRun=true', { csv, mapping, fileName: 'rates.csv' });
    expect(dry.statusCode).toBe(200);
    const d = dry.json() as Result;
    expect(why(d)).toEqual(['2 valid', '3 failed rate:type', '4 failed effective_from:unique', '5 valid']);
    expect(d.summary).toEqual({ rows: 4, valid: 2, imported: 0, failed: 2 });
    expect((await t.call.finance.get('/api/v1/fx/rates')).json().data).toEqual([]);

    const real = await t.call.finance.post('/api/v1/imports/rates', { csv, mapping, fileName: 'rates.csv' });
    expect(real.statusCode).toBe(200);
    const r = real.json() as Result;
    expect(why(r)).toEqual(['2 imported', '3 failed rate:type', '4 failed effective_from:unique', '5 imported']);
    expect(r.summary).toEqual({ rows: 4, valid: 2, imported: 2, failed: 2 });
    const rates = (await t.call.finance.get('/api/v1/fx/rates')).json().data as Array<{ from: string; rate: string; effectiveFrom: string }>;
    expect(rates.map((x) => `${x.from} ${x.rate} ${x.effectiveFrom}`).sort()).toEqual(['CNY 0.1385 2026-02-01', 'EUR 1.085 2026-01-01']);
  });

  it('reads XLSX with headers matched by name, dates and numbers exact', async () => {
    const file = await xlsx([
      ['from', 'to', 'rate', 'effective_from'],
      ['JPY', 'USD', 0.0067, new Date(Date.UTC(2026, 2, 1))],
      ['JPY', 'usd', '0.0068', '2026-04-31'],
    ]);
    const r = (await t.call.admin.post('/api/v1/imports/rates', { xlsx: file })).json() as Result;
    expect(why(r)).toEqual(['2 imported', '3 failed effective_from:format']);
    const jpy = (await t.call.finance.get('/api/v1/fx/rates?from=JPY')).json().data;
    expect(jpy.map((x: { rate: string; effectiveFrom: string }) => `${x.rate} ${x.effectiveFrom}`)).toEqual(['0.0067 2026-03-01']);
  });

  it('takes raw text/csv bodies, and refuses bad requests naming the field and rule', async () => {
    const token = await login(app, t.name, `finance@${t.name}.test`);
    const raw = await app.inject({
      method: 'POST',
      url: '/api/v1/imports/rates?dryRun=true',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      payload: 'from,to,rate,effective_from\nHKD,USD,0.128,2026-01-01\n',
    });
    expect(raw.statusCode).toBe(200);
    expect(why(raw.json())).toEqual(['2 valid']);
    const unmapped = await t.call.finance.post('/api/v1/imports/rates', { csv: 'from,to,rate\nEUR,USD,1\n' });
    expect(unmapped.statusCode).toBe(422);
    expect(unmapped.json().error).toMatchObject({ code: 'invalid_mapping', details: [{ path: '/mapping/effective_from', rule: 'required' }] });
    const badMap = await t.call.finance.post('/api/v1/imports/rates', { csv, mapping: { ...mapping, Kurs: 'price' } });
    expect(badMap.statusCode).toBe(400);
    expect(badMap.json().error.details).toEqual([expect.objectContaining({ path: '/mapping/Kurs', rule: 'enum' })]);
    const twice = await t.call.finance.post('/api/v1/imports/rates', { csv, mapping: { ...mapping, Nach: 'from' } });
    expect(twice.json().error.details.map((x: { rule: string }) => x.rule)).toEqual(['unique', 'required']);
    expect((await t.call.finance.post('/api/v1/imports/rates', { nothing: true })).json().error).toMatchObject({ code: 'invalid_body', details: [{ path: '/file', rule: 'required' }] });
    expect((await t.call.finance.post('/api/v1/imports/rates', { xlsx: 'AAAA' })).json().error).toMatchObject({ code: 'import_unreadable', details: [{ rule: 'xlsx' }] });
    expect((await t.call.finance.post('/api/v1/imports/rates', { csv: 'from,to\n' })).statusCode).toBe(422);
    expect((await t.call.rep1.post('/api/v1/imports/rates', { csv })).statusCode).toBe(403);
    expect((await t.call.finance.post('/api/v1/imports/territories', { csv })).statusCode).toBe(403);
    expect((await t.call.finance.post('/api/v1/imports/rates?dryRun=yes', { csv })).statusCode).toBe(400);
  });
});

describe('territories, plan assignments and the org', () => {
  it('territories: customers by external id, payees by e-mail; an unknown customer fails alone', async () => {
    const csv = ['customer,payee,from,to', `C-ACME,rep2@${t.name}.test,2026-01-01,`, `C-NONE,rep2@${t.name}.test,2026-01-01,`, `${acme},spec@${t.name}.test,2026-02-01,2026-01-01`].join('\n');
    const dry = (await t.call.admin.post('/api/v1/imports/territories?dryRun=true', { csv })).json() as Result;
    expect(why(dry)).toEqual(['2 valid', '3 failed customer:unknown_reference', '4 failed to:range']);
    expect((await t.call.admin.get('/api/v1/incentives/territories')).json().data).toEqual([]);
    const real = (await t.call.admin.post('/api/v1/imports/territories', { csv })).json() as Result;
    expect(why(real)).toEqual(['2 imported', '3 failed customer:unknown_reference', '4 failed to:range']);
    expect((await t.call.finance.get('/api/v1/incentives/territories')).json().data).toEqual([{ customerId: acme, payeeId: t.ids.rep2, from: '2026-01-01', to: null }]);
    // Sent again, the same span replaces itself; an overlapping one for the same payee fails.
    const again = (await t.call.admin.post('/api/v1/imports/territories', { csv: `customer,payee,from\n${acme},${t.ids.rep2},2026-01-01\n${acme},${t.ids.rep2},2026-03-01\n` })).json() as Result;
    expect(why(again)).toEqual(['2 imported', '3 failed from:overlap']);
  });

  it('plan assignments from XLSX: an unknown plan fails alone; the plan lists who is on it', async () => {
    const file = await xlsx([
      ['Plan', 'Payee', 'From', 'To'],
      ['plan_imp', `rep1@${t.name}.test`, '2026-01-01', null],
      ['plan_nope', `rep2@${t.name}.test`, '2026-01-01', null],
      ['plan_imp', NOBODY, '2026-01-01', null],
    ]);
    const mapping = { Plan: 'plan', Payee: 'payee', From: 'from', To: 'to' };
    const dry = (await t.call.admin.post('/api/v1/imports/assignments?dryRun=true', { xlsx: file, mapping })).json() as Result;
    expect(why(dry)).toEqual(['2 valid', '3 failed plan:unknown_reference', '4 failed payee:unknown_reference']);
    expect((await t.call.admin.get('/api/v1/incentives/plans/plan_imp/assignments')).json().data).toEqual([]);
    const real = (await t.call.admin.post('/api/v1/imports/assignments', { xlsx: file, mapping })).json() as Result;
    expect(real.summary).toEqual({ rows: 3, valid: 1, imported: 1, failed: 2 });
    const on = (await t.call.admin.get('/api/v1/incentives/plans/plan_imp/assignments')).json().data;
    expect(on.map((a: { payeeId: string; from: string }) => `${a.payeeId} ${a.from}`)).toEqual([`${t.ids.rep1} 2026-01-01`]);
    expect((await t.call.finance.post('/api/v1/imports/assignments', { xlsx: file, mapping })).statusCode).toBe(403);
  });

  it('the org: effective-dated moves through the org service; a row naming no unit fails alone', async () => {
    const csv = [
      'email,org_unit,manager,valid_from',
      `rep2@${t.name}.test,U-EAST,manager@${t.name}.test,2026-04-01`,
      `rep1@${t.name}.test,U-NOWHERE,,2026-04-01`,
      `spec@${t.name}.test,${NOBODY},,2026-04-01`,
      // rep2 again from the same day: the org service refuses one person in two places at once.
      `rep2@${t.name}.test,${unit},,2026-04-01`,
    ].join('\n');
    const mapping = { email: 'user', org_unit: 'unit', manager: 'manager', valid_from: 'valid_from' };
    const dry = (await t.call.admin.post('/api/v1/imports/org?dryRun=true', { csv, mapping })).json() as Result;
    expect(why(dry)).toEqual(['2 valid', '3 failed unit:unknown_reference', '4 failed unit:unknown_reference', '5 failed unit:overlap']);
    const before = (await t.call.admin.get(`/api/v1/org/memberships?user=${t.ids.rep2}`)).json().data;
    const real = (await t.call.admin.post('/api/v1/imports/org', { csv, mapping })).json() as Result;
    expect(real.summary).toMatchObject({ imported: 1, failed: 3 });
    const after = (await t.call.admin.get(`/api/v1/org/memberships?user=${t.ids.rep2}`)).json().data as Array<{ org_unit_id: string; valid_from: string; manager_id: string }>;
    expect(after).not.toEqual(before);
    expect(after.at(-1)).toMatchObject({ org_unit_id: east, valid_from: '2026-04-01', manager_id: t.ids.manager });
    expect(after.at(-2)).toMatchObject({ org_unit_id: unit });
    expect((await t.call.manager.post('/api/v1/imports/org', { csv, mapping })).statusCode).toBe(403);
  });
});

describe('targets', () => {
  it('become locked cells of a new draft version; a bad month, an unknown plan or row, a bad value fails alone', async () => {
    const kpi = {
      kind: 'kpi',
      id: 'kpi_orders',
      name: 'order_revenue',
      label: { en: 'Order revenue' },
      object: 'order',
      measure: { aggregate: 'sum', value: 'amount' },
      dateField: 'order_date',
      unit: 'money',
    };
    expect((await t.call.admin.put('/api/v1/goals/kpis/order_revenue', kpi)).statusCode).toBe(200);
    const doc = { kind: 'target_plan', id: 'tp_orders', name: 'orders_2026', label: { en: 'Orders 2026' }, kpi: 'order_revenue', year: 2026, total: '120000', orgUnit: unit };
    expect((await t.call.admin.post('/api/v1/metadata/apply', { documents: [doc] })).statusCode).toBe(200);
    const csv = [
      'plan,node,month,value',
      `orders_2026,${t.ids.rep1},2026-01,5000.50`,
      `orders_2026,${t.ids.rep1},2026-13,1`,
      `orders_2026,${t.ids.spec},2026-02,"1,200"`,
      `nope,${t.ids.spec},2026-02,1`,
      `orders_2026,${t.ids.spec},2026-03,x`,
      `orders_2026,${NOBODY},2026-03,10`,
    ].join('\n');
    const dry = (await t.call.admin.post('/api/v1/imports/targets?dryRun=true', { csv })).json() as Result;
    expect(why(dry)).toEqual(['2 valid', '3 failed month:format', '4 valid', '5 failed plan:unknown_reference', '6 failed value:type', '7 failed node:unknown_cell']);
    expect((await t.call.admin.get('/api/v1/goals/plans/orders_2026/versions')).json().data).toEqual([]);
    const real = (await t.call.admin.post('/api/v1/imports/targets', { csv })).json() as Result;
    expect(real.summary).toEqual({ rows: 6, valid: 2, imported: 2, failed: 4 });
    const versions = (await t.call.admin.get('/api/v1/goals/plans/orders_2026/versions')).json().data as Array<{ id: string; status: string }>;
    expect(versions.map((v) => v.status)).toEqual(['draft']);
    const saved = (await t.call.admin.get(`/api/v1/goals/plans/orders_2026/versions/${versions[0]?.id}`)).json();
    expect(saved.request.locks).toEqual([
      { node: t.ids.rep1, month: '2026-01', value: '5000.50' },
      { node: t.ids.spec, month: '2026-02', value: '1200.00' },
    ]);
    // A second file keeps the earlier locks and replaces the cell it names again.
    const next = (await t.call.admin.post('/api/v1/imports/targets', { csv: `plan,node,month,value\norders_2026,${t.ids.rep1},2026-01,4000\n` })).json() as Result;
    expect(next.summary.imported).toBe(1);
    const latest = (await t.call.admin.get('/api/v1/goals/plans/orders_2026/versions')).json().data as Array<{ id: string; version: number }>;
    const newest = latest.sort((a, b) => b.version - a.version)[0];
    const locks = (await t.call.admin.get(`/api/v1/goals/plans/orders_2026/versions/${newest?.id}`)).json().request.locks;
    expect(locks).toEqual([
      { node: t.ids.spec, month: '2026-02', value: '1200.00' },
      { node: t.ids.rep1, month: '2026-01', value: '4000.00' },
    ]);
    expect((await t.call.rep1.post('/api/v1/imports/targets', { csv })).statusCode).toBe(403);
  });
});

describe('history', () => {
  it('admins read each real run: who, kind, counts and the failed rows', async () => {
    const runs = (await t.call.admin.get('/api/v1/imports?kind=rates')).json().data as Array<{
      kind: string;
      rows: number;
      imported: number;
      failed: number;
      fileName: string | null;
      userId: string;
      failures: Result['rows'];
    }>;
    expect(runs.map((r) => [r.imported, r.failed])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(runs[1]).toMatchObject({ kind: 'rates', rows: 4, fileName: 'rates.csv', userId: t.ids.finance });
    expect(runs[1]?.failures.map((f) => f.row)).toEqual([3, 4]);
    const failedOnly = (await t.call.admin.get('/api/v1/imports?failed=true&limit=50')).json().data as Array<{ kind: string }>;
    expect(new Set(failedOnly.map((r) => r.kind))).toEqual(new Set(['rates', 'territories', 'assignments', 'org', 'targets']));
    expect((await t.call.finance.get('/api/v1/imports')).statusCode).toBe(403);
    expect((await t.call.admin.get('/api/v1/imports?kind=nope')).statusCode).toBe(400);
    expect((await t.call.admin.get('/api/v1/imports?limit=0')).statusCode).toBe(400);
    const audit = (await t.call.admin.get('/api/v1/audit?object=import_run')).json().data as Array<{ action: string }>;
    expect(audit.some((a) => a.action === 'imports.rates.run')).toBe(true);
  });
});

describe('templates round trip', () => {
  it("every kind's XLSX template, filled in, checks clean", async () => {
    const filled: Record<string, unknown[]> = {
      rates: ['NOK', 'USD', 0.095, new Date(Date.UTC(2026, 4, 1))],
      targets: ['orders_2026', t.ids.rep1, '2026-05', '100'],
      assignments: ['plan_imp', `rep2@${t.name}.test`, '2026-01-01'],
      territories: ['C-ACME', `spec@${t.name}.test`, '2027-01-01'],
      org: [`spec@${t.name}.test`, 'U-EAST', `manager@${t.name}.test`, '2026-06-01'],
    };
    for (const [kind, row] of Object.entries(filled)) {
      const template = await t.call.admin.get(`/api/v1/imports/${kind}/template?format=xlsx`);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(template.rawPayload as unknown as ArrayBuffer);
      wb.worksheets[0]?.addRow(row);
      const xlsx = Buffer.from(await wb.xlsx.writeBuffer()).toString('base64');
      const r = (await t.call.admin.post(`/api/v1/imports/${kind}?dryRun=true`, { xlsx })).json() as Result;
      expect([kind, ...why(r)]).toEqual([kind, '2 valid']);
    }
  });
});
