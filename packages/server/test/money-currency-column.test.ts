// Money whose currency each record states in another field (x-attain currencyField) takes no more
// decimals than that currency's minor unit (ISO 4217: JPY 0, USD 2, KWD 3), on create, on a patch
// of the amount or of the currency alone, and on a bulk upsert; a refusal is a 422 naming the
// field and `scale` and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, testServer, type Caller } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

const invoiceDoc = (currencyField = 'currency') => ({
  kind: 'object',
  id: 'obj_inv',
  name: 'invoice',
  label: { en: 'Invoice' },
  schema: {
    type: 'object',
    required: ['title'],
    properties: {
      title: { type: 'string', maxLength: 100, 'x-attain': { id: 'fld_inv_title' } },
      // scale 3 so that a KWD or BHD amount fits the column; the currency narrows it per record.
      amount: { type: 'number', 'x-attain': { id: 'fld_inv_amount', storage: 'money', precision: 19, scale: 3, currencyField } },
      currency: { type: 'string', maxLength: 3, pattern: '^[A-Z]{3}$', default: 'USD', 'x-attain': { id: 'fld_inv_currency' } },
    },
  },
});

let app: FastifyInstance;
let store: Store;
let admin: Caller;

beforeAll(async () => {
  ({ app, store } = await testServer());
  const t = await createTenant(store, 'moneycur');
  admin = as(app, await login(app, t.name, t.users.admin.email));
  const res = await admin.post('/api/v1/metadata/apply', { documents: [invoiceDoc()] });
  expect(res.statusCode, res.body).toBe(200);
});
afterAll(async () => {
  await app.close();
});

// The error body is read loosely (any) on purpose: the assertions state its shape.
// biome-ignore lint/suspicious/noExplicitAny: error bodies read loosely by the assertion helper
const refused = (res: { statusCode: number; json(): any }) => [res.statusCode, res.json().error?.code, res.json().error?.details?.map((d: { path: string; rule: string }) => `${d.path}:${d.rule}`)];
const count = async () => (await admin.get('/api/v1/objects/invoice?count=true')).json().total as number;

describe('money in the currency the record states', () => {
  it("takes the stated currency's decimals on create: JPY 0, USD (the default) 2, KWD and BHD 3", async () => {
    const before = await count();
    const yen = await admin.post('/api/v1/objects/invoice', { title: 'y', currency: 'JPY', amount: '100.5' });
    expect(refused(yen)).toEqual([422, 'validation_failed', ['/amount:scale']]);
    expect(yen.json().error.details[0].message).toBe('"amount" in JPY must have at most 0 decimal places (got 100.5)');
    expect(refused(await admin.post('/api/v1/objects/invoice', { title: 'u', currency: 'USD', amount: 1.234 }))).toEqual([422, 'validation_failed', ['/amount:scale']]);
    // no currency sent: the field's default (USD) states it
    expect(refused(await admin.post('/api/v1/objects/invoice', { title: 'd', amount: '1.234' }))).toEqual([422, 'validation_failed', ['/amount:scale']]);
    expect(refused(await admin.post('/api/v1/objects/invoice', { title: 'k', currency: 'KWD', amount: '1.2345' }))).toEqual([422, 'validation_failed', ['/amount:scale']]);
    expect(await count()).toBe(before);
    const ok = await Promise.all([
      admin.post('/api/v1/objects/invoice', { title: 'y', currency: 'JPY', amount: '100' }),
      admin.post('/api/v1/objects/invoice', { title: 'k', currency: 'KWD', amount: '1.234' }),
      admin.post('/api/v1/objects/invoice', { title: 'b', currency: 'BHD', amount: 0.005 }),
      admin.post('/api/v1/objects/invoice', { title: 'c', currency: 'CNY', amount: '9.99' }),
    ]);
    expect(ok.map((r) => r.statusCode)).toEqual([201, 201, 201, 201]);
    expect(ok.map((r) => r.json().amount)).toEqual(['100.000', '1.234', '0.005', '9.990']);
  });

  it('checks a patch against the currency as it will be: amount alone, currency alone, or both', async () => {
    const yen = (await admin.post('/api/v1/objects/invoice', { title: 'p', currency: 'JPY', amount: '500' })).json();
    // the amount alone meets the stored currency
    const cents = await admin.patch(`/api/v1/objects/invoice/${yen.id}`, { amount: '500.5' });
    expect(refused(cents)).toEqual([422, 'validation_failed', ['/amount:scale']]);
    expect(cents.json().error.details[0].message).toContain('in JPY');
    // switching to a currency with more minor units is fine; back to JPY with cents is not
    expect((await admin.patch(`/api/v1/objects/invoice/${yen.id}`, { currency: 'KWD', amount: '500.125' })).statusCode).toBe(200);
    expect(refused(await admin.patch(`/api/v1/objects/invoice/${yen.id}`, { currency: 'JPY' }))).toEqual([422, 'validation_failed', ['/amount:scale']]);
    expect(refused(await admin.patch(`/api/v1/objects/invoice/${yen.id}`, { currency: 'USD' }))).toEqual([422, 'validation_failed', ['/amount:scale']]);
    const now = (await admin.get(`/api/v1/objects/invoice/${yen.id}`)).json();
    expect([now.currency, now.amount]).toEqual(['KWD', '500.125']);
    expect((await admin.patch(`/api/v1/objects/invoice/${yen.id}`, { currency: 'JPY', amount: 501 })).statusCode).toBe(200);
  });

  it('a bulk upsert row meets the currency it states, naming the row', async () => {
    const rows = [{ external_id: 'inv-1', title: 'one', currency: 'JPY', amount: '7' }];
    expect((await admin.post('/api/v1/objects/invoice:upsert', { rows })).statusCode).toBeLessThan(300);
    const before = await count();
    const res = await admin.post('/api/v1/objects/invoice:upsert', {
      rows: [
        { external_id: 'inv-2', title: 'two', currency: 'USD', amount: '7.5' },
        { external_id: 'inv-1', title: 'one', currency: 'JPY', amount: '7.5' },
      ],
    });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error.details.map((d: { path: string; rule: string }) => `${d.path}:${d.rule}`)).toEqual(['/1/amount:scale']);
    expect(await count()).toBe(before);
  });

  it('the currency field must be a text or enum field of the object', async () => {
    const res = await admin.post('/api/v1/metadata/apply', { documents: [invoiceDoc('nope')], dryRun: true });
    expect(res.statusCode).toBe(422);
    expect(JSON.stringify(res.json())).toContain('currencyField');
  });
});
