// Disputes and payouts finance can use (issue #11 item 9): accepting a dispute moves money (an
// amount booked as an adjustment line, or a recalculation) and tells the rep; payout exports name the
// payee, employee number, unit, plan and currency, and reconcile to the statements. Over HTTP only.
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

const plan = {
  kind: 'incentive_plan',
  id: 'plan_sales',
  name: 'plan_sales',
  label: { en: 'Sales commission', 'zh-CN': '销售提成' },
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

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await coreTenant(app, store, 'dispay');
  const admin = t.call.admin;
  expect((await admin.patch(`/api/v1/objects/user/${t.ids.rep1}`, { employee_number: 'E-1001', name: 'Li Lei' })).statusCode).toBe(200);
  // A name that a spreadsheet would run as a formula is written as text.
  expect((await admin.patch(`/api/v1/objects/user/${t.ids.rep2}`, { name: '=HYPERLINK("x")' })).statusCode).toBe(200);
  // A rep books orders against a customer they may read: their own.
  const customer1 = (await t.call.rep1.post('/api/v1/objects/customer', { name: 'ACME' })).json().id;
  const customer2 = (await t.call.rep2.post('/api/v1/objects/customer', { name: 'Globex' })).json().id;
  expect(
    (await admin.put('/api/v1/incentives/crediting-rules', { rules: [{ kind: 'crediting_rule', id: 'own', name: 'owner', label: { en: 'Owner' }, effectiveFrom: '2020-01-01', type: 'owner' }] }))
      .statusCode,
  ).toBe(200);
  expect((await admin.put('/api/v1/incentives/plans/plan_sales', plan)).statusCode).toBe(200);
  expect((await admin.put('/api/v1/incentives/plans/plan_sales/assignments', { assignments: [t.ids.rep1, t.ids.rep2].map((payeeId) => ({ payeeId, from: '2026-01-01' })) })).statusCode).toBe(200);
  expect(
    (await t.call.rep1.post('/api/v1/objects/order', { order_number: 'P-1', customer_id: customer1, order_date: '2026-03-05', status: 'booked', amount: '10000', currency: 'USD' })).statusCode,
  ).toBe(201);
  expect(
    (await t.call.rep2.post('/api/v1/objects/order', { order_number: 'P-2', customer_id: customer2, order_date: '2026-03-06', status: 'booked', amount: '4000.10', currency: 'USD' })).statusCode,
  ).toBe(201);
  await t.drain();
  expect((await t.call.finance.post('/api/v1/incentives/recalculate')).statusCode).toBe(200);
});
afterAll(async () => {
  await app.close();
  await store.close();
});

const statement = async (who: 'rep1' | 'rep2') =>
  (await t.call[who].get(`/api/v1/incentives/statements/${t.ids[who]}/${MAR}`)).json().data as { lines: Array<{ key: string; kind: string; amount: string }>; payouts: Array<{ payout: string }> };

describe('disputes move money and tell the rep', () => {
  it('accepting needs an amount or a recalculation; the amount lands on the statement and the rep is notified', async () => {
    const before = await statement('rep1');
    // 10,000 × 5% = 500
    expect(before.payouts.map((p) => p.payout)).toEqual(['500']);
    const line = before.lines[0]!;
    const raised = await t.call.rep1.post('/api/v1/incentives/disputes', { payeeId: t.ids.rep1, period: MAR, lineKey: line.key, reason: 'A 5,000 order is missing' });
    expect(raised.statusCode).toBe(201);
    const id = raised.json().data.id as string;

    const empty = await t.call.finance.post(`/api/v1/incentives/disputes/${id}/resolve`, { status: 'accepted', resolution: 'agreed' });
    expect(empty.statusCode).toBe(422);
    expect(empty.json().error).toMatchObject({ code: 'amount_required', details: [{ path: '/amount', rule: 'required' }] });
    expect((await t.call.finance.post(`/api/v1/incentives/disputes/${id}/resolve`, { status: 'accepted', amount: 250 })).statusCode).toBe(400);
    expect((await t.call.finance.get('/api/v1/incentives/disputes')).json().data.find((d: { id: string }) => d.id === id).status).toBe('open');

    const ok = await t.call.finance.post(`/api/v1/incentives/disputes/${id}/resolve`, { status: 'accepted', resolution: 'order P-9 was booked late', amount: '250.00' });
    expect(ok.statusCode).toBe(200);
    const after = await statement('rep1');
    // 500 + 250 = 750, the adjustment a line of its own
    expect(after.payouts.map((p) => p.payout)).toEqual(['750']);
    expect(after.lines.find((l) => l.kind === 'adjustment')?.amount).toBe('250');
    const inbox = (await t.call.rep1.get('/api/v1/workflow/notifications')).json().data as Array<{ kind: string; title: string; body: string }>;
    const notice = inbox.find((n) => n.kind === 'incentive_dispute');
    expect(notice?.title).toContain('accepted');
    expect(notice?.body).toContain('250');
  });

  it('a rejection books nothing and is notified too', async () => {
    const line = (await statement('rep2')).lines[0]!;
    const id = (await t.call.rep2.post('/api/v1/incentives/disputes', { payeeId: t.ids.rep2, period: MAR, lineKey: line.key, reason: 'rate should be 6%' })).json().data.id as string;
    expect((await t.call.finance.post(`/api/v1/incentives/disputes/${id}/resolve`, { status: 'rejected', resolution: 'the plan pays 5%' })).statusCode).toBe(200);
    // 4,000.10 × 5% = 200.005 → 200.01
    expect((await statement('rep2')).payouts.map((p) => p.payout)).toEqual(['200.01']);
    const inbox = (await t.call.rep2.get('/api/v1/workflow/notifications')).json().data as Array<{ kind: string; title: string }>;
    expect(inbox.find((n) => n.kind === 'incentive_dispute')?.title).toContain('rejected');
  });
});

describe('payout exports for payroll', () => {
  it('CSV and XLSX carry payee name, employee number, unit, plan name and currency, and total what the statements pay', async () => {
    const csv = await t.call.finance.get(`/api/v1/incentives/payouts/${MAR}.csv`);
    expect(csv.statusCode).toBe(200);
    const rows = csv.body.trim().split('\n');
    expect(rows[0]).toBe('payee_id,payee,employee_number,unit,period,plan,plan_name,currency,earned,adjustments,draw_advance,recovery,payout,points,balance_after');
    expect(rows).toContain(`${t.ids.rep1},Li Lei,E-1001,Sales,${MAR},plan_sales,Sales commission,USD,500.00,250.00,0.00,0.00,750.00,0,0.00`);
    expect(rows.find((r) => r.startsWith(t.ids.rep2))).toContain(`"'=HYPERLINK(""x"")"`);
    const statements = (await Promise.all((['rep1', 'rep2'] as const).map(statement))).flatMap((s) => s.payouts).reduce((a, p) => a + Math.round(Number(p.payout) * 100), 0);
    expect(rows.at(-1)).toBe(`TOTAL,,,,${MAR},,,USD,,,,,${(statements / 100).toFixed(2)},,`);
    expect(statements).toBe(95001);

    const zh = await t.call.finance.get(`/api/v1/incentives/payouts/${MAR}.csv?locale=zh-CN`);
    expect(zh.body).toContain(',销售提成,');

    const xlsx = await t.call.finance.get(`/api/v1/incentives/payouts/${MAR}/xlsx`);
    expect(xlsx.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as never);
    const sheet = wb.getWorksheet('Payouts')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header.slice(0, 8)).toEqual(['payee_id', 'payee', 'employee_number', 'unit', 'period', 'plan', 'plan_name', 'currency']);
    const rep1 = (sheet.getSheetValues() as unknown[][]).find((r) => r?.[1] === t.ids.rep1)!;
    expect([rep1[2], rep1[3], rep1[4], rep1[7], rep1[8], rep1[13]]).toEqual(['Li Lei', 'E-1001', 'Sales', 'Sales commission', 'USD', 750]);
    expect((sheet.getSheetValues() as unknown[][]).find((r) => r?.[1] === 'TOTAL')?.[13]).toBe(950.01);
    expect((await t.call.rep1.get(`/api/v1/incentives/payouts/${MAR}.csv`)).statusCode).toBe(403);
  });
});
