// Payroll files per country (issue #18 item 3) over HTTP: only an approved period's pay, one line
// per payee and currency in the template's columns and formats, and the totals reconcile to the
// statements — each person's amount equals their statement's payout total, the file's total the sum.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import ExcelJS from 'exceljs';
import { testServer } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
const MAR = '2026-03';

const plan = (id: string, currency: string, rate: string, component: string) => ({
  kind: 'incentive_plan',
  id,
  name: id,
  label: { en: id },
  versions: [
    {
      version: 1,
      effectiveFrom: '2026-01-01',
      currency,
      rounding: { scale: 2, mode: 'half_up' },
      measures: [{ name: 'revenue', type: 'sum' }],
      components: [{ name: component, type: 'rate', measure: 'revenue', rate }],
    },
  ],
});

/** Cents of an exact decimal text, so sums are compared without float rounding. */
const cents = (s: string) => {
  const [i = '0', f = ''] = s.replace(',', '.').split('.');
  const sign = i.startsWith('-') ? -1n : 1n;
  return sign * (BigInt(i.replace('-', '')) * 100n + BigInt(f.padEnd(2, '0').slice(0, 2)));
};

const statementTotal = async (who: 'rep1' | 'rep2') => {
  const s = (await t.call.finance.get(`/api/v1/incentives/statements/${t.ids[who]}/${MAR}`)).json().data as { payouts: Array<{ payout: string }> };
  return s.payouts.reduce((a, p) => a + cents(p.payout), 0n);
};

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await coreTenant(app, store, 'payroll');
  const admin = t.call.admin;
  expect((await admin.patch(`/api/v1/objects/user/${t.ids.rep1}`, { employee_number: 'E-1001', name: '李雷' })).statusCode).toBe(200);
  expect((await admin.patch(`/api/v1/objects/user/${t.ids.rep2}`, { employee_number: 'E-1002', name: '=HYPERLINK("x")' })).statusCode).toBe(200);
  const c1 = (await t.call.rep1.post('/api/v1/objects/customer', { name: 'ACME' })).json().id;
  const c2 = (await t.call.rep2.post('/api/v1/objects/customer', { name: 'Globex' })).json().id;
  const rules = [{ kind: 'crediting_rule', id: 'own', name: 'owner', label: { en: 'Owner' }, effectiveFrom: '2020-01-01', type: 'owner' }];
  expect((await admin.put('/api/v1/incentives/crediting-rules', { rules })).statusCode).toBe(200);
  // Two plans pay rep1: their statement total is the sum of both payouts.
  for (const p of [plan('plan_a', 'USD', '0.05', 'commission'), plan('plan_b', 'USD', '0.0133', 'bonus')]) {
    expect((await admin.put(`/api/v1/incentives/plans/${p.id}`, p)).statusCode).toBe(200);
  }
  expect((await admin.put('/api/v1/incentives/plans/plan_a/assignments', { assignments: [t.ids.rep1, t.ids.rep2].map((payeeId) => ({ payeeId, from: '2026-01-01' })) })).statusCode).toBe(200);
  expect((await admin.put('/api/v1/incentives/plans/plan_b/assignments', { assignments: [{ payeeId: t.ids.rep1, from: '2026-01-01' }] })).statusCode).toBe(200);
  const order = (who: 'rep1' | 'rep2', n: string, customer: string, amount: string) =>
    t.call[who].post('/api/v1/objects/order', { order_number: n, customer_id: customer, order_date: '2026-03-05', status: 'booked', amount, currency: 'USD' });
  expect((await order('rep1', 'P-1', c1, '10000.33')).statusCode).toBe(201);
  expect((await order('rep2', 'P-2', c2, '4000.10')).statusCode).toBe(201);
  await t.drain();
  expect((await t.call.finance.post('/api/v1/incentives/recalculate')).statusCode).toBe(200);
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('payroll files', () => {
  it('are made of approved pay only, for finance', async () => {
    const early = await t.call.finance.get(`/api/v1/incentives/periods/${MAR}/payroll?template=cn`);
    expect(early.statusCode).toBe(409);
    expect(early.json().error).toMatchObject({ code: 'period_not_approved', details: [{ path: '/period', rule: 'approved' }] });
    expect((await t.call.finance.post(`/api/v1/incentives/periods/${MAR}/status`, { status: 'approved' })).statusCode).toBe(200);
    expect((await t.call.rep1.get(`/api/v1/incentives/periods/${MAR}/payroll?template=cn`)).statusCode).toBe(403);
    expect((await t.call.manager.get('/api/v1/incentives/payroll/templates')).statusCode).toBe(403);
    const bad = await t.call.finance.get(`/api/v1/incentives/periods/${MAR}/payroll?template=xx`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details).toEqual([expect.objectContaining({ path: '/template', rule: 'enum' })]);
    expect((await t.call.finance.get(`/api/v1/incentives/periods/${MAR}/payroll`)).statusCode).toBe(400);
    expect((await t.call.finance.get(`/api/v1/incentives/periods/2026-13/payroll?template=cn`)).statusCode).toBe(400);
    const templates = (await t.call.finance.get('/api/v1/incentives/payroll/templates')).json().data as Array<{ id: string }>;
    expect(templates.map((x) => x.id)).toEqual(['cn', 'us', 'gb', 'de']);
  });

  it('China (CSV): 工号, 姓名 … 应发奖金; each person reconciles to their statement, the file to the sum', async () => {
    const res = await t.call.finance.get(`/api/v1/incentives/periods/${MAR}/payroll?template=cn&format=csv`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const [head, ...lines] = res.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(head).toBe('工号,姓名,部门,所属期间,工资项目,币种,应发奖金');
    const rows = lines.map((l) => l.split(','));
    expect(rows[0]?.slice(0, 2)).toEqual(['E-1001', '李雷']);
    // A name a spreadsheet would run as a formula is written as text.
    expect(lines[1]?.startsWith(`E-1002,"'=HYPERLINK(""x"")"`)).toBe(true);
    const amount = (employee: string) => cents(rows.find((r) => r[0] === employee)?.at(-1) ?? '');
    expect(amount('E-1001')).toBe(await statementTotal('rep1'));
    expect(amount('E-1002')).toBe(await statementTotal('rep2'));
    // 10000.33 × 5% = 500.02 (half up) + 10000.33 × 1.33% = 133.00; 4000.10 × 5% = 200.01
    expect([amount('E-1001'), amount('E-1002')]).toEqual([63302n, 20001n]);
    const total = rows.reduce((a, r) => a + cents(r.at(-1) ?? ''), 0n);
    expect(total).toBe((await statementTotal('rep1')) + (await statementTotal('rep2')));
    expect(res.headers['x-attain-payroll-totals']).toBe('USD=833.03');
    expect(rows[0]?.slice(3, 6)).toEqual([MAR, '奖金', 'USD']);
  });

  it('US (XLSX): Employee ID, Earnings Code, Amount; amounts are numbers that reconcile', async () => {
    const res = await t.call.finance.get(`/api/v1/incentives/periods/${MAR}/payroll?template=us&format=xlsx`);
    expect(res.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.worksheets[0]!;
    expect(sheet.getRow(1).values).toEqual([undefined, 'Employee ID', 'Employee Name', 'Earnings Code', 'Amount', 'Currency', 'Pay Period End Date']);
    const rows = [2, 3].map((n) => sheet.getRow(n).values as unknown[]);
    expect(rows.map((r) => [r[1], r[3], r[4], r[5], r[6]])).toEqual([
      ['E-1001', 'COMM', 633.02, 'USD', '03/31/2026'],
      ['E-1002', 'COMM', 200.01, 'USD', '03/31/2026'],
    ]);
    expect(cents(String(rows[0]?.[4]))).toBe(await statementTotal('rep1'));
    expect(sheet.rowCount).toBe(3);
  });

  it('Germany (CSV): semicolons, decimal commas, German headers and dates; English headers on request', async () => {
    const de = (await t.call.finance.get(`/api/v1/incentives/periods/${MAR}/payroll?template=de`)).body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(de[0]).toBe('Personalnummer;Name;Lohnart;Betrag;Währung;Abrechnungszeitraum Ende');
    expect(de[1]).toBe('E-1001;李雷;Provision;633,02;USD;31.03.2026');
    const en = (await t.call.finance.get(`/api/v1/incentives/periods/${MAR}/payroll?template=de&lang=en`)).body.replace(/^\uFEFF/, '').split('\r\n');
    expect(en[0]).toBe('Personnel number;Name;Wage type;Amount;Currency;Period end');
    const gb = (await t.call.finance.get(`/api/v1/incentives/periods/${MAR}/payroll?template=gb`)).body.replace(/^\uFEFF/, '').split('\r\n');
    expect(gb[1]).toBe('E-1001,李雷,BONUS,633.02,USD,31/03/2026');
  });
});
