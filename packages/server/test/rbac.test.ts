import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, q, testServer, type Caller, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';
import { roleDocs } from './fixtures/metadata.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;
let rep: Caller;
let mgr: Caller;
let fin: Caller;
const deals: Record<string, string> = {};
const customers: Record<string, string> = {};

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'rbac');
  admin = as(app, await login(app, t.name, t.users.admin.email));
  rep = as(app, await login(app, t.name, t.users.repEast.email));
  mgr = as(app, await login(app, t.name, t.users.mgrEast.email));
  fin = as(app, await login(app, t.name, t.users.finance.email));
  for (const key of ['repEast', 'repEast2', 'repWest', 'mgrEast'] as const) {
    const c = await admin.post('/api/v1/objects/customer', { name: `${key} customer`, owner_id: t.users[key].id });
    customers[key] = c.json().id;
    const d = await admin.post('/api/v1/objects/deal', { name: `${key} deal`, amount: '1000.00', margin: '0.25', owner_id: t.users[key].id, customer_id: customers[key] });
    expect(d.statusCode).toBe(201);
    deals[key] = d.json().id;
  }
});
afterAll(async () => {
  await app.close();
});

const names = (res: { json(): { data: Array<{ name: string }> } }) =>
  res
    .json()
    .data.map((r) => r.name)
    .sort();

describe('REST record scope and field security', () => {
  it('a rep sees only own records and never a hidden field', async () => {
    const list = await rep.get('/api/v1/objects/deal?count=true');
    expect(names(list)).toEqual(['repEast deal']);
    expect(list.json().total).toBe(1);
    expect(list.json().data[0].margin).toBeUndefined();
    expect(list.json().data[0].amount).toBe('1000.00');
    expect((await rep.get(`/api/v1/objects/deal/${deals.repWest}`)).statusCode).toBe(404);
    expect((await rep.get(`/api/v1/objects/deal/${deals.repEast}`)).json().margin).toBeUndefined();
    const probe = await rep.get(`/api/v1/objects/deal?filter=${q({ name: { eq: 'repWest deal' } })}&count=true`);
    expect(probe.json()).toMatchObject({ data: [], total: 0 });
  });

  it('a rep cannot filter, sort or search by a hidden field', async () => {
    const byFilter = await rep.get(`/api/v1/objects/deal?filter=${q({ margin: { gt: 0 } })}`);
    expect(byFilter.statusCode).toBe(403);
    expect(byFilter.json().error.code).toBe('field_hidden');
    const nested = await rep.get(`/api/v1/objects/deal?filter=${q({ or: [{ name: { eq: 'x' } }, { not: { margin: { isNull: true } } }] })}`);
    expect(nested.json().error.code).toBe('field_hidden');
    expect((await rep.get('/api/v1/objects/deal?sort=-margin')).json().error.code).toBe('field_hidden');
  });

  it('a rep cannot export, delete, write another owner, or touch unpermitted objects', async () => {
    expect((await rep.get('/api/v1/objects/deal/export?format=csv')).statusCode).toBe(403);
    expect((await rep.del(`/api/v1/objects/deal/${deals.repEast}`)).json().error.code).toBe('forbidden');
    expect((await rep.get('/api/v1/objects/org_unit')).statusCode).toBe(403);
    const foreign = await rep.post('/api/v1/objects/deal', { name: 'Sneaky', owner_id: t.users.repWest.id });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().error.details[0].path).toBe('/owner_id');
    const mine = await rep.post('/api/v1/objects/deal', { name: 'Mine' });
    expect(mine.statusCode).toBe(201);
    expect(mine.json().owner_id).toBe(t.users.repEast.id);
    expect((await rep.patch(`/api/v1/objects/deal/${deals.repWest}`, { name: 'hijack' })).statusCode).toBe(404);
    expect((await rep.patch(`/api/v1/objects/deal/${deals.repEast}`, { owner_id: t.users.repWest.id })).statusCode).toBe(403);
    const readOnly = await rep.patch(`/api/v1/objects/deal/${deals.repEast}`, { stage: 'won' });
    expect(readOnly.statusCode).toBeGreaterThanOrEqual(400);
    expect(readOnly.statusCode).toBeLessThan(500);
    const hiddenWrite = await rep.patch(`/api/v1/objects/deal/${deals.repEast}`, { margin: '0.9' });
    expect(hiddenWrite.statusCode).toBeGreaterThanOrEqual(400);
    expect((await admin.get(`/api/v1/objects/deal/${deals.repEast}`)).json()).toMatchObject({ stage: 'open', margin: '0.250000' });
    expect((await admin.del(`/api/v1/objects/deal/${mine.json().id}`)).statusCode).toBe(204);
    // Upsert cannot reach another owner's record through its external id.
    await admin.post('/api/v1/objects/deal:upsert', { rows: [{ external_id: 'ext-west', name: 'West ext', owner_id: t.users.repWest.id }] });
    const hijack = await rep.post('/api/v1/objects/deal:upsert', { rows: [{ external_id: 'ext-west', name: 'hijacked' }] });
    expect(hijack.statusCode).toBeGreaterThanOrEqual(400);
    expect(hijack.statusCode).toBeLessThan(500);
    expect((await rep.post('/api/v1/objects/deal:upsert', { rows: [{ external_id: 'ext-x', name: 'x', owner_id: t.users.repWest.id }] })).statusCode).toBe(403);
    const west = (await admin.get(`/api/v1/objects/deal?filter=${q({ external_id: { eq: 'ext-west' } })}`)).json().data[0];
    expect(west.name).toBe('West ext');
    expect((await admin.del(`/api/v1/objects/deal/${west.id}`)).statusCode).toBe(204);
  });

  it('a manager sees the team subtree and reporting line, not other teams', async () => {
    expect(names(await mgr.get('/api/v1/objects/deal'))).toEqual(['mgrEast deal', 'repEast deal', 'repEast2 deal']);
    expect((await mgr.get(`/api/v1/objects/deal/${deals.repWest}`)).statusCode).toBe(404);
    expect((await mgr.get('/api/v1/objects/deal?count=true&limit=1')).json().total).toBe(3);
    const csv = await mgr.get('/api/v1/objects/deal/export?format=csv&sort=name');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toContain('margin');
    expect(csv.body).not.toContain('repWest');
  });

  it('finance reads and exports everything through the * entry', async () => {
    expect(names(await fin.get('/api/v1/objects/deal'))).toEqual(['mgrEast deal', 'repEast deal', 'repEast2 deal', 'repWest deal']);
    const csv = await fin.get(`/api/v1/objects/deal/export?filter=${q({ name: { startsWith: 'rep' } })}`);
    expect(csv.body.trim().split('\r\n')).toHaveLength(4);
    expect((await fin.post('/api/v1/objects/deal', { name: 'no' })).statusCode).toBe(403);
    expect((await fin.get('/api/v1/objects/deal/export?format=pdf')).statusCode).toBe(400);
  });

  it('the rep export omits hidden fields when granted export', async () => {
    // An admin grants reps export; the hidden field must stay out of the file.
    const role = {
      kind: 'role',
      id: 'role_rep',
      name: 'rep',
      label: { en: 'Sales rep' },
      permissions: [
        { object: 'deal', actions: ['read', 'create', 'update', 'export'], scope: 'own', hiddenFields: ['margin'] },
        { object: 'user', actions: ['read'], scope: 'all' },
      ],
    };
    expect((await admin.post('/api/v1/metadata/apply', { documents: [role] })).statusCode).toBe(200);
    const csv = await rep.get('/api/v1/objects/deal/export');
    expect(csv.statusCode).toBe(200);
    const [header, ...rows] = csv.body.trim().split('\r\n');
    expect(header).not.toContain('margin');
    expect(header).toContain('amount');
    expect(rows).toHaveLength(1);
    expect(csv.body).not.toContain('0.25');
    expect((await admin.post('/api/v1/metadata/apply', { documents: [roleDocs.find((r) => r.name === 'rep')] })).statusCode).toBe(200);
  });
});

describe('GraphQL applies the same rules', () => {
  it('scopes lists and single reads, nulls hidden fields, refuses hidden filters', async () => {
    const list = await rep.gql('{ dealList(count: true) { data { name amount customer { name } owner { name } } total } }');
    expect(list.body.errors).toBeUndefined();
    expect(list.body.data?.dealList).toEqual({ data: [{ name: 'repEast deal', amount: '1000.00', customer: { name: 'repEast customer' }, owner: { name: 'RepEast' } }], total: 1 });
    // A hidden field is not in the rep's schema at all (security-scope-graphql.test.ts).
    expect((await rep.gql('{ dealList { data { margin } } }')).body.errors?.[0]?.extensions.code).toBe('graphql_validation_failed');
    expect((await rep.gql(`{ deal(id: "${deals.repWest}") { name } }`)).body.data?.deal).toBeNull();
    const hidden = await rep.gql('{ dealList(filter: {margin: {gt: 0}}) { data { name } } }');
    expect(hidden.body.errors?.[0]?.extensions.code).toBe('field_hidden');
    const sorted = await rep.gql('{ dealList(sort: ["-margin"]) { data { name } } }');
    expect(sorted.body.errors?.[0]?.extensions.code).toBe('field_hidden');
    const forbidden = await rep.gql('{ org_unitList { data { name } } }');
    expect(forbidden.body.errors?.[0]?.extensions.code).toBe('graphql_validation_failed');
    const sneaky = await rep.gql(`mutation { createDeal(data: {name: "x", owner_id: "${t.users.repWest.id}"}) { id } }`);
    expect(sneaky.body.errors?.[0]?.extensions.code).toBe('forbidden');
    expect((await rep.gql(`mutation { deleteDeal(id: "${deals.repEast}") }`)).body.errors?.[0]?.extensions.code).toBe('graphql_validation_failed');
  });

  it('relations only reach records in scope', async () => {
    // The rep may read customers only of their own; another owner's customer resolves to null.
    const other = await admin.post('/api/v1/objects/deal', { name: 'Crossed', owner_id: t.users.repEast.id, customer_id: customers.repWest });
    const res = await rep.gql(`{ deal(id: "${other.json().id}") { name customer { name } } }`);
    expect(res.body.data?.deal).toEqual({ name: 'Crossed', customer: null });
    // Finance sees both deals of the west customer; the rep cannot see that customer at all.
    const inv = await fin.gql(`{ customer(id: "${customers.repWest}") { name deals { name } } }`);
    expect(inv.body.data?.customer.deals.map((d: { name: string }) => d.name).sort()).toEqual(['Crossed', 'repWest deal']);
    expect((await rep.gql(`{ customer(id: "${customers.repWest}") { name } }`)).body.data?.customer).toBeNull();
    // The manager sees the east customer's deal but, through the relation, not deals outside the team.
    const mgrInv = await mgr.gql(`{ customerList(sort: ["name"]) { data { name deals(limit: 5) { name } } } }`);
    expect(mgrInv.body.data?.customerList.data).toEqual([
      { name: 'mgrEast customer', deals: [{ name: 'mgrEast deal' }] },
      { name: 'repEast customer', deals: [{ name: 'repEast deal' }] },
      { name: 'repEast2 customer', deals: [{ name: 'repEast2 deal' }] },
    ]);
    const finInv = await fin.gql(`{ org_unit(id: "${t.orgUnits.east1}") { name members { name } } }`);
    expect(finInv.body.data?.org_unit.members.map((m: { name: string }) => m.name).sort()).toEqual(['RepEast', 'RepEast2']);
    await admin.del(`/api/v1/objects/deal/${other.json().id}`);
  });
});

describe('tenants are isolated', () => {
  it('a second tenant sees nothing of the first through any route', async () => {
    const t2 = await createTenant(store, 'iso');
    const admin2 = as(app, await login(app, t2.name, t2.users.admin.email));
    expect((await admin2.get('/api/v1/objects/deal?count=true')).json()).toMatchObject({ data: [], total: 0 });
    expect((await admin2.get(`/api/v1/objects/deal/${deals.repEast}`)).statusCode).toBe(404);
    expect((await admin2.patch(`/api/v1/objects/deal/${deals.repEast}`, { name: 'x' })).statusCode).toBe(404);
    expect((await admin2.del(`/api/v1/objects/deal/${deals.repEast}`)).statusCode).toBe(404);
    expect((await admin2.get('/api/v1/objects/deal/export')).body.trim().split('\r\n')).toHaveLength(1);
    expect((await admin2.gql(`{ deal(id: "${deals.repEast}") { name } dealList { data { name } } }`)).body.data).toEqual({ deal: null, dealList: { data: [] } });
    expect((await admin2.get('/api/v1/audit')).json().data.some((e: { recordId: string }) => Object.values(deals).includes(e.recordId))).toBe(false);
    const cross = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: t2.name, email: t.users.admin.email, password: 'pa55word!' } });
    expect(cross.statusCode).toBe(401);
    expect((await admin.get(`/api/v1/objects/deal/${deals.repEast}`)).json().name).toBe('repEast deal');
  });
});
