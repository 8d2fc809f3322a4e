import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, q, testServer, type Caller, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;
let token: string;

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'inp');
  token = await login(app, t.name, t.users.admin.email);
  admin = as(app, token);
  await admin.post('/api/v1/objects/deal', { name: 'Existing', amount: 10 });
});
afterAll(async () => {
  await app.close();
});

const count = async () => (await admin.get('/api/v1/objects/deal?count=true&limit=1')).json().total as number;
const raw = (payload: string, contentType = 'application/json', url = '/api/v1/objects/deal') =>
  app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, payload });

describe('bad input gets a stable 4xx and changes nothing', () => {
  it('malformed JSON, poisoning keys, wrong media type, oversized bodies', async () => {
    const before = await count();
    const cases: Array<[Promise<{ statusCode: number; json(): unknown }>, number, string]> = [
      [raw('{"name": "x",'), 400, 'invalid_json'],
      [raw('{"name":"x","__proto__":{"admin":true}}'), 400, 'forbidden_key'],
      [raw('{"name":"x","constructor":{"prototype":{"admin":true}}}'), 400, 'forbidden_key'],
      [raw('{"name":"x","nested":{"prototype":1}}'), 400, 'forbidden_key'],
      [raw('name=x', 'text/plain'), 415, 'unsupported_media_type'],
      [raw(JSON.stringify({ name: 'x', notes: 'y'.repeat(1_100_000) })), 413, 'payload_too_large'],
      [raw('[1,2]'), 400, 'invalid_body'],
      [raw(''), 400, 'invalid_body'],
    ];
    for (const [res, status, code] of cases) {
      const r = await res;
      expect(r.statusCode, code).toBe(status);
      expect(r.json(), code).toEqual({ error: { code, message: expect.any(String), details: expect.any(Array) } });
    }
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(await count()).toBe(before);
  });

  it('unknown fields, wrong types and out-of-range values name the field and rule', async () => {
    const before = await count();
    const unknown = await admin.post('/api/v1/objects/deal', { name: 'x', colour: 'red' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error).toMatchObject({ code: 'validation_failed', details: [{ path: '/colour', rule: 'unknown_field' }] });
    const wrong = await admin.post('/api/v1/objects/deal', { name: 'x', amount: 'lots' });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().error.code).toBe('validation_failed');
    expect(wrong.json().error.details[0].path).toBe('/amount');
    const missing = await admin.post('/api/v1/objects/deal', { amount: 5 });
    expect(missing.json().error.details[0]).toMatchObject({ path: '/name', rule: 'required' });
    const badEnum = await admin.post('/api/v1/objects/deal', { name: 'x', stage: 'maybe' });
    expect(badEnum.statusCode).toBe(422);
    expect((await admin.post('/api/v1/objects/deal', { name: 'x', id: '00000000-0000-0000-0000-000000000000' })).statusCode).toBeGreaterThanOrEqual(400);
    expect(await count()).toBe(before);
  });

  it('SQL-looking identifiers are refused and SQL-looking values are just values', async () => {
    const evil = await admin.get(`/api/v1/objects/deal?filter=${q({ 'name"; drop table deal; --': { eq: 1 } })}`);
    expect(evil.statusCode).toBe(400);
    expect(['unknown_field', 'invalid_filter']).toContain(evil.json().error.code);
    const op = await admin.get(`/api/v1/objects/deal?filter=${q({ name: { 'eq) or 1=1 --': 'x' } })}`);
    expect(op.statusCode).toBe(400);
    expect(op.json().error.code).toBe('invalid_filter');
    const value = await admin.get(`/api/v1/objects/deal?filter=${q({ name: { eq: "' OR '1'='1" } })}`);
    expect(value.statusCode).toBe(200);
    expect(value.json().data).toEqual([]);
    const like = await admin.get(`/api/v1/objects/deal?filter=${q({ name: { contains: '%' } })}`);
    expect(like.json().data).toEqual([]);
    expect((await admin.get('/api/v1/objects/deal?sort=name;drop%20table%20deal')).json().error.code).toBe('invalid_sort');
    expect((await admin.get('/api/v1/objects/deal?sort=nope')).json().error.code).toBe('unknown_field');
    expect((await admin.get(`/api/v1/objects/deal?filter=${q({ amount: { gt: 'abc' } })}`)).statusCode).toBe(400);
    expect((await admin.get('/api/v1/objects/deal?after=garbage')).json().error.code).toBe('invalid_cursor');
    expect((await admin.get('/api/v1/objects/deal%3B%20drop')).json().error.code).toBe('unknown_object');
    expect((await admin.get('/api/v1/objects/deal/1%20or%201=1')).statusCode).toBe(404);
    expect((await admin.get('/api/v1/objects/deal?q=%27%3B%20drop%20table%20deal')).statusCode).toBe(200);
    expect(await count()).toBe(1);
  });

  it('unknown routes and unknown objects are 404 with the envelope', async () => {
    const res = await app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    expect((await admin.get('/api/v1/objects/ghost/00000000-0000-0000-0000-000000000000')).json().error.code).toBe('unknown_object');
    expect((await admin.post('/api/v1/objects/ghost', {})).json().error.code).toBe('unknown_object');
  });
});
