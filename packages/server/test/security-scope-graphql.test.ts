// Issue #12, finding 7: the GraphQL schema a caller gets is built for their role, so
// introspection names no object, field, relation or mutation the role may not use.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import { dealDoc } from './fixtures/metadata.ts';

let app: FastifyInstance;
let t: TestTenant;
let admin: Caller;
let rep: Caller;
let mgr: Caller;

beforeAll(async () => {
  const server = await testServer();
  app = server.app;
  t = await createTenant(server.store, 'scq');
  admin = as(app, await login(app, t.name, t.users.admin.email));
  rep = as(app, await login(app, t.name, t.users.repEast.email));
  mgr = as(app, await login(app, t.name, t.users.mgrEast.email));
}, 60_000);

afterAll(async () => {
  await app?.close();
});

const INTROSPECT = '{ __schema { types { name fields { name } } mutationType { fields { name } } queryType { fields { name } } } }';
type Schema = { types: Array<{ name: string; fields: Array<{ name: string }> | null }>; mutationType: { fields: Array<{ name: string }> } | null; queryType: { fields: Array<{ name: string }> } };

async function schemaOf(caller: Caller): Promise<Schema> {
  const res = await caller.gql(INTROSPECT);
  expect(res.status).toBe(200);
  return res.body.data?.__schema as Schema;
}
const fieldsOf = (s: Schema, type: string) => s.types.find((x) => x.name === type)?.fields?.map((f) => f.name) ?? [];

describe('GraphQL introspection reveals only what the role may read', () => {
  it('a rep sees no hidden field, no unreadable object and no mutation it may not run', async () => {
    const s = await schemaOf(rep);
    expect(fieldsOf(s, 'Deal')).toContain('amount');
    expect(fieldsOf(s, 'Deal')).not.toContain('margin');
    // org_unit is not readable for reps: no type, no query, no relation to it.
    expect(s.types.map((x) => x.name)).not.toContain('Org_Unit');
    expect(s.queryType.fields.map((f) => f.name)).not.toContain('org_unitList');
    expect(fieldsOf(s, 'User')).not.toContain('org_unit');
    const mutations = s.mutationType?.fields.map((f) => f.name) ?? [];
    expect(mutations).toEqual(expect.arrayContaining(['createDeal', 'updateDeal', 'createCustomer']));
    expect(mutations).not.toContain('deleteDeal');
    expect(mutations).not.toContain('updateCustomer');
    expect(mutations).not.toContain('createUser');
    // Asking for a hidden field is refused at validation, naming no hidden alternative.
    const res = await rep.gql('{ dealList { data { margin } } }');
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).not.toMatch(/Did you mean "margin"/);
  });

  it('each role gets its own schema, cached side by side', async () => {
    const m = await schemaOf(mgr);
    expect(fieldsOf(m, 'Deal')).toContain('margin');
    expect(m.mutationType?.fields.map((f) => f.name)).toContain('deleteDeal');
    const a = await schemaOf(admin);
    expect(a.types.map((x) => x.name)).toContain('Org_Unit');
    // The rep's schema is unchanged after the others were built.
    expect(fieldsOf(await schemaOf(rep), 'Deal')).not.toContain('margin');
  });

  it('a formula field reading a hidden field is left out like the field itself', async () => {
    const d = structuredClone(dealDoc) as unknown as { schema: { properties: Record<string, unknown> } };
    d.schema.properties.margin_x = { type: 'number', 'x-attain': { id: 'fld_deal_margin_x', storage: 'percent', formula: { expression: 'margin * 2' } } };
    d.schema.properties.double = { type: 'number', 'x-attain': { id: 'fld_deal_double', storage: 'money', formula: { expression: 'amount * 2' } } };
    expect((await admin.post('/api/v1/metadata/apply', { documents: [d] })).statusCode).toBe(200);
    const s = await schemaOf(rep);
    expect(fieldsOf(s, 'Deal')).toContain('double');
    expect(fieldsOf(s, 'Deal')).not.toContain('margin_x');
    expect(fieldsOf(await schemaOf(mgr), 'Deal')).toContain('margin_x');
  });

  it('a role change takes effect with the new revision', async () => {
    const rep2 = { kind: 'role', id: 'role_rep', name: 'rep', label: { en: 'Rep' }, permissions: [{ object: 'deal', actions: ['read'], scope: 'own' }] };
    expect((await admin.post('/api/v1/metadata/apply', { documents: [rep2] })).statusCode).toBe(200);
    const s = await schemaOf(rep);
    expect(fieldsOf(s, 'Deal')).toContain('margin');
    expect(s.types.map((x) => x.name)).not.toContain('Customer');
    expect(s.mutationType).toBeNull();
  });
});
