// Issue #12, findings 2 and 6: a reference may only point at a record the writer may read, and a
// record outside the caller's scope answers exactly like a missing one on every record route.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';

let app: FastifyInstance;
let t: TestTenant;
let admin: Caller;
let rep: Caller;
let mgr: Caller;
const customers: Record<string, string> = {};
let myDeal = '';
let westDeal = '';
const MISSING = '0190a000-0000-7000-8000-000000000000';

beforeAll(async () => {
  const server = await testServer();
  app = server.app;
  t = await createTenant(server.store, 'scw');
  admin = as(app, await login(app, t.name, t.users.admin.email));
  rep = as(app, await login(app, t.name, t.users.repEast.email));
  mgr = as(app, await login(app, t.name, t.users.mgrEast.email));
  for (const key of ['repEast', 'repEast2', 'repWest'] as const) {
    customers[key] = (await admin.post('/api/v1/objects/customer', { name: `${key} customer`, owner_id: t.users[key].id })).json().id;
  }
  myDeal = (await admin.post('/api/v1/objects/deal', { name: 'mine', owner_id: t.users.repEast.id, customer_id: customers.repWest, external_id: 'ext-mine' })).json().id;
  westDeal = (await admin.post('/api/v1/objects/deal', { name: 'west', owner_id: t.users.repWest.id, external_id: 'ext-west' })).json().id;
}, 60_000);

afterAll(async () => {
  await app?.close();
});

/** The error a client sees, without the request id. */
const errorOf = (res: { statusCode: number; json(): { error: { code: string; message: string; details: unknown[] } } }) => {
  const { code, message, details } = res.json().error;
  return { status: res.statusCode, code, message, details };
};

describe('references must point at records the writer may read', () => {
  it('create refuses an out-of-scope reference exactly like a missing one', async () => {
    const foreign = await rep.post('/api/v1/objects/deal', { name: 'x', customer_id: customers.repWest });
    const missing = await rep.post('/api/v1/objects/deal', { name: 'x', customer_id: MISSING });
    expect(foreign.statusCode).toBe(422);
    expect(errorOf(foreign)).toEqual(errorOf(missing));
    expect(errorOf(foreign)).toMatchObject({ code: 'validation_failed', details: [{ path: '/customer_id', rule: 'ref_exists' }] });
    const own = await rep.post('/api/v1/objects/deal', { name: 'ok', customer_id: customers.repEast });
    expect(own.statusCode).toBe(201);
    expect((await admin.get(`/api/v1/objects/deal?filter=${encodeURIComponent(JSON.stringify({ name: { eq: 'x' } }))}&count=true`)).json().total).toBe(0);
  });

  it('update and upsert refuse it too; an unchanged link another user set is kept', async () => {
    const patched = await rep.patch(`/api/v1/objects/deal/${myDeal}`, { customer_id: customers.repEast2 });
    expect(errorOf(patched)).toMatchObject({ status: 422, code: 'validation_failed', details: [{ path: '/customer_id', rule: 'ref_exists' }] });
    // The admin linked this deal to a customer the rep cannot read; editing other fields works.
    const kept = await rep.patch(`/api/v1/objects/deal/${myDeal}`, { name: 'mine renamed', customer_id: customers.repWest });
    expect(kept.statusCode).toBe(200);
    expect(kept.json().customer_id).toBe(customers.repWest);
    const upsert = await rep.post('/api/v1/objects/deal:upsert', { rows: [{ external_id: 'ext-mine', name: 'm', customer_id: customers.repEast2 }] });
    expect(errorOf(upsert)).toMatchObject({ status: 422, code: 'validation_failed', details: [{ path: '/0/customer_id', rule: 'ref_exists' }] });
    const keptByUpsert = await rep.post('/api/v1/objects/deal:upsert', { rows: [{ external_id: 'ext-mine', name: 'mine again', customer_id: customers.repWest }] });
    expect(keptByUpsert.statusCode).toBe(200);
  });

  it('GraphQL mutations apply the same check', async () => {
    const res = await rep.gql('mutation($d: JSON!) { createDeal(data: $d) { id } }', { d: { name: 'gql', customer_id: customers.repWest } });
    expect(res.body.errors?.[0]?.extensions.code).toBe('validation_failed');
    const upd = await rep.gql(`mutation($d: JSON!) { updateDeal(id: "${myDeal}", data: $d) { id } }`, { d: { customer_id: customers.repEast2 } });
    expect(upd.body.errors?.[0]?.extensions.code).toBe('validation_failed');
  });

  it('a manager may link records of the team subtree, not of other teams', async () => {
    expect((await mgr.post('/api/v1/objects/deal', { name: 'team link', customer_id: customers.repEast2 })).statusCode).toBe(201);
    expect(errorOf(await mgr.post('/api/v1/objects/deal', { name: 'west link', customer_id: customers.repWest }))).toMatchObject({
      status: 422,
      details: [{ path: '/customer_id', rule: 'ref_exists' }],
    });
  });
});

describe('an out-of-scope record is indistinguishable from a missing one', () => {
  it('get, update and delete answer the same 404', async () => {
    expect(errorOf(await rep.get(`/api/v1/objects/deal/${westDeal}`))).toEqual(errorOf(await rep.get(`/api/v1/objects/deal/${MISSING}`)));
    expect(errorOf(await rep.patch(`/api/v1/objects/deal/${westDeal}`, { name: 'h' }))).toEqual(errorOf(await rep.patch(`/api/v1/objects/deal/${MISSING}`, { name: 'h' })));
    const del = await rep.del(`/api/v1/objects/deal/${westDeal}`);
    expect(del.statusCode).toBeGreaterThanOrEqual(400);
    expect(del.statusCode).toBeLessThan(500);
  });

  it('upsert answers the same for an external id taken outside the scope and a free one', async () => {
    const taken = await rep.post('/api/v1/objects/deal:upsert', { rows: [{ external_id: 'ext-west', name: 'hijack' }] });
    const free = await rep.post('/api/v1/objects/deal:upsert', { rows: [{ external_id: 'ext-free-1', name: 'new' }] });
    expect(taken.statusCode).toBe(422);
    expect(errorOf(taken)).toEqual(errorOf(free));
    expect(errorOf(taken).details).toEqual([expect.objectContaining({ path: '/0/external_id', rule: 'not_found' })]);
    // Nothing changed, nothing was created.
    expect((await admin.get(`/api/v1/objects/deal/${westDeal}`)).json().name).toBe('west');
    expect((await admin.get(`/api/v1/objects/deal?filter=${encodeURIComponent(JSON.stringify({ external_id: { eq: 'ext-free-1' } }))}&count=true`)).json().total).toBe(0);
    // The rep still upserts their own records by external id.
    const own = await rep.post('/api/v1/objects/deal:upsert', { rows: [{ external_id: 'ext-mine', name: 'mine upserted' }] });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ created: 0, updated: 1 });
    // A caller with every record in scope creates and updates as before.
    const all = await admin.post('/api/v1/objects/deal:upsert', { rows: [{ external_id: 'ext-free-2', name: 'n', owner_id: t.users.repWest.id }] });
    expect(all.json()).toMatchObject({ created: 1 });
  });

  it('GraphQL answers null for both', async () => {
    const res = await rep.gql(`{ a: deal(id: "${westDeal}") { id name } b: deal(id: "${MISSING}") { id name } }`);
    expect(res.body.data).toEqual({ a: null, b: null });
    const upd = await rep.gql(`mutation { a: updateDeal(id: "${westDeal}", data: {name: "h"}) { id } }`);
    const miss = await rep.gql(`mutation { a: updateDeal(id: "${MISSING}", data: {name: "h"}) { id } }`);
    expect(upd.body.errors?.[0]?.extensions.code).toBe(miss.body.errors?.[0]?.extensions.code);
    expect(upd.body.errors?.[0]?.message).toBe(miss.body.errors?.[0]?.message);
  });
});
