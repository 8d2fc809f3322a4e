// Global search through HTTP: every object the caller may read, within their record scope, a few
// records per object with their title; bad input refused with a stable code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;
let rep: Caller;
const actor = { userId: null, label: 'test' };

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'srch');
  const records = await store.records(t.name);
  await records.create('customer', { name: 'Acme North', owner_id: t.users.repEast.id }, actor);
  await records.create('customer', { name: 'Acme South', owner_id: t.users.repWest.id }, actor);
  await records.create('deal', { name: 'Acme renewal', owner_id: t.users.repEast.id, amount: '10.00' }, actor);
  for (let i = 0; i < 7; i++) await records.create('customer', { name: `Zeta ${i}`, owner_id: t.users.repEast.id }, actor);
  admin = as(app, await login(app, t.name, t.users.admin.email));
  rep = as(app, await login(app, t.name, t.users.repEast.email));
});
afterAll(async () => {
  await app.close();
  await store.close();
});

const search = async (c: Caller, q: string, extra = '') => {
  const res = await c.get(`/api/v1/search?q=${encodeURIComponent(q)}${extra}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data as Array<{ object: string; label: string; records: Array<{ id: string; title: string }>; more: boolean }>;
};

describe('global search', () => {
  it('finds records of every readable object, each within the caller’s scope', async () => {
    const all = await search(admin, 'acme');
    expect(all.map((g) => [g.object, g.records.map((r) => r.title).sort()])).toEqual([
      ['customer', ['Acme North', 'Acme South']],
      ['deal', ['Acme renewal']],
    ]);
    // repEast's own customers and deals only: the list routes' scope.
    const mine = await search(rep, 'acme');
    expect(mine.map((g) => [g.object, g.records.map((r) => r.title)])).toEqual([
      ['customer', ['Acme North']],
      ['deal', ['Acme renewal']],
    ]);
  });

  it('answers a few per object and says there are more', async () => {
    const [zeta] = await search(admin, 'zeta', '&limit=5');
    expect(zeta?.records).toHaveLength(5);
    expect(zeta?.more).toBe(true);
  });

  it('refuses a search without text, too short or too long', async () => {
    expect((await admin.get('/api/v1/search')).statusCode).toBe(400);
    const short = await admin.get('/api/v1/search?q=a');
    expect(short.statusCode).toBe(400);
    expect(short.json().error).toMatchObject({ code: 'invalid_query', details: [{ path: '/q', rule: 'minLength' }] });
    expect((await admin.get(`/api/v1/search?q=${'x'.repeat(201)}`)).statusCode).toBe(400);
    expect((await admin.get('/api/v1/search?q=acme&limit=500')).statusCode).toBe(400);
  });
});
