import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, q, testServer, type Caller, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';
import { ticketDoc } from './fixtures/metadata.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'rec');
  admin = as(app, await login(app, t.name, t.users.admin.email));
});
afterAll(async () => {
  await app.close();
});

describe('a brand-new object, without a restart', () => {
  it('is unknown, then applied, then fully usable over REST', async () => {
    expect((await admin.get('/api/v1/objects/ticket')).json().error.code).toBe('unknown_object');

    const plan = await admin.post('/api/v1/metadata/plan', { documents: [ticketDoc] });
    expect(plan.statusCode).toBe(200);
    expect(plan.json().steps.map((s: { kind: string }) => s.kind)).toContain('create_table');
    expect((await admin.get('/api/v1/objects/ticket')).statusCode).toBe(404);

    const applied = await admin.post('/api/v1/metadata/apply', { documents: [ticketDoc] });
    expect(applied.statusCode).toBe(200);
    expect(applied.json().revision).toBeGreaterThan(1);

    for (let i = 1; i <= 7; i++) {
      const res = await admin.post('/api/v1/objects/ticket', { title: `T${i}`, priority: (i % 5) + 1, cost: `${i}.50` });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ title: `T${i}`, cost: `${i}.50`, version: 1 });
      expect(res.headers.location).toBe(`/api/v1/objects/ticket/${res.json().id}`);
    }
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const res = await admin.get(`/api/v1/objects/ticket?filter=${q({ priority: { gte: 2 } })}&sort=-cost,title&limit=2${after ? `&after=${encodeURIComponent(after)}` : ''}&count=true`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.total).toBe(6);
      seen.push(...body.data.map((r: { title: string }) => r.title));
      after = body.page.next;
      pages++;
    } while (after && pages < 10);
    expect(seen).toEqual(['T7', 'T6', 'T4', 'T3', 'T2', 'T1']);

    const one = (await admin.get(`/api/v1/objects/ticket?filter=${q({ title: { eq: 'T3' } })}`)).json().data[0];
    const got = await admin.get(`/api/v1/objects/ticket/${one.id}`);
    expect(got.json().title).toBe('T3');
    const patched = await admin.patch(`/api/v1/objects/ticket/${one.id}`, { priority: 5 }, { 'if-match': '1' });
    expect(patched.json()).toMatchObject({ priority: 5, version: 2 });
    const stale = await admin.patch(`/api/v1/objects/ticket/${one.id}`, { priority: 4 }, { 'if-match': '1' });
    expect(stale.statusCode).toBe(409);
    expect((await admin.patch(`/api/v1/objects/ticket/${one.id}`, { priority: 4 }, { 'if-match': 'abc' })).json().error.code).toBe('invalid_version');
    expect((await admin.del(`/api/v1/objects/ticket/${one.id}`)).statusCode).toBe(204);
    expect((await admin.get(`/api/v1/objects/ticket/${one.id}`)).statusCode).toBe(404);
    const restored = await admin.post(`/api/v1/objects/ticket/${one.id}/restore`);
    expect(restored.statusCode).toBe(200);
    expect((await admin.get(`/api/v1/objects/ticket/${one.id}`)).statusCode).toBe(200);
    expect((await admin.get(`/api/v1/objects/ticket?q=T7`)).json().data.map((r: { title: string }) => r.title)).toEqual(['T7']);

    const gql = await admin.gql('{ ticketList(sort: ["title"], limit: 3, filter: {priority: {gte: 2}}, count: true) { data { title cost } next total } }');
    expect(gql.status).toBe(200);
    expect(gql.body.data?.ticketList).toMatchObject({ total: 6, data: [{ title: 'T1', cost: '1.50' }, { title: 'T2' }, { title: 'T3' }] });
    const page2 = await admin.gql('query($a: String) { ticketList(sort: ["title"], limit: 3, after: $a, filter: {priority: {gte: 2}}) { data { title } next } }', {
      a: gql.body.data?.ticketList.next,
    });
    expect(page2.body.data?.ticketList.data.map((r: { title: string }) => r.title)).toEqual(['T4', 'T6', 'T7']);
    const created = await admin.gql('mutation { createTicket(data: {title: "G1", priority: 3}) { id title priority } }');
    expect(created.body.data?.createTicket).toMatchObject({ title: 'G1', priority: 3 });
    const id = created.body.data?.createTicket.id;
    const updated = await admin.gql(`mutation { updateTicket(id: "${id}", data: {priority: 4}, version: 1) { priority version } }`);
    expect(updated.body.data?.updateTicket).toEqual({ priority: 4, version: 2 });
    expect((await admin.gql(`mutation { deleteTicket(id: "${id}") }`)).body.data?.deleteTicket).toBe(true);
    expect((await admin.gql(`{ ticket(id: "${id}") { title } }`)).body.data?.ticket).toBeNull();

    const spec = (await admin.get('/api/v1/openapi.json')).json();
    expect(spec.paths['/api/v1/objects/ticket']).toBeDefined();
    expect(spec.components.schemas.Ticket).toBeDefined();
  });

  it('upserts by external id', async () => {
    const rows = [
      { external_id: 'crm-1', name: 'Acme', region: 'north' },
      { external_id: 'crm-2', name: 'Globex', region: 'south' },
    ];
    const first = await admin.post('/api/v1/objects/customer:upsert', { rows });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ created: 2, updated: 0 });
    const second = await admin.post('/api/v1/objects/customer:upsert', [{ external_id: 'crm-1', name: 'Acme Corp' }]);
    expect(second.json()).toMatchObject({ created: 0, updated: 1 });
    const list = (await admin.get(`/api/v1/objects/customer?filter=${q({ external_id: { eq: 'crm-1' } })}`)).json();
    expect(list.data[0].name).toBe('Acme Corp');
    expect((await admin.post('/api/v1/objects/customer:upsert', { rows: [] })).json().error.code).toBe('invalid_body');
    expect((await admin.post('/api/v1/objects/customer:upsert', { rows: [{ name: 'x' }] })).json().error.code).toBe('validation_failed');
    expect((await admin.post('/api/v1/objects/customer:upsert', { rows: [5] })).json().error.code).toBe('invalid_body');
    expect((await admin.post('/api/v1/objects/nothing:upsert', { rows })).json().error.code).toBe('unknown_object');
  });
});

describe('metadata administration', () => {
  it('lists, reads, puts, plans, shows history and rolls back', async () => {
    const list = await admin.get('/api/v1/metadata/objects');
    expect(list.json().data.map((d: { name: string }) => d.name)).toEqual(expect.arrayContaining(['deal', 'user']));
    const deal = (await admin.get('/api/v1/metadata/objects/deal')).json();
    expect(deal.id).toBe('obj_deal');
    const changed = structuredClone(deal);
    changed.schema.properties.source = { type: 'string', maxLength: 50, 'x-attain': { id: 'fld_deal_source', label: { en: 'Source', 'zh-CN': '来源' } } };
    const put = await admin.put('/api/v1/metadata/objects/deal', changed);
    expect(put.statusCode).toBe(200);
    const rev = put.json().revision;
    const created = await admin.post('/api/v1/objects/deal', { name: 'With source', source: 'web' });
    expect(created.json().source).toBe('web');

    expect((await admin.put('/api/v1/metadata/objects/deal', { ...changed, id: 'other' })).json().error.code).toBe('metadata_invalid');
    expect((await admin.put('/api/v1/metadata/objects/newthing', { ...changed })).json().error.code).toBe('metadata_invalid');
    expect((await admin.put('/api/v1/metadata/objects/deal', { kind: 'role' })).statusCode).toBe(422);
    expect((await admin.put('/api/v1/metadata/objects/deal', [1])).statusCode).toBe(400);
    const invalid = await admin.post('/api/v1/metadata/apply', { documents: [{ ...ticketDoc, name: 'Bad Name' }] });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().error.code).toBe('metadata_invalid');
    expect(invalid.json().error.details.length).toBeGreaterThan(0);
    for (const body of [{}, { documents: 'x' }, { documents: [], mode: 'zap' }, { documents: [], purge: [1] }, { documents: [], backfill: [] }, [1]]) {
      expect((await admin.post('/api/v1/metadata/plan', body)).statusCode).toBe(400);
    }
    const withOptions = await admin.post('/api/v1/metadata/plan', { documents: [], purge: [], backfill: {} });
    expect(withOptions.json().empty).toBe(true);

    const history = (await admin.get('/api/v1/metadata/revisions')).json().data;
    expect(history.map((h: { revision: number }) => h.revision)).toContain(rev);
    const one = await admin.get(`/api/v1/metadata/revisions/${rev}`);
    expect(one.statusCode).toBe(200);
    expect((await admin.get('/api/v1/metadata/revisions/abc')).json().error.code).toBe('invalid_revision');
    const rolled = await admin.post('/api/v1/metadata/rollback', { revision: rev - 1 });
    expect(rolled.statusCode).toBe(200);
    expect((await admin.get('/api/v1/metadata/objects/deal')).json().schema.properties.source).toBeUndefined();
    expect((await admin.post('/api/v1/metadata/rollback', {})).statusCode).toBe(400);

    const audit = await admin.get('/api/v1/audit?object=deal&limit=5');
    expect(audit.statusCode).toBe(200);
    expect(audit.json().data.length).toBeGreaterThan(0);
  });

  it('serves forms in English and Chinese', async () => {
    const en = (await admin.get('/api/v1/metadata/objects/deal/form?locale=en')).json();
    const zh = (await admin.get('/api/v1/metadata/objects/deal/form?locale=zh-CN')).json();
    expect(en.schema.title).toBe('Deal');
    expect(zh.schema.title).toBe('商机');
    expect(zh.schema.properties.stage.oneOf[1]).toEqual({ const: 'won', title: '赢单' });
    expect(zh.uiSchema.created_at['ui:widget']).toBe('hidden');
    expect((await admin.get('/api/v1/metadata/objects/deal/form?locale=../../x')).json().locale).toBe('en');
    const rep = as(app, await login(app, t.name, t.users.repEast.email));
    expect((await rep.get('/api/v1/metadata/objects/deal/form')).json().schema.properties.margin).toBeUndefined();
    expect((await rep.get('/api/v1/metadata/objects/org_unit/form')).statusCode).toBe(403);
    expect((await rep.get('/api/v1/metadata/objects')).statusCode).toBe(403);
    expect((await rep.get('/api/v1/audit')).statusCode).toBe(403);
  });
});
