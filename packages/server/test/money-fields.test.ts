// Money, percent and decimal fields from outside: numbers and numeric strings meet the same
// bounds; more decimals than the field keeps is a 422 naming the field and `scale` (never a
// silent rounding); a value the column cannot hold is `range`; a refused write changes nothing.
// Through REST (create, patch, bulk upsert, filters) and a GraphQL mutation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, q, testServer, type Caller, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

const ledgerDoc = {
  kind: 'object',
  id: 'obj_ledger',
  name: 'ledger',
  label: { en: 'Ledger entry' },
  schema: {
    type: 'object',
    required: ['title'],
    properties: {
      title: { type: 'string', maxLength: 100, 'x-attain': { id: 'fld_ledger_title' } },
      amount: { type: 'number', minimum: 0, 'x-attain': { id: 'fld_ledger_amount', storage: 'money' } },
      balance: { type: 'number', 'x-attain': { id: 'fld_ledger_balance', storage: 'money' } },
      rate: { type: 'number', minimum: 0, maximum: 1, 'x-attain': { id: 'fld_ledger_rate', storage: 'percent' } },
      yen: { type: 'number', 'x-attain': { id: 'fld_ledger_yen', storage: 'money', currency: 'JPY' } },
      qty: { type: 'number', 'x-attain': { id: 'fld_ledger_qty', storage: 'decimal', precision: 9, scale: 3 } },
    },
  },
};

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'money');
  admin = as(app, await login(app, t.name, t.users.admin.email));
  expect((await admin.post('/api/v1/metadata/apply', { documents: [ledgerDoc] })).statusCode).toBe(200);
});
afterAll(async () => {
  await app.close();
});

const count = async () => (await admin.get('/api/v1/objects/ledger?count=true')).json().total as number;
// biome-ignore lint/suspicious/noExplicitAny: error bodies read loosely by the assertion helper
const refused = (res: { statusCode: number; json(): any }) => [res.statusCode, res.json().error?.code, res.json().error?.details?.map((d: { path: string; rule: string }) => `${d.path}:${d.rule}`)];

describe('decimal fields over REST', () => {
  it('refuses more decimals than the field keeps, as a number or a string, and stores exactly what fits', async () => {
    const before = await count();
    for (const amount of ['10.005', 10.005, '0.001']) {
      const res = await admin.post('/api/v1/objects/ledger', { title: 'x', amount });
      expect(refused(res)).toEqual([422, 'validation_failed', ['/amount:scale']]);
      expect(res.json().error.details[0].message).toMatch(/"amount" must have at most 2 decimal places/);
    }
    // a percent keeps 6 decimals, a declared decimal its scale, a JPY amount none
    expect(refused(await admin.post('/api/v1/objects/ledger', { title: 'x', rate: '0.1234567' }))).toEqual([422, 'validation_failed', ['/rate:scale']]);
    expect(refused(await admin.post('/api/v1/objects/ledger', { title: 'x', qty: 1.0005 }))).toEqual([422, 'validation_failed', ['/qty:scale']]);
    expect(refused(await admin.post('/api/v1/objects/ledger', { title: 'x', yen: '100.5' }))).toEqual([422, 'validation_failed', ['/yen:scale']]);
    expect(await count()).toBe(before);
    // trailing zeros lose nothing; exponent-printed numbers are stored as plain digits
    const ok = await admin.post('/api/v1/objects/ledger', { title: 'ok', amount: '10.000', balance: 0.1, rate: '0.125', yen: 100, qty: 1e-3 });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ amount: '10.00', balance: '0.10', rate: '0.125000', yen: '100.00', qty: '0.001' });
  });

  it('applies minimum and maximum to strings exactly as to numbers', async () => {
    const before = await count();
    for (const amount of ['-5.00', -5, '-0.01']) expect(refused(await admin.post('/api/v1/objects/ledger', { title: 'x', amount }))).toEqual([422, 'validation_failed', ['/amount:minimum']]);
    for (const rate of ['1.5', 1.5, '1.000001']) expect(refused(await admin.post('/api/v1/objects/ledger', { title: 'x', rate }))).toEqual([422, 'validation_failed', ['/rate:maximum']]);
    expect(await count()).toBe(before);
    // a field without a minimum takes negative money
    expect((await admin.post('/api/v1/objects/ledger', { title: 'refund', balance: '-5.00', rate: '1', amount: '0' })).statusCode).toBe(201);
  });

  it('refuses values the column cannot hold (range), never overflowing or truncating', async () => {
    const before = await count();
    expect(refused(await admin.post('/api/v1/objects/ledger', { title: 'x', qty: '1234567' }))).toEqual([422, 'validation_failed', ['/qty:range']]);
    expect(refused(await admin.post('/api/v1/objects/ledger', { title: 'x', balance: '10000000000000000' }))).toEqual([422, 'validation_failed', ['/balance:range']]);
    expect(refused(await admin.post('/api/v1/objects/ledger', { title: 'x', balance: 1e21 }))).toEqual([422, 'validation_failed', ['/balance:range']]);
    expect((await admin.post('/api/v1/objects/ledger', { title: 'x', qty: '1e3' })).statusCode).toBe(422);
    expect(await count()).toBe(before);
    const max = await admin.post('/api/v1/objects/ledger', { title: 'max', balance: '-9999999999999999.99', qty: '999999.999' });
    expect(max.json()).toMatchObject({ balance: '-9999999999999999.99', qty: '999999.999' });
  });

  it('a patch is checked the same way and changes nothing when refused', async () => {
    const created = (await admin.post('/api/v1/objects/ledger', { title: 'patch me', amount: '1.00' })).json();
    const bad = await admin.patch(`/api/v1/objects/ledger/${created.id}`, { amount: '1.001', rate: '2' });
    expect(refused(bad)).toEqual([422, 'validation_failed', ['/amount:scale', '/rate:maximum']]);
    expect((await admin.get(`/api/v1/objects/ledger/${created.id}`)).json()).toMatchObject({ amount: '1.00', rate: null, version: 1 });
  });

  it('bulk upsert names the row and field, and writes no row of a refused batch', async () => {
    const before = await count();
    const res = await admin.post('/api/v1/objects/ledger:upsert', {
      rows: [
        { external_id: 'u1', title: 'a', amount: '1.50' },
        { external_id: 'u2', title: 'b', amount: '-0.50' },
        { external_id: 'u3', title: 'c', amount: 2.125 },
      ],
    });
    expect(refused(res)).toEqual([422, 'validation_failed', ['/1/amount:minimum', '/2/amount:scale']]);
    expect(await count()).toBe(before);
  });

  it('filter values must fit the column too', async () => {
    const scale = await admin.get(`/api/v1/objects/ledger?filter=${q({ amount: { eq: '1.001' } })}`);
    expect([scale.statusCode, scale.json().error.details[0]].slice(0, 2)).toEqual([400, expect.objectContaining({ path: '/filter/amount/eq', rule: 'scale' })]);
    const range = await admin.get(`/api/v1/objects/ledger?filter=${q({ qty: { gt: 1e21 } })}`);
    expect(range.json().error.details[0]).toMatchObject({ path: '/filter/qty/gt', rule: 'range' });
    const exp = await admin.get(`/api/v1/objects/ledger?filter=${q({ amount: { eq: '1e3' } })}`);
    expect(exp.json().error.details[0]).toMatchObject({ path: '/filter/amount/eq', rule: 'type' });
    // a bound does not limit what one may ask: below the minimum simply matches nothing
    const below = await admin.get(`/api/v1/objects/ledger?filter=${q({ amount: { lt: '-1' } })}`);
    expect([below.statusCode, below.json().data]).toEqual([200, []]);
  });
});

describe('decimal fields over GraphQL', () => {
  it('a mutation is refused with the same rule and writes nothing', async () => {
    const before = await count();
    for (const [data, rule] of [
      ['{title: "g", amount: "3.333"}', 'scale'],
      ['{title: "g", amount: "-5.00"}', 'minimum'],
      ['{title: "g", rate: 1.5}', 'maximum'],
    ] as const) {
      const res = await admin.gql(`mutation { createLedger(data: ${data}) { id } }`);
      expect(res.body.errors?.[0]?.extensions.code).toBe('validation_failed');
      expect(JSON.stringify(res.body.errors?.[0])).toContain(rule);
    }
    expect(await count()).toBe(before);
    const ok = await admin.gql('mutation { createLedger(data: {title: "g", amount: "3.30"}) { id amount } }');
    expect(ok.body.data?.createLedger.amount).toBe('3.30');
  });
});
