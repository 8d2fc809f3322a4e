// The studio's decimals go through the platform's one decimal module: percent ↔ fraction, exact
// sums and money at its currency's decimals (studio/src/lib/decimal.ts), and the form checker's
// scale, precision and bounds (studio/src/validation/schema-check.ts) — which must answer as the
// server does for the same form schema, so the form never lets through what the API refuses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { moneyText, shiftDecimal, statedCurrency, sumDecimals } from '../../studio/src/lib/decimal.ts';
import { checkSchema, type Schema } from '../../studio/src/validation/schema-check.ts';
import { as, createTenant, login, testServer, type Caller } from '../../packages/server/test/helpers.ts';
import type { Store } from '../../packages/server/src/store-port.ts';

describe('studio decimal text', () => {
  it('moves the point exactly, reading what a user is halfway through typing', () => {
    expect(['0.25', '25', '12.', '.5', '-0.001', '0.1', '123456789012345678.123456'].map((v, i) => shiftDecimal(v, i % 2 ? -2 : 2))).toEqual([
      '25',
      '0.25',
      '1200',
      '0.005',
      '-0.1',
      '0.001',
      '12345678901234567812.3456',
    ]);
    expect([shiftDecimal('abc', 2), shiftDecimal('1e3', -2), shiftDecimal('0', 2), shiftDecimal('-0.00', 2)]).toEqual(['abc', '1e3', '0', '0']);
  });
  it('sums exactly: no float ever holds an amount', () => {
    expect(sumDecimals(['0.1', '0.2'])).toBe('0.3');
    expect(sumDecimals(['9007199254740993.01', 0.01, null, 'x', undefined])).toBe('9007199254740993.02');
    expect(sumDecimals([])).toBe('0');
  });
  it("shows money at its currency's decimals, rounded half up; the record may state the currency", () => {
    expect([moneyText('1234.5', 'JPY'), moneyText('1.2345', 'KWD'), moneyText('10', undefined), moneyText(-0.005, 'USD'), moneyText('abc', 'USD')]).toEqual([
      '1235',
      '1.235',
      '10.00',
      '-0.01',
      undefined,
    ]);
    expect([
      statedCurrency({ currency: 'JPY', currencyField: 'c' }, { c: 'USD' }),
      statedCurrency({ currencyField: 'c' }, { c: 'KWD' }),
      statedCurrency({ currencyField: 'c' }, { c: 'kwd' }),
      statedCurrency({}, undefined),
    ]).toEqual(['JPY', 'KWD', undefined, undefined]);
  });
});

describe('the studio form checker', () => {
  const schema: Schema = {
    type: 'object',
    properties: {
      amount: { type: ['string', 'null'], minimum: 0, 'x-attain-decimal': { scale: 3, precision: 8, currencyField: 'currency' } },
      rate: { type: 'string', maximum: 0.1, 'x-attain-decimal': { scale: 6 } },
      currency: { type: 'string' },
      count: { type: 'integer', minimum: 1 },
    },
  };
  const rules = (record: Record<string, unknown>) => checkSchema(schema, record).map((i) => `${i.path}:${i.rule}:${JSON.stringify(i.params)}`);
  it("checks scale (at the stated currency's minor unit), precision and bounds exactly", () => {
    expect(rules({ amount: '1.234', currency: 'KWD' })).toEqual([]);
    expect(rules({ amount: '1.234', currency: 'USD' })).toEqual(['/amount:scale:{"limit":2}']);
    expect(rules({ amount: '100.5', currency: 'JPY' })).toEqual(['/amount:scale:{"limit":0}']);
    expect(rules({ amount: '1.2345' })).toEqual(['/amount:scale:{"limit":3}']);
    expect(rules({ amount: '123456.1' })).toEqual(['/amount:range:{"limit":5}']);
    expect(rules({ amount: '-0.001' })).toEqual(['/amount:minimum:{"limit":0}']);
    expect(rules({ amount: '12,5' })).toEqual(['/amount:decimal:{}']);
    // 0.1 is exactly the maximum; a float sum would have said 0.30000000000000004 > 0.3 elsewhere
    expect(rules({ rate: '0.1', count: 1 })).toEqual([]);
    expect(rules({ rate: '0.1000001', count: 0 })).toEqual(['/rate:scale:{"limit":6}', '/count:minimum:{"limit":1}']);
    expect(rules({ rate: '0.100001' })).toEqual(['/rate:maximum:{"limit":0.1}']);
    expect(rules({ amount: null })).toEqual([]);
  });
});

describe('the studio form and the server agree', () => {
  const invoice = {
    kind: 'object',
    id: 'obj_sinv',
    name: 'sinvoice',
    label: { en: 'Invoice' },
    schema: {
      type: 'object',
      required: ['title'],
      properties: {
        title: { type: 'string', maxLength: 100, 'x-attain': { id: 'fld_sinv_title' } },
        amount: { type: 'number', minimum: 0, 'x-attain': { id: 'fld_sinv_amount', storage: 'money', precision: 12, scale: 3, currencyField: 'currency' } },
        currency: { type: 'string', maxLength: 3, pattern: '^[A-Z]{3}$', 'x-attain': { id: 'fld_sinv_currency' } },
        yen: { type: 'number', 'x-attain': { id: 'fld_sinv_yen', storage: 'money', currency: 'JPY' } },
      },
    },
  };
  let app: FastifyInstance;
  let store: Store;
  let admin: Caller;
  beforeAll(async () => {
    ({ app, store } = await testServer());
    const t = await createTenant(store, 'studiodec');
    admin = as(app, await login(app, t.name, t.users.admin.email));
    expect((await admin.post('/api/v1/metadata/apply', { documents: [invoice] })).statusCode).toBe(200);
  });
  afterAll(async () => {
    await app.close();
  });

  it('what the form checker refuses, the API refuses with the same rule; what it accepts, the API stores', async () => {
    const form = (await admin.get('/api/v1/metadata/objects/sinvoice/form')).json() as { schema: Schema };
    const props = form.schema.properties as Record<string, Schema>;
    expect(props.amount?.['x-attain-decimal']).toEqual({ scale: 3, precision: 12, currencyField: 'currency' });
    expect(props.yen?.['x-attain-decimal']).toEqual({ scale: 0, precision: 18 });
    const cases = [
      { title: 'a', currency: 'JPY', amount: '10.5' },
      { title: 'b', currency: 'KWD', amount: '10.125' },
      { title: 'c', currency: 'USD', amount: '10.125' },
      { title: 'd', amount: '-1' },
      { title: 'e', amount: '1234567890.1' },
      { title: 'f', yen: '3.5' },
      { title: 'g', currency: 'BHD', amount: '0.001', yen: '7' },
    ];
    for (const record of cases) {
      const studio = checkSchema(form.schema, record, '', { formats: false }).map((i) => `${i.path}:${i.rule}`);
      const res = await admin.post('/api/v1/objects/sinvoice', record);
      const server = res.statusCode === 201 ? [] : (res.json().error.details as Array<{ path: string; rule: string }>).map((d) => `${d.path}:${d.rule}`);
      expect([record.title, studio], JSON.stringify(record)).toEqual([record.title, server]);
    }
  });
});
