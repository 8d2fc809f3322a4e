// Issue #18 item 3: the ERP bulk API — per-row results, idempotency keys, NDJSON, record scope.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';

let app: FastifyInstance;
let t: TestTenant;
let admin: Caller;
let adminToken = '';
let repToken = '';

beforeAll(async () => {
  const server = await testServer();
  app = server.app;
  t = await createTenant(server.store, 'blk');
  adminToken = await login(app, t.name, t.users.admin.email);
  admin = as(app, adminToken);
  repToken = await login(app, t.name, t.users.repEast.email);
}, 60_000);

afterAll(async () => {
  await app?.close();
});

const bulk = (token: string, payload: unknown, headers: Record<string, string> = {}, object = 'deal') =>
  app.inject({ method: 'POST', url: `/api/v1/objects/${object}:bulk`, headers: { authorization: `Bearer ${token}`, ...headers }, payload: payload as object });

const count = async (filter: unknown) => (await admin.get(`/api/v1/objects/deal?count=true&filter=${encodeURIComponent(JSON.stringify(filter))}`)).json().total as number;

describe('POST /objects/{object}:bulk', () => {
  it('creates, updates and leaves unchanged rows, each with its own result; a bad row fails alone', async () => {
    const first = await bulk(adminToken, [
      { external_id: 'b-1', name: 'one', amount: 10.5 },
      { external_id: 'b-2', name: 'two', amount: -3 },
      { external_id: 'b-3', name: 'three', amount: '7.25' },
      { name: 'no id' },
    ]);
    expect(first.statusCode).toBe(200);
    const body = first.json();
    expect(body.summary).toEqual({ created: 2, updated: 0, unchanged: 0, failed: 2 });
    expect(body.rows[0]).toMatchObject({ index: 0, external_id: 'b-1', status: 'created' });
    expect(body.rows[1]).toMatchObject({ index: 1, external_id: 'b-2', status: 'failed', errors: [{ path: '/amount', rule: 'minimum' }] });
    expect(body.rows[2]).toMatchObject({ index: 2, status: 'created' });
    expect(body.rows[3]).toMatchObject({ index: 3, status: 'failed', errors: [{ path: '/external_id', rule: 'required' }] });
    expect(await count({ external_id: { in: ['b-1', 'b-2', 'b-3'] } })).toBe(2);

    const second = await bulk(adminToken, [
      { external_id: 'b-1', name: 'one', amount: '10.50' },
      { external_id: 'b-3', name: 'three renamed' },
    ]);
    expect(second.json().summary).toEqual({ created: 0, updated: 1, unchanged: 1, failed: 0 });
    expect(second.json().rows[0]).toMatchObject({ status: 'unchanged', id: body.rows[0].id });
    const b1 = (await admin.get(`/api/v1/objects/deal/${body.rows[0].id}`)).json();
    expect(b1.version).toBe(1);
  });

  it('an error the store cannot pin on a row (a unique value taken twice) is narrowed down to it', async () => {
    const user = (ext: string, email: string) => ({ external_id: ext, name: ext, email, role: 'rep', org_unit_id: t.orgUnits.west, active: true });
    const res = await bulk(adminToken, [user('u-a', 'same@bulk.test'), user('u-b', 'other@bulk.test'), user('u-c', 'same@bulk.test')], {}, 'user');
    expect(res.statusCode).toBe(200);
    expect(res.json().rows.map((r: { status: string }) => r.status)).toEqual(['created', 'created', 'failed']);
    expect(res.json().rows[2].errors[0].rule).toBe('unique');
  });

  it('a row repeating an external id of the same request fails, the first is written', async () => {
    const res = await bulk(adminToken, {
      rows: [
        { external_id: 'dup', name: 'a' },
        { external_id: 'dup', name: 'b' },
      ],
    });
    expect(res.json().rows.map((r: { status: string }) => r.status)).toEqual(['created', 'failed']);
    expect(res.json().rows[1].errors[0]).toMatchObject({ path: '/external_id', rule: 'unique' });
  });

  it('replaying an Idempotency-Key with the same body changes nothing; another body is refused', async () => {
    const rows = [{ external_id: 'idem-1', name: 'first' }];
    const one = await bulk(adminToken, rows, { 'idempotency-key': 'k-123' });
    expect(one.json().summary.created).toBe(1);
    // Changed meanwhile by someone else: the replay must not write the old value back.
    await bulk(adminToken, [{ external_id: 'idem-1', name: 'changed since' }]);
    const again = await bulk(adminToken, rows, { 'idempotency-key': 'k-123' });
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(one.json());
    expect((await admin.get(`/api/v1/objects/deal/${one.json().rows[0].id}`)).json().name).toBe('changed since');
    const other = await bulk(adminToken, [{ external_id: 'idem-1', name: 'other' }], { 'idempotency-key': 'k-123' });
    expect(other.statusCode).toBe(422);
    expect(other.json().error).toMatchObject({ code: 'idempotency_key_reused', details: [{ path: 'Idempotency-Key', rule: 'same_request' }] });
    // Another caller with the same key is another request, not a replay of the admin's result.
    const rep = await bulk(repToken, rows, { 'idempotency-key': 'k-123' });
    expect(rep.json().error.code).toBe('idempotency_key_reused');
    expect((await bulk(adminToken, rows, { 'idempotency-key': 'bad key with spaces' })).json().error.code).toBe('invalid_header');
  });

  it('a request refused as a whole releases its key', async () => {
    const refused = await bulk(adminToken, [], { 'idempotency-key': 'k-empty' });
    expect(refused.statusCode).toBe(422);
    expect((await bulk(adminToken, [{ external_id: 'after-empty', name: 'x' }], { 'idempotency-key': 'k-empty' })).json().summary.created).toBe(1);
  });

  it('takes NDJSON; an unparseable line fails alone', async () => {
    const ndjson = ['{"external_id":"nd-1","name":"n1"}', '{not json', '', '{"external_id":"nd-2","name":"n2","amount":5}'].join('\n');
    const res = await bulk(adminToken, ndjson, { 'content-type': 'application/x-ndjson' });
    expect(res.statusCode).toBe(200);
    expect(res.json().rows.map((r: { status: string }) => r.status)).toEqual(['created', 'failed', 'created']);
    expect(res.json().rows[1].errors[0].rule).toBe('json_syntax');
  });

  it('refuses 10,001 rows with 413 and names the limit', async () => {
    const rows = Array.from({ length: 10_001 }, (_, i) => ({ external_id: `big-${i}`, name: 'x' }));
    const res = await bulk(adminToken, rows);
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({ code: 'too_many_rows', details: [{ path: '/rows', rule: 'max_items' }] });
    expect(await count({ external_id: { startsWith: 'big-' } })).toBe(0);
  });

  it('writes 10,000 rows in one request (the raised body limit is this route only)', async () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => ({ external_id: `many-${i}`, name: `deal ${i}`, amount: i }));
    const res = await bulk(adminToken, rows);
    expect(res.statusCode).toBe(200);
    expect(res.json().summary).toEqual({ created: 10_000, updated: 0, unchanged: 0, failed: 0 });
    const big = await admin.post('/api/v1/objects/deal', { name: 'x', notes: 'y'.repeat(2 * 1024 * 1024) });
    expect(big.statusCode).toBe(413);
  }, 120_000);

  it('authenticates before reading the large body', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/objects/deal:bulk', headers: { 'content-type': 'application/json' }, payload: '[{"not json' });
    expect(res.statusCode).toBe(401);
  });

  it("a rep cannot bulk-write others' records or assign them to others", async () => {
    await bulk(adminToken, [
      { external_id: 'rep-own', name: 'own', owner_id: t.users.repEast.id },
      { external_id: 'rep-west', name: 'west', owner_id: t.users.repWest.id },
    ]);
    const res = await bulk(repToken, [
      { external_id: 'rep-own', name: 'own renamed' },
      { external_id: 'rep-west', name: 'hijacked' },
      { external_id: 'rep-west-2', name: 'give away', owner_id: t.users.repWest.id },
    ]);
    expect(res.statusCode).toBe(200);
    const rows = res.json().rows;
    expect(rows[0]).toMatchObject({ status: 'updated' });
    expect(rows[1]).toMatchObject({ status: 'failed', errors: [{ path: '/external_id', rule: 'not_found' }] });
    expect(rows[2]).toMatchObject({ status: 'failed', errors: [{ path: '/owner_id', rule: 'scope' }] });
    expect(await count({ name: { eq: 'hijacked' } })).toBe(0);
  });
});
