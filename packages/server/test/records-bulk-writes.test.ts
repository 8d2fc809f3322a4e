// biome-ignore-all lint/suspicious/noExplicitAny: fixture documents and audit entries are JSON of any shape, edited and compared whole
// Issue #18: what the set-based bulk write keeps — every field type written and read back as sent,
// one audit entry per changed record (none for an unchanged one), hidden fields no oracle of
// "unchanged", and stored formulas and validation rules (the path that re-reads the rows) per row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Store } from '@attain/store';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import { baseDocs } from './fixtures/metadata.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;
let adminToken = '';
let repToken = '';

type Doc = Record<string, any>;

/** The deal with one field of each storage the fixture lacks, and a shipment with a stored formula and a rule. */
function docs(): unknown[] {
  const all = baseDocs() as Doc[];
  const deal = all.find((d) => d.name === 'deal') as Doc;
  Object.assign(deal.schema.properties, {
    placed_at: { type: 'string', format: 'date-time', 'x-attain': { id: 'fld_deal_placed' } },
    seats: { type: 'integer', 'x-attain': { id: 'fld_deal_seats' } },
    vip: { type: 'boolean', 'x-attain': { id: 'fld_deal_vip' } },
    tags: { type: 'array', items: { type: 'string', enum: ['a', 'b', 'c'] }, 'x-attain': { id: 'fld_deal_tags' } },
  });
  all.push({
    kind: 'object',
    id: 'obj_shipment',
    name: 'shipment',
    label: { en: 'Shipment' },
    'x-attain': {
      validationRules: [{ id: 'rule.ship.qty', name: 'qty_not_negative', condition: 'qty >= 0', field: 'qty', message: { en: 'Quantity cannot be negative' } }],
    },
    schema: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', 'x-attain': { id: 'fld_ship_name' } },
        qty: { type: 'integer', 'x-attain': { id: 'fld_ship_qty' } },
        price: { type: 'number', 'x-attain': { id: 'fld_ship_price', storage: 'money' } },
        total: { type: 'number', 'x-attain': { id: 'fld_ship_total', storage: 'money', formula: { expression: 'qty * price', stored: true } } },
      },
    },
  });
  const admin = all.find((d) => d.name === 'admin') as Doc;
  admin.permissions.push({ object: 'shipment', actions: ['read', 'create', 'update', 'delete'], scope: 'all' });
  return all;
}

beforeAll(async () => {
  const server = await testServer();
  app = server.app;
  store = server.store;
  t = await createTenant(server.store, 'blw');
  await store.metadata.apply(t.name, docs(), { actor: { userId: null, label: 'test' } });
  adminToken = await login(app, t.name, t.users.admin.email);
  admin = as(app, adminToken);
  repToken = await login(app, t.name, t.users.repEast.email);
}, 60_000);

afterAll(async () => {
  await app?.close();
});

const bulk = (token: string, payload: unknown, object = 'deal') =>
  app.inject({ method: 'POST', url: `/api/v1/objects/${object}:bulk`, headers: { authorization: `Bearer ${token}` }, payload: payload as object });

const auditOf = async (id: string) => (await admin.get(`/api/v1/audit?recordId=${id}`)).json().data as Array<{ action: string; before: Doc | null; after: Doc | null }>;

describe('bulk writes, set-based', () => {
  it('writes every field type as sent and reads it back; audits each change once, an unchanged row not at all', async () => {
    const row = {
      external_id: 'w-1',
      name: 'typed',
      amount: '1234.5',
      close_date: '2026-06-30',
      placed_at: '2026-06-30T08:15:00.250Z',
      seats: 12,
      vip: true,
      tags: ['a', 'c'],
      notes: 'line 1\nline "2" ?',
      margin: 0.125,
    };
    const first = await bulk(adminToken, [row]);
    expect(first.json().summary).toEqual({ created: 1, updated: 0, unchanged: 0, failed: 0 });
    const id = first.json().rows[0].id as string;
    const stored = (await admin.get(`/api/v1/objects/deal/${id}`)).json();
    expect(stored).toMatchObject({
      name: 'typed',
      amount: '1234.50',
      close_date: '2026-06-30',
      placed_at: '2026-06-30T08:15:00.250Z',
      seats: 12,
      vip: true,
      tags: ['a', 'c'],
      notes: 'line 1\nline "2" ?',
      owner_id: t.users.admin.id,
      version: 1,
    });
    expect(Number(stored.margin)).toBe(0.125);

    const again = await bulk(adminToken, [{ ...row, amount: 1234.5 }]);
    expect(again.json().rows[0]).toMatchObject({ status: 'unchanged', id });
    const changed = await bulk(adminToken, [{ external_id: 'w-1', name: 'typed', seats: 13, tags: ['b'] }]);
    expect(changed.json().rows[0]).toMatchObject({ status: 'updated', id });
    const after = (await admin.get(`/api/v1/objects/deal/${id}`)).json();
    // Fields the row did not send keep their values; the owner stays.
    expect(after).toMatchObject({ name: 'typed', seats: 13, tags: ['b'], vip: true, owner_id: t.users.admin.id, version: 2 });

    const entries = await auditOf(id);
    expect(entries.map((e) => e.action)).toEqual(['update', 'create']);
    expect(entries[1]).toMatchObject({ before: null, after: { name: 'typed', seats: 12, tags: ['a', 'c'], amount: '1234.50', version: 1 } });
    expect(entries[0]).toMatchObject({ before: { seats: 12, version: 1 }, after: { seats: 13, tags: ['b'], version: 2 } });
  });

  it('a hidden field never makes a row "unchanged": it fails as hidden, whatever its value', async () => {
    const made = await bulk(adminToken, [{ external_id: 'w-rep', name: 'rep deal', owner_id: t.users.repEast.id, margin: 0.3 }]);
    const id = made.json().rows[0].id as string;
    const res = await bulk(repToken, [
      { external_id: 'w-rep', name: 'rep deal', margin: 0.3 },
      { external_id: 'w-rep', name: 'rep deal' },
    ]);
    const rows = res.json().rows;
    expect(rows[0]).toMatchObject({ status: 'failed' });
    expect(rows[0].errors[0].path).toBe('/margin');
    expect(rows[1]).toMatchObject({ status: 'failed', errors: [{ rule: 'unique' }] });
    const same = await bulk(repToken, [{ external_id: 'w-rep', name: 'rep deal' }]);
    expect(same.json().rows[0]).toMatchObject({ status: 'unchanged', id });
  });

  it('computes stored formulas on the rows written and fails a row breaking a rule alone', async () => {
    const res = await bulk(
      adminToken,
      [
        { external_id: 's-1', name: 'one', qty: 3, price: '2.50' },
        { external_id: 's-2', name: 'bad', qty: -1, price: 1 },
        { external_id: 's-3', name: 'three', qty: 2, price: 4 },
      ],
      'shipment',
    );
    const body = res.json();
    expect(body.summary).toEqual({ created: 2, updated: 0, unchanged: 0, failed: 1 });
    expect(body.rows[1]).toMatchObject({ status: 'failed', errors: [{ path: '/qty', rule: 'qty_not_negative' }] });
    const one = (await admin.get(`/api/v1/objects/shipment/${body.rows[0].id}`)).json();
    expect(one.total).toBe('7.50');
    const upd = await bulk(adminToken, [{ external_id: 's-3', name: 'three', qty: 5 }], 'shipment');
    expect(upd.json().rows[0]).toMatchObject({ status: 'updated' });
    const three = await auditOf(body.rows[2].id);
    expect(three[0]).toMatchObject({ action: 'update', before: { total: '8.00' }, after: { qty: 5, total: '20.00' } });
  });
});
