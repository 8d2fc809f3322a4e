// A GraphQL mutation answers with its position like a REST write (`extensions.position` and the
// `x-attain-position` header), so a GraphQL client can wait on `GET /sync?position=` or read with
// `?waitFor=` until what the write derived (here: a statement) reflects it. Queries carry none.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { JobRunner } from '@attain/store';
import { login, testServer } from './helpers.ts';
import { coreTenant, startDerivation, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
let runner: JobRunner;
let token: string;

const plan = {
  kind: 'incentive_plan',
  id: 'plan_gql',
  name: 'plan_gql',
  label: { en: 'GraphQL' },
  versions: [
    {
      version: 1,
      effectiveFrom: '2026-01-01',
      currency: 'USD',
      rounding: { scale: 2, mode: 'half_up' },
      measures: [{ name: 'revenue', type: 'sum' }],
      components: [{ name: 'commission', type: 'rate', measure: 'revenue', rate: '0.1' }],
    },
  ],
};

const gql = async (query: string, variables: Record<string, unknown> = {}) => {
  const res = await app.inject({ method: 'POST', url: '/graphql', headers: { authorization: `Bearer ${token}` }, payload: { query, variables } });
  return {
    status: res.statusCode,
    header: res.headers['x-attain-position'],
    body: res.json() as { data: Record<string, { id: string } | null> | null; errors?: Array<{ extensions: { code: string } }>; extensions?: { position: string } },
  };
};

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await coreTenant(app, store, 'gqlpos');
  runner = startDerivation(store);
  token = await login(app, t.name, `rep1@${t.name}.test`);
  const { admin } = t.call;
  expect(
    (await admin.put('/api/v1/incentives/crediting-rules', { rules: [{ kind: 'crediting_rule', id: 'own', name: 'owner', label: { en: 'Owner' }, effectiveFrom: '2020-01-01', type: 'owner' }] }))
      .statusCode,
  ).toBe(200);
  expect((await admin.put(`/api/v1/incentives/plans/${plan.id}`, plan)).statusCode).toBe(200);
  expect((await admin.put(`/api/v1/incentives/plans/${plan.id}/assignments`, { assignments: [{ payeeId: t.ids.rep1, from: '2026-01-01' }] })).statusCode).toBe(200);
});
afterAll(async () => {
  await runner.stop();
  await app.close();
  await store.close();
});

describe('positions on GraphQL mutations', () => {
  it('a mutation returns its position; a read waiting for it sees the statement derived from the write', async () => {
    const customer = (await t.call.rep1.post('/api/v1/objects/customer', { name: 'ACME' })).json().id as string;
    const created = await gql('mutation($d: JSON!) { createOrder(data: $d) { id } }', {
      d: { order_number: 'G-1', customer_id: customer, order_date: '2026-04-03', status: 'booked', amount: '1200', currency: 'USD' },
    });
    expect(created.status).toBe(200);
    const p = created.body.extensions?.position;
    expect(p).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.header).toBe(p);
    const s1 = await t.call.rep1.get(`/api/v1/incentives/statements/${t.ids.rep1}/2026-04?waitFor=${p}&waitMs=20000`);
    expect(s1.headers['x-attain-reflected']).toBe('true');
    // 1,200 × 10% = 120
    expect(s1.json().data.lines.map((l: { amount: string }) => l.amount)).toEqual(['120']);

    // A GraphQL read can wait for it as well: POST /graphql?waitFor=…
    const read = await app.inject({
      method: 'POST',
      url: `/graphql?waitFor=${p}&waitMs=20000`,
      headers: { authorization: `Bearer ${token}` },
      payload: { query: '{ orderList(limit: 5) { data { order_number } } }' },
    });
    expect([read.statusCode, read.headers['x-attain-reflected'], read.json().data.orderList.data.map((o: { order_number: string }) => o.order_number)]).toEqual([200, 'true', ['G-1']]);
    expect((await app.inject({ method: 'POST', url: '/graphql?waitFor=nope', headers: { authorization: `Bearer ${token}` }, payload: { query: '{ orderList { total } }' } })).json().error.code).toBe(
      'invalid_position',
    );

    // An update through GraphQL: /sync answers for its position too.
    const id = created.body.data?.createOrder?.id;
    const updated = await gql('mutation($id: ID!, $d: JSON!) { updateOrder(id: $id, data: $d) { id } }', { id, d: { amount: '1500' } });
    const p2 = updated.body.extensions?.position as string;
    expect(p2 > (p as string)).toBe(true);
    const sync = await t.call.rep1.get(`/api/v1/sync?position=${p2}&wait=20000`);
    expect(sync.json()).toMatchObject({ position: p2, reflected: true, pending: 0 });
    const s2 = await t.call.rep1.get(`/api/v1/incentives/statements/${t.ids.rep1}/2026-04`);
    expect(s2.json().data.lines.map((l: { amount: string }) => l.amount)).toEqual(['150']);
  });

  it('a query, or a mutation that wrote nothing, carries no position', async () => {
    const read = await gql('{ orderList(limit: 1) { total } }');
    expect(read.status).toBe(200);
    expect([read.body.extensions, read.header]).toEqual([undefined, undefined]);
    const refused = await gql('mutation($d: JSON!) { createOrder(data: $d) { id } }', { d: { order_number: 'G-2', amount: '1.005' } });
    expect(refused.body.errors?.[0]?.extensions.code).toBe('validation_failed');
    expect([refused.body.extensions, refused.header]).toEqual([undefined, undefined]);
  });
});
