// Tenant settings over HTTP: admins read and change the base currency, time zone and fiscal year
// start before the first calculation; others may not change them; bad values are refused naming the
// field; a new base currency recredits what was booked, so a CNY order in a tenant switched to CNY
// is no longer missing a rate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testServer } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await coreTenant(app, store, 'tset');
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('tenant settings', () => {
  it('admins and finance read them; reps may not; only admins change them', async () => {
    expect((await t.call.admin.get('/api/v1/tenant/settings')).json().data).toEqual({ baseCurrency: 'USD', timeZone: 'UTC', fiscalYearStartMonth: 1, calculatedAt: null, locked: false });
    expect((await t.call.finance.get('/api/v1/tenant/settings')).statusCode).toBe(200);
    expect((await t.call.rep1.get('/api/v1/tenant/settings')).statusCode).toBe(403);
    expect((await t.call.finance.put('/api/v1/tenant/settings', { baseCurrency: 'CNY' })).statusCode).toBe(403);
  });

  it('refuses bad values naming each field, and changes nothing', async () => {
    const res = await t.call.admin.put('/api/v1/tenant/settings', { baseCurrency: 'RMB', timeZone: 'GMT+8', fiscalYearStartMonth: 4.5, week: 'monday' });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.map((d: { path: string; rule: string }) => [d.path, d.rule])).toEqual([
      ['/week', 'additional_property'],
      ['/baseCurrency', 'iso4217'],
      ['/timeZone', 'time_zone'],
      ['/fiscalYearStartMonth', 'range'],
    ]);
    expect((await t.call.admin.get('/api/v1/tenant/settings')).json().data.baseCurrency).toBe('USD');
  });

  it('a CNY order in a USD tenant lacks a rate; switching the base to CNY recredits it and the problem goes', async () => {
    const customer = (await t.call.rep1.post('/api/v1/objects/customer', { name: 'ACME' })).json().id;
    expect(
      (await t.call.rep1.post('/api/v1/objects/order', { order_number: 'SO-1', customer_id: customer, order_date: '2027-03-05', status: 'booked', amount: '100', currency: 'CNY' })).statusCode,
    ).toBe(201);
    await t.drain();
    const before = (await t.call.finance.get('/api/v1/incentives/problems?code=fx_missing')).json().data as Array<Record<string, string>>;
    expect(before.map((p) => [p.currency, p.toCurrency])).toEqual([['CNY', 'USD']]);
    const res = await t.call.admin.put('/api/v1/tenant/settings', { baseCurrency: 'CNY', timeZone: 'Asia/Shanghai', fiscalYearStartMonth: 4 });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ baseCurrency: 'CNY', timeZone: 'Asia/Shanghai', fiscalYearStartMonth: 4, locked: false });
    expect((await t.call.finance.get('/api/v1/incentives/problems?code=fx_missing')).json().data).toEqual([]);
    const audit = (await t.call.admin.get('/api/v1/audit')).json().data as Array<{ action: string; after: Record<string, unknown> }>;
    expect(audit.find((a) => a.action === 'tenant.settings')?.after).toEqual({ baseCurrency: 'CNY', timeZone: 'Asia/Shanghai', fiscalYearStartMonth: 4 });
  });
});
