// The README's tour, done the way a new user's client would: over HTTP against `attain start`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { readConfig } from '../../packages/cli/src/config.ts';
import { startAttain, type RunningAttain } from '../../packages/cli/src/start.ts';

let dir: string;
let attain: RunningAttain;
let auth: Record<string, string>;
let doc: Record<string, unknown> & { schema: { properties: Record<string, Record<string, unknown>>; required: string[] } };

// biome-ignore lint/suspicious/noExplicitAny: response bodies of many shapes, read field by field along the tour
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${attain.url}${path}`, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

const gql = async (query: string, variables: Record<string, unknown> = {}) => (await call('POST', '/graphql', { query, variables })).json;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attain-tour-'));
  const id = randomBytes(4).toString('hex');
  const config = readConfig({
    ATTAIN_DATA_DIR: join(dir, 'data'),
    ATTAIN_CONTROL_SCHEMA: `attain_tour${id}`,
    ATTAIN_TENANT_SCHEMA_PREFIX: `tour${id}_`,
    ATTAIN_ADMIN_PASSWORD: 'tour-password-1',
    PORT: '0',
    HOST: '127.0.0.1',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  });
  attain = await startAttain({ config, seed: false, logger: false });
  auth = {};
  const login = await call('POST', '/api/v1/auth/login', { tenant: 'demo', email: 'admin@demo.local', password: 'tour-password-1' });
  expect(login.status).toBe(200);
  auth = { authorization: `Bearer ${login.json.token}` };
  doc = JSON.parse(await readFile(new URL('../../examples/objects/competitor_bid.json', import.meta.url), 'utf8'));
});

afterAll(async () => {
  await attain?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a brand-new object, live with no restart', () => {
  let oppId: string;
  const ids: string[] = [];

  it('plans (dry run, nothing changes) and applies', async () => {
    const before = (await call('GET', '/api/v1/metadata/revisions')).json;
    const plan = await call('POST', '/api/v1/metadata/plan', { documents: [doc] });
    expect(plan.status).toBe(200);
    expect(plan.json.safe).toBe(true);
    expect(plan.json.steps.map((s: { kind: string }) => s.kind)).toContain('create_table');
    expect(plan.json.steps.map((s: { sentence: string }) => s.sentence).join('\n')).toMatch(/competitor_bid/);
    expect((await call('GET', '/api/v1/objects/competitor_bid')).status).toBe(404);
    expect((await call('GET', '/api/v1/metadata/revisions')).json).toEqual(before);
    const applied = await call('POST', '/api/v1/metadata/apply', { documents: [doc] });
    expect(applied.status).toBe(200);
    expect(applied.json.revision).toBeGreaterThan(0);
  });

  it('creates, lists with filter + sort + keyset pages, updates and deletes over REST', async () => {
    const customer = await call('POST', '/api/v1/objects/customer', { name: 'Initech' });
    const opp = await call('POST', '/api/v1/objects/opportunity', { name: 'Initech rollout', customer_id: customer.json.id, amount: '250000.00', close_date: '2026-12-31' });
    expect(opp.status).toBe(201);
    oppId = opp.json.id;
    for (const [competitor, price, threat] of [
      ['Globex', '18500.10', 'high'],
      ['Umbrella', '9000', 'medium'],
      ['Hooli', '31000.99', 'high'],
      ['Vandelay', '500', 'low'],
      ['Acme', '18500.10', 'high'],
    ] as const) {
      const res = await call('POST', '/api/v1/objects/competitor_bid', { competitor, opportunity_id: oppId, price, seen_on: '2026-11-20', threat });
      expect(res.status).toBe(201);
      ids.push(res.json.id);
    }
    const filter = encodeURIComponent(JSON.stringify({ and: [{ threat: { in: ['high', 'medium'] } }, { price: { gte: 1000 } }] }));
    const first = await call('GET', `/api/v1/objects/competitor_bid?filter=${filter}&sort=-price,competitor&limit=2&count=true`);
    expect(first.json.total).toBe(4);
    expect(first.json.data.map((r: { competitor: string }) => r.competitor)).toEqual(['Hooli', 'Acme']);
    const second = await call('GET', `/api/v1/objects/competitor_bid?filter=${filter}&sort=-price,competitor&limit=2&after=${encodeURIComponent(first.json.page.next)}`);
    expect(second.json.data.map((r: { competitor: string }) => r.competitor)).toEqual(['Globex', 'Umbrella']);
    expect(second.json.data[0].price).toBe('18500.10');
    const updated = await call('PATCH', `/api/v1/objects/competitor_bid/${ids[1]}`, { threat: 'low' });
    expect(updated.json.threat).toBe('low');
    expect((await call('DELETE', `/api/v1/objects/competitor_bid/${ids[3]}`)).status).toBe(204);
    expect((await call('GET', `/api/v1/objects/competitor_bid/${ids[3]}`)).status).toBe(404);
    const bad = await call('POST', '/api/v1/objects/competitor_bid', { competitor: 'X', opportunity_id: oppId, price: 'lots', threat: 'extreme' });
    expect(bad.status).toBe(422);
    expect(bad.json.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['/price', '/threat']);
  });

  it('does the same over GraphQL, with the relation batched', async () => {
    const created = await gql('mutation($d: JSON!) { createCompetitor_Bid(data: $d) { id competitor price opportunity { name } } }', {
      d: { competitor: 'Wonka', opportunity_id: oppId, price: '7000.50', threat: 'medium' },
    });
    const fieldName = Object.keys(created.data ?? {})[0];
    expect(created.errors, JSON.stringify(created.errors)).toBeUndefined();
    const bid = created.data[fieldName as string];
    expect(bid.opportunity.name).toBe('Initech rollout');
    const list = await gql('{ competitor_bidList(filter: {threat: {eq: "medium"}}, sort: ["-price"], limit: 10) { data { competitor price } } }');
    expect(list.errors).toBeUndefined();
    expect(list.data.competitor_bidList.data.map((r: { competitor: string }) => r.competitor)).toEqual(['Wonka']);
    const upd = await gql('mutation($id: ID!) { updateCompetitor_Bid(id: $id, data: {threat: "high"}) { threat } }', { id: bid.id });
    expect(upd.errors).toBeUndefined();
    const del = await gql('mutation($id: ID!) { deleteCompetitor_Bid(id: $id) }', { id: bid.id });
    expect(del.errors).toBeUndefined();
  });

  it('appears in OpenAPI and in the form endpoint', async () => {
    const openapi = (await call('GET', '/api/v1/openapi.json')).json;
    expect(openapi.openapi).toMatch(/^3\.1/);
    expect(JSON.stringify(openapi.paths)).toContain('/objects/competitor_bid');
    expect(Object.keys(openapi.components.schemas).join(',')).toMatch(/competitor_bid/i);
    const form = (await call('GET', '/api/v1/metadata/objects/competitor_bid/form?locale=zh-CN')).json;
    expect(form.schema.properties.price.title).toBe('报价金额');
    expect(form.schema.required).toEqual(expect.arrayContaining(['competitor', 'price']));
  });
});

describe('changing the object keeps its data', () => {
  it('renames a field and the object by id, keeping every row', async () => {
    const renamed = structuredClone(doc);
    renamed.name = 'rival_bid';
    const props = renamed.schema.properties;
    props.amount = props.price as Record<string, unknown>;
    delete props.price;
    renamed.schema.required = ['competitor', 'opportunity_id', 'amount'];
    const plan = await call('POST', '/api/v1/metadata/plan', { documents: [renamed] });
    expect(plan.json.steps.map((s: { kind: string }) => s.kind)).toEqual(expect.arrayContaining(['rename_table', 'rename_column']));
    expect((await call('POST', '/api/v1/metadata/apply', { documents: [renamed] })).status).toBe(200);
    const rows = (await call('GET', '/api/v1/objects/rival_bid?sort=competitor&limit=50')).json.data as Array<{ competitor: string; amount: string }>;
    expect(rows.map((r) => `${r.competitor}:${r.amount}`)).toEqual(['Acme:18500.10', 'Globex:18500.10', 'Hooli:31000.99', 'Umbrella:9000.00']);
    expect((await call('GET', '/api/v1/objects/competitor_bid')).status).toBe(404);
  });

  it('hides a removed field, keeps its data, and refuses an unsafe change with a reason', async () => {
    const current = (await call('GET', '/api/v1/metadata/objects/rival_bid')).json;
    const without = structuredClone(current.data ?? current);
    delete without.schema.properties.seen_on;
    without['x-attain'].indexes = [];
    expect((await call('POST', '/api/v1/metadata/apply', { documents: [without] })).status).toBe(200);
    const row = (await call('GET', '/api/v1/objects/rival_bid?limit=1')).json.data[0];
    expect(row).not.toHaveProperty('seen_on');
    const revisions = (await call('GET', '/api/v1/metadata/revisions')).json;
    const narrowed = structuredClone(current.data ?? current);
    narrowed.schema.properties.competitor.maxLength = 3;
    const refused = await call('POST', '/api/v1/metadata/apply', { documents: [narrowed] });
    expect(refused.status).toBe(422);
    expect(refused.json.error.code).toBe('unsafe_change');
    expect(JSON.stringify(refused.json.error.details)).toMatch(/competitor/);
    expect((await call('GET', '/api/v1/metadata/revisions')).json).toEqual(revisions);
    // Adding the field back (same id) brings its data back.
    expect((await call('POST', '/api/v1/metadata/apply', { documents: [current.data ?? current] })).status).toBe(200);
    const restored = (await call('GET', '/api/v1/objects/rival_bid?sort=competitor&limit=1')).json.data[0];
    expect(restored.seen_on).toBe('2026-11-20');
  });

  it('rolls back to an earlier revision through the same migrator', async () => {
    const history = (await call('GET', '/api/v1/metadata/revisions')).json;
    const list = (history.data ?? history) as Array<{ revision: number }>;
    const firstWithBids = Math.min(...list.map((r) => r.revision).filter((r) => r > 1));
    const back = await call('POST', '/api/v1/metadata/rollback', { revision: firstWithBids });
    expect(back.status).toBe(200);
    const rows = (await call('GET', '/api/v1/objects/competitor_bid?sort=competitor&limit=50')).json.data as Array<{ competitor: string; price: string }>;
    expect(rows.map((r) => `${r.competitor}:${r.price}`)).toEqual(['Acme:18500.10', 'Globex:18500.10', 'Hooli:31000.99', 'Umbrella:9000.00']);
  });
});
