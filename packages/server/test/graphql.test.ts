import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;
let token: string;

beforeAll(async () => {
  ({ app, store } = await testServer(undefined, { graphql: { maxDepth: 6, maxComplexity: 5000 } }));
  t = await createTenant(store, 'gql');
  token = await login(app, t.name, t.users.admin.email);
  admin = as(app, token);
  for (let c = 0; c < 6; c++) {
    const customer = (await admin.post('/api/v1/objects/customer', { name: `C${c}` })).json();
    for (let d = 0; d < 3; d++) {
      await admin.post('/api/v1/objects/deal', { name: `C${c}-D${d}`, amount: `${c}${d}.10`, customer_id: customer.id, owner_id: t.users.repEast.id });
    }
  }
});
afterAll(async () => {
  await app.close();
});

async function countQueries(run: () => Promise<unknown>): Promise<number> {
  let n = 0;
  const listener = () => {
    n++;
  };
  store.db.knex.on('query', listener);
  try {
    await run();
  } finally {
    store.db.knex.removeListener('query', listener);
  }
  return n;
}

describe('GraphQL batching', () => {
  it('resolves refs and inverse relations without N+1 queries', async () => {
    const query = (limit: number) => `{ dealList(limit: ${limit}, sort: ["name"]) { data { name amount customer { name deals(limit: 2) { name } } owner { name } } } }`;
    // Response bodies are checked structurally below; their exact types do not matter here.
    // biome-ignore lint/suspicious/noExplicitAny: GraphQL results of any shape, compared whole
    let small: any;
    // biome-ignore lint/suspicious/noExplicitAny: GraphQL results of any shape, compared whole
    let large: any;
    const fewQueries = await countQueries(async () => {
      small = await admin.gql(query(2));
    });
    const manyQueries = await countQueries(async () => {
      large = await admin.gql(query(18));
    });
    expect(small.body.errors).toBeUndefined();
    expect(large.body.data.dealList.data).toHaveLength(18);
    expect(large.body.data.dealList.data[0]).toEqual({
      name: 'C0-D0',
      amount: '00.10'.replace(/^0+(?=\d)/, ''),
      customer: { name: 'C0', deals: [{ name: expect.any(String) }, { name: expect.any(String) }] },
      owner: { name: 'RepEast' },
    });
    expect(manyQueries).toBe(fewQueries);
  });
});

describe('GraphQL limits and protocol', () => {
  it('refuses documents deeper than the limit', async () => {
    const res = await admin.gql('{ dealList { data { customer { deals { customer { deals { name } } } } } } }');
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions.code).toBe('depth_limit');
  });

  it('refuses documents that are too expensive', async () => {
    const res = await admin.gql('{ dealList(limit: 500) { data { customer { deals(limit: 100) { name amount } } } } }');
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions.code).toBe('complexity_limit');
  });

  it('reports syntax and validation errors with codes', async () => {
    const syntax = await admin.gql('{ dealList { ');
    expect(syntax.status).toBe(400);
    const unknownField = await admin.gql('{ dealList { data { nope } } }');
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.errors?.[0]?.extensions.code).toBe('graphql_validation_failed');
    const badLimit = await admin.gql('{ dealList(limit: 0) { data { name } } }');
    expect(badLimit.body.errors?.[0]?.extensions.code).toBe('invalid_query');
    const poisoned = await admin.gql('{ dealList(filter: {__proto__: {eq: 1}}) { data { name } } }');
    expect(poisoned.body.errors?.[0]?.extensions.code).toBe('forbidden_key');
    const poisonedVar = await admin.gql('query($f: JSON) { dealList(filter: $f) { data { name } } }', { f: JSON.parse('{"name":{"constructor":{"prototype":{}}}}') });
    // Refused by the body parser already, before GraphQL sees the variables.
    expect(poisonedVar.status).toBe(400);
    expect((poisonedVar.body as unknown as { error: { code: string } }).error.code).toBe('forbidden_key');
    const badFilter = await admin.gql('{ dealList(filter: {name: {regex: ".*"}}) { data { name } } }');
    expect(badFilter.body.errors?.[0]?.extensions.code).toBe('invalid_filter');
    const notObject = await admin.gql('mutation { createDeal(data: [1]) { id } }');
    expect(notObject.body.errors?.[0]?.extensions.code).toBe('invalid_body');
    const invalid = await admin.gql('mutation { createDeal(data: {name: "x", amount: "lots"}) { id } }');
    expect(invalid.body.errors?.[0]?.extensions.code).toBe('validation_failed');
    const missing = await app.inject({ method: 'POST', url: '/graphql', headers: { authorization: `Bearer ${token}` }, payload: { variables: 1 } });
    expect(missing.json().error.code).toBe('invalid_body');
    const badVars = await app.inject({ method: 'POST', url: '/graphql', headers: { authorization: `Bearer ${token}` }, payload: { query: '{ __typename }', variables: [1] } });
    expect(badVars.json().error.code).toBe('invalid_body');
    const badOp = await app.inject({ method: 'POST', url: '/graphql', headers: { authorization: `Bearer ${token}` }, payload: { query: '{ __typename }', operationName: 5 } });
    expect(badOp.json().error.code).toBe('invalid_body');
    expect((await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ __typename }' } })).statusCode).toBe(401);
  });

  it('serves queries over GET but not mutations', async () => {
    const headers = { authorization: `Bearer ${token}` };
    const get = await app.inject({
      method: 'GET',
      url: `/graphql?query=${encodeURIComponent('query Q($n: Int) { dealList(limit: $n) { data { name } } }')}&variables=${encodeURIComponent('{"n":1}')}&operationName=Q`,
      headers,
    });
    expect(get.statusCode).toBe(200);
    expect(get.json().data.dealList.data).toHaveLength(1);
    const mutation = await app.inject({ method: 'GET', url: `/graphql?query=${encodeURIComponent('mutation { deleteDeal(id: "x") }')}`, headers });
    expect(mutation.statusCode).toBe(405);
  });

  it('switches schema when metadata changes, per tenant', async () => {
    const before = await admin.gql('{ __type(name: "Deal") { fields { name } } }');
    expect(before.body.data?.__type.fields.map((f: { name: string }) => f.name)).not.toContain('region_code');
    const deal = (await admin.get('/api/v1/metadata/objects/deal')).json();
    deal.schema.properties.region_code = { type: 'string', maxLength: 10, 'x-attain': { id: 'fld_deal_region_code' } };
    expect((await admin.put('/api/v1/metadata/objects/deal', deal)).statusCode).toBe(200);
    const after = await admin.gql('{ __type(name: "Deal") { fields { name } } }');
    expect(after.body.data?.__type.fields.map((f: { name: string }) => f.name)).toContain('region_code');
    const other = await createTenant(store, 'gql2');
    const otherAdmin = as(app, await login(app, other.name, other.users.admin.email));
    const theirs = await otherAdmin.gql('{ __type(name: "Deal") { fields { name } } }');
    expect(theirs.body.data?.__type.fields.map((f: { name: string }) => f.name)).not.toContain('region_code');
  });
});
