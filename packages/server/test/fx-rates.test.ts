// Exchange rates, end to end through HTTP (the rep books against a customer of their own), in a tenant whose books are kept in CNY: a USD order is
// never paid 1:1 (it is a reported problem until a rate exists), is converted at the entered rate to
// the cent, and a removed rate reports the pair and date and blocks approving the period. Rates come
// from the API, a CSV file or an XLSX file (all-or-nothing), each change audited. Figures by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import ExcelJS from 'exceljs';
import { login, testServer } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
const MAR = '2027-03';
let customer = '';
let usdRateId = '';

const plan = {
  kind: 'incentive_plan',
  id: 'plan_fx',
  name: 'plan_fx',
  label: { en: 'Reps' },
  // No currency: the plan pays in the tenant's base currency, CNY.
  versions: [
    {
      version: 1,
      effectiveFrom: '2027-01-01',
      rounding: { scale: 2, mode: 'half_up' },
      measures: [{ name: 'revenue', type: 'sum', filter: { kinds: ['direct', 'split'] } }],
      components: [{ name: 'commission', type: 'rate', measure: 'revenue', rate: '0.1' }],
    },
  ],
};

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await coreTenant(app, store, 'fxrates', { baseCurrency: 'CNY' });
  const admin = t.call.admin;
  customer = (await t.call.rep1.post('/api/v1/objects/customer', { name: 'ACME' })).json().id;
  expect(
    (await admin.put('/api/v1/incentives/crediting-rules', { rules: [{ kind: 'crediting_rule', id: 'owner', name: 'owner', label: { en: 'Owner' }, effectiveFrom: '2020-01-01', type: 'split' }] }))
      .statusCode,
  ).toBe(200);
  expect((await admin.put(`/api/v1/incentives/plans/${plan.id}`, plan)).statusCode).toBe(200);
  expect((await admin.put(`/api/v1/incentives/plans/${plan.id}/assignments`, { assignments: [{ payeeId: t.ids.rep1, from: '2020-01-01' }] })).statusCode).toBe(200);
  await t.drain();
});
afterAll(async () => {
  await app.close();
  await store.close();
});

async function commission(): Promise<string> {
  const res = await t.call.rep1.get(`/api/v1/incentives/statements/${t.ids.rep1}/${MAR}`);
  expect(res.statusCode).toBe(200);
  const line = (res.json().data.lines as Array<{ component: string; amount: string; currency: string }>).find((l) => l.component === 'commission');
  if (line) expect(line.currency).toBe('CNY');
  return Number(line?.amount ?? 0).toFixed(2);
}

async function order(number: string, amount: string, currency: string, date = '2027-03-05') {
  const res = await t.call.rep1.post('/api/v1/objects/order', { order_number: number, customer_id: customer, order_date: date, status: 'booked', amount, currency });
  expect(res.statusCode).toBe(201);
  await t.drain();
  return res.json().id as string;
}

describe('exchange rates in a CNY tenant', () => {
  it('the tenant keeps its books in CNY', async () => {
    const res = await t.call.admin.get('/api/v1/tenant/settings');
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ baseCurrency: 'CNY', timeZone: 'UTC', fiscalYearStartMonth: 1, locked: false });
  });

  it('a USD order without a rate is a reported problem naming the pair and date, never paid 1:1', async () => {
    await order('SO-USD', '1000.55', 'USD');
    const calc = await t.call.finance.post('/api/v1/incentives/recalculate');
    expect(calc.statusCode).toBe(200);
    const problems = (await t.call.finance.get('/api/v1/incentives/problems?code=fx_missing')).json().data as Array<Record<string, string>>;
    expect(problems.map((p) => [p.currency, p.toCurrency, p.date])).toEqual([['USD', 'CNY', '2027-03-05']]);
    expect(problems[0]?.message).toBe('no exchange rate from USD to CNY on or before 2027-03-05');
    expect(await commission()).toBe('0.00');
  });

  it('refuses malformed rates naming the field and rule, and changes nothing', async () => {
    const bad: Array<[unknown, string, string]> = [
      [{ from: 'USD', to: 'CNY', rate: '7.12345678901', effectiveFrom: '2027-01-01' }, '/rate', 'scale'],
      [{ from: 'USD', to: 'CNY', rate: '0', effectiveFrom: '2027-01-01' }, '/rate', 'exclusive_minimum'],
      [{ from: 'USD', to: 'CNY', rate: '-7', effectiveFrom: '2027-01-01' }, '/rate', 'decimal'],
      [{ from: 'USD', to: 'CNY', rate: 7.1, effectiveFrom: '2027-01-01' }, '/rate', 'type'],
      [{ from: 'usd', to: 'CNY', rate: '7.1', effectiveFrom: '2027-01-01' }, '/from', 'iso4217'],
      [{ from: 'RMB', to: 'CNY', rate: '7.1', effectiveFrom: '2027-01-01' }, '/from', 'iso4217'],
      [{ from: 'CNY', to: 'CNY', rate: '1', effectiveFrom: '2027-01-01' }, '/to', 'distinct'],
      [{ from: 'USD', to: 'CNY', rate: '7.1', effectiveFrom: '2027-02-30' }, '/effectiveFrom', 'format'],
    ];
    for (const [body, path, rule] of bad) {
      const res = await t.call.finance.post('/api/v1/fx/rates', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(res.json().error.code).toBe('invalid_rate');
      expect(res.json().error.details).toContainEqual(expect.objectContaining({ path, rule }));
    }
    expect((await t.call.rep1.get('/api/v1/fx/rates')).json().data).toEqual([]);
  });

  it('a rep reads the rates but may not enter one', async () => {
    expect((await t.call.rep1.get('/api/v1/fx/rates')).statusCode).toBe(200);
    expect((await t.call.rep1.post('/api/v1/fx/rates', { from: 'USD', to: 'CNY', rate: '7', effectiveFrom: '2027-01-01' })).statusCode).toBe(403);
  });

  it('finance enters USD→CNY 7.1234: the order converts at it to the cent, and the entry is audited', async () => {
    const res = await t.call.finance.post('/api/v1/fx/rates', { from: 'USD', to: 'CNY', rate: '7.1234', effectiveFrom: '2027-01-01' });
    expect(res.statusCode).toBe(201);
    usdRateId = res.json().data.id;
    expect(res.json().data).toMatchObject({ from: 'USD', to: 'CNY', rate: '7.1234', effectiveFrom: '2027-01-01' });
    // The engine followed the change: the problem is gone without another run.
    expect(res.json().problems).toBe(0);
    // 1,000.55 USD × 7.1234 = 7,127.31787 → 7,127.32 CNY (the order's whole, to the fen, once) × 10% = 712.732 → 712.73
    expect(await commission()).toBe('712.73');
    const audit = (await t.call.admin.get('/api/v1/audit?object=fx_rate')).json().data as Array<{ action: string; recordId: string; after: Record<string, string>; actor: { userId: string } }>;
    expect(audit.map((a) => [a.action, a.recordId, a.after.rate, a.actor.userId])).toEqual([['fx.rate.create', usdRateId, '7.1234', t.ids.finance]]);
    const list = (await t.call.rep1.get('/api/v1/fx/rates')).json();
    expect(list.baseCurrency).toBe('CNY');
    expect(list.data.map((r: Record<string, string>) => [r.from, r.to, r.rate, r.effectiveFrom])).toEqual([['USD', 'CNY', '7.1234', '2027-01-01']]);
  });

  it('only CNY→EUR entered: a EUR order converts at its exact inverse (10 decimals), its whole rounded to the fen once', async () => {
    expect((await t.call.finance.post('/api/v1/fx/rates', { from: 'CNY', to: 'EUR', rate: '0.13', effectiveFrom: '2027-01-01' })).statusCode).toBe(201);
    await order('SO-EUR', '100', 'EUR');
    // 1 ÷ 0.13 = 7.6923076923 (10 decimals); 100 EUR → 769.23076923 → 769.23 CNY (each order's
    // whole to the fen, once); with the USD order 7,127.32 + 769.23 = 7,896.55 × 10% = 789.655 → 789.66
    // (summing the unrounded conversions, 7,896.54863923 × 10% = 789.654863923, would say 789.65)
    expect(await commission()).toBe('789.66');
  });

  it('removing the rate reports the pair and date and refuses approving the period (409 fx_missing)', async () => {
    const del = await t.call.finance.del(`/api/v1/fx/rates/${usdRateId}`);
    expect(del.statusCode).toBe(200);
    expect(del.json().problems).toBe(1);
    const problems = (await t.call.finance.get('/api/v1/incentives/problems?code=fx_missing')).json().data as Array<Record<string, string>>;
    expect(problems.map((p) => [p.currency, p.toCurrency, p.date])).toEqual([['USD', 'CNY', '2027-03-05']]);
    // Only the EUR order counts now: 769.23 × 10% = 76.923 → 76.92
    expect(await commission()).toBe('76.92');
    const approve = await t.call.finance.post(`/api/v1/incentives/periods/${MAR}/status`, { status: 'approved' });
    expect(approve.statusCode).toBe(409);
    expect(approve.json().error.code).toBe('fx_missing');
    expect(approve.json().error.message).toContain('USD→CNY on 2027-03-05');
    const periods = (await t.call.finance.get('/api/v1/incentives/periods')).json().data as Array<{ period: string; status: string }>;
    expect(periods.find((p) => p.period === MAR)?.status).toBe('calculated');
    const audit = (await t.call.admin.get('/api/v1/audit?object=fx_rate')).json().data as Array<{ action: string; before: Record<string, string> | null }>;
    expect(audit[0]).toMatchObject({ action: 'fx.rate.delete', before: { from: 'USD', to: 'CNY', rate: '7.1234' } });
    expect((await t.call.finance.del('/api/v1/fx/rates/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
  });

  it('a CSV file with a bad row is refused whole, naming the row and field', async () => {
    const csv = 'from,to,rate,effective_from\nUSD,CNY,7.2,2027-01-01\nUSD,CNY,abc,2027-02-01\nGBP,CNY,9.1,2027-13-01\n';
    const res = await app.inject({ method: 'POST', url: '/api/v1/fx/rates/import', headers: { authorization: await bearer('finance'), 'content-type': 'text/csv' }, payload: csv });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('import_invalid');
    expect(res.json().error.details.map((d: { path: string; rule: string }) => [d.path, d.rule])).toEqual([
      ['/rows/3/rate', 'decimal'],
      ['/rows/4/effectiveFrom', 'format'],
    ]);
    expect((await t.call.finance.get('/api/v1/fx/rates?from=USD')).json().data).toEqual([]);
    const header = await app.inject({
      method: 'POST',
      url: '/api/v1/fx/rates/import',
      headers: { authorization: await bearer('finance'), 'content-type': 'text/csv' },
      payload: 'from,to,price\nUSD,CNY,7\n',
    });
    expect(header.statusCode).toBe(422);
    expect(header.json().error.details.map((d: { rule: string }) => d.rule)).toEqual(['unknown_column', 'required_column', 'required_column']);
  });

  it('a CSV import enters the rate again and the order converts again', async () => {
    const csv = 'from,to,rate,effective_from\r\nUSD,CNY,7.1234,2027-01-01\r\n';
    const res = await app.inject({ method: 'POST', url: '/api/v1/fx/rates/import', headers: { authorization: await bearer('finance'), 'content-type': 'text/csv' }, payload: csv });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ created: 1, updated: 0 });
    expect(res.json().problems).toBe(0);
    expect(await commission()).toBe('789.66');
  });

  it('an XLSX import replaces the rate from a later day: the March order converts at the new one', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('rates');
    ws.addRow(['From', 'To', 'Rate', 'Effective from']);
    ws.addRow(['USD', 'CNY', '7.2', '2027-03-01']);
    ws.addRow(['GBP', 'CNY', 9.05, new Date(Date.UTC(2027, 0, 1))]);
    const file = Buffer.from(await wb.xlsx.writeBuffer());
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/fx/rates/import',
      headers: { authorization: await bearer('finance'), 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
      payload: file,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().data.rates.map((r: Record<string, string>) => [r.from, r.to, r.rate, r.effectiveFrom])).toEqual([
      ['USD', 'CNY', '7.2', '2027-03-01'],
      ['GBP', 'CNY', '9.05', '2027-01-01'],
    ]);
    // 1,000.55 × 7.2 = 7,203.96 + 769.23 = 7,973.19 × 10% = 797.319 → 797.32
    expect(await commission()).toBe('797.32');
    // A bad XLSX row is refused whole, by the row number the sheet shows.
    const bad = new ExcelJS.Workbook();
    const bs = bad.addWorksheet('rates');
    bs.addRow(['from', 'to', 'rate', 'effective_from']);
    bs.addRow(['JPY', 'CNY', '0.048', '2027-01-01']);
    bs.addRow(['JPY', 'CNY', '0.049', '2027-01-01']);
    const dup = await app.inject({
      method: 'POST',
      url: '/api/v1/fx/rates/import',
      headers: { authorization: await bearer('finance'), 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
      payload: Buffer.from(await bad.xlsx.writeBuffer()),
    });
    expect(dup.statusCode).toBe(422);
    expect(dup.json().error.details).toEqual([expect.objectContaining({ path: '/rows/3', rule: 'unique' })]);
    expect((await t.call.finance.get('/api/v1/fx/rates?from=JPY')).json().data).toEqual([]);
  });

  it('the base currency cannot change after the first calculation (409 base_currency_locked)', async () => {
    const res = await t.call.admin.put('/api/v1/tenant/settings', { baseCurrency: 'USD' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('base_currency_locked');
    expect(res.json().error.details).toEqual([expect.objectContaining({ path: '/baseCurrency', rule: 'locked' })]);
    // Restating the same value is no change.
    expect((await t.call.admin.put('/api/v1/tenant/settings', { baseCurrency: 'CNY' })).statusCode).toBe(200);
    expect((await t.call.admin.get('/api/v1/tenant/settings')).json().data).toMatchObject({ baseCurrency: 'CNY', locked: true });
  });
});

const tokens = new Map<string, string>();
/** The authorization header for a raw upload (the file is no JSON, so `as()` cannot send it). */
async function bearer(who: 'finance'): Promise<string> {
  if (!tokens.has(who)) tokens.set(who, `Bearer ${await login(app, t.name, `${who}@${t.name}.test`)}`);
  return tokens.get(who)!;
}
