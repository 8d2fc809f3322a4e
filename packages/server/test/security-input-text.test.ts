// Issue 12, findings 10 and 13: text PostgreSQL cannot store (NUL), text that is not Unicode
// (unpaired surrogates, invalid UTF-8) and malformed or over-long URLs. Each is a 4xx in the API's
// error shape naming where it was, and changes nothing — wherever it is sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, q, testServer, type Caller, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';
import { expectApiError } from './security-input-helpers.ts';
import { toErrorResponse } from '../src/http/errors.ts';
import { assertCleanText, decodeUtf8 } from '../src/http/text-guard.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;
let finance: Caller;
let token: string;

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'sectxt');
  token = await login(app, t.name, t.users.admin.email);
  admin = as(app, token);
  finance = as(app, await login(app, t.name, t.users.finance.email));
});
afterAll(async () => {
  await app.close();
});

const rawPost = (url: string, payload: string | Buffer, auth = true) =>
  app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) }, payload });

const dealCount = async () => (await admin.get('/api/v1/objects/deal?count=true&limit=1')).json().total as number;

describe('NUL (U+0000) anywhere is 400 invalid_text naming where', () => {
  it('in unauthenticated login fields', async () => {
    expectApiError(await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: 'a\u0000', email: 'x@y.test', password: 'p' } }), 400, 'invalid_text', '/tenant');
    expectApiError(await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: t.name, email: 'x\u0000@y.test', password: 'p' } }), 400, 'invalid_text', '/email');
    expectApiError(
      await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: t.name, email: t.users.admin.email, password: 'pa55\u0000word!' } }),
      400,
      'invalid_text',
      '/password',
    );
  });

  it('in JSON bodies of every kind of route, changing nothing', async () => {
    const tokensBefore = (await admin.get('/api/v1/auth/tokens')).json().data.length;
    expectApiError(await admin.post('/api/v1/auth/tokens', { name: 'ci\u0000' }), 400, 'invalid_text', '/name');
    expect((await admin.get('/api/v1/auth/tokens')).json().data).toHaveLength(tokensBefore);

    const deals = await dealCount();
    expectApiError(await admin.post('/api/v1/objects/deal', { name: 'x\u0000y' }), 400, 'invalid_text', '/name');
    expectApiError(await admin.post('/api/v1/objects/deal', { name: 'ok', 'notes\u0000': 'x' }), 400, 'invalid_text', '/notes\\u0000');
    expectApiError(await admin.post('/api/v1/objects/deal', { name: 'ok', nested: [{ a: ['\u0000'] }] }), 400, 'invalid_text', '/nested/0/a/0');
    expect(await dealCount()).toBe(deals);

    expectApiError(await admin.put('/api/v1/workflow/settings', { locale: 'e\u0000' }), 400, 'invalid_text', '/locale');
    expectApiError(await admin.put('/api/v1/workflow/settings', { smtp: { host: 'h\u0000', port: 25, from: 'a@b.test' } }), 400, 'invalid_text', '/smtp/host');
    expectApiError(await admin.put('/api/v1/workflow/settings', { secrets: { key: 'v\u0000' } }), 400, 'invalid_text', '/secrets/key');
    expect((await admin.get('/api/v1/workflow/settings')).json()).toMatchObject({ locale: 'en', smtp: null, secrets: [] });

    expectApiError(await finance.post('/api/v1/incentives/disputes', { payeeId: t.users.repEast.id, period: '2026-01', lineKey: 'a\u0000', reason: 'x' }), 400, 'invalid_text', '/lineKey');
    expect((await finance.get('/api/v1/incentives/disputes')).json().data).toEqual([]);
  });

  it('in the query string and path parameters', async () => {
    expectApiError(await admin.get('/api/v1/audit?object=a%00'), 400, 'invalid_text', '/object');
    expectApiError(await admin.get('/api/v1/workflow/runs?rule=%00'), 400, 'invalid_text', '/rule');
    expectApiError(await finance.get('/api/v1/incentives/inputs?period=2026-01%00'), 400, 'invalid_text', '/period');
    expectApiError(await finance.get('/api/v1/incentives/inputs?name=%00'), 400, 'invalid_text', '/name');
    expectApiError(await admin.get('/api/v1/goals/plans/a%00/versions'), 400, 'invalid_text', '/plan');
    expectApiError(await finance.get(`/api/v1/incentives/statements/${t.users.repEast.id}/2026%00`), 400, 'invalid_text', '/period');
    expectApiError(await admin.get('/api/v1/objects/deal?q=a%00'), 400, 'invalid_text', '/q');
    expectApiError(await admin.get('/api/v1/objects/deal?sort=name&sort=%00'), 400, 'invalid_text', '/sort/1');
    // Also when the NUL is a JSON escape inside a query parameter that carries JSON.
    expectApiError(await admin.get(`/api/v1/objects/deal?filter=${q({ name: { eq: 'a\u0000' } })}`), 400, 'invalid_text', '/name/eq');
  });

  it('at the bottom of a deeply nested body, with a short path', async () => {
    const deep = `{"name":"x","n":${'['.repeat(100_000)}"\\u0000"${']'.repeat(100_000)}}`;
    const res = await rawPost('/api/v1/objects/deal', deep);
    expectApiError(res, 400, 'invalid_text');
    expect(res.json().error.details[0].path.length).toBeLessThan(300);
  });

  it('in GraphQL queries and variables', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization: `Bearer ${token}` },
      payload: { query: 'query($n: String) { __typename }', variables: { n: 'a\u0000' } },
    });
    expectApiError(res, 400, 'invalid_text', '/variables/n');
    const get = await app.inject({ method: 'GET', url: `/graphql?query=${encodeURIComponent('{ __typename }')}%00`, headers: { authorization: `Bearer ${token}` } });
    expectApiError(get, 400, 'invalid_text', '/query');
    // A \u0000 escape inside a GraphQL string literal, in a JSON argument or a plain one.
    const deals = await dealCount();
    for (const query of ['mutation { createDeal(data: {name: "a\\u0000b"}) { id } }', '{ dealList(filter: {name: {eq: "a\\u0000"}}) { data { name } } }', '{ deal(id: "\\u0000") { name } }']) {
      const literal = await app.inject({ method: 'POST', url: '/graphql', headers: { authorization: `Bearer ${token}` }, payload: { query } });
      expectApiError(literal, 400, 'invalid_text', '/query');
    }
    expect(await dealCount()).toBe(deals);
  });
});

describe('text that is not Unicode', () => {
  it('an unpaired surrogate (written as a \\u escape) is 400 invalid_text', async () => {
    expectApiError(await rawPost('/api/v1/auth/login', '{"tenant":"\\ud800","email":"a@b.test","password":"b"}', false), 400, 'invalid_text', '/tenant');
    const deals = await dealCount();
    expectApiError(await rawPost('/api/v1/objects/deal', '{"name":"x\\udfffy"}'), 400, 'invalid_text', '/name');
    expect(await dealCount()).toBe(deals);
    // A proper pair is a character and is stored as sent.
    const ok = await rawPost('/api/v1/objects/deal', '{"name":"\\ud83d\\ude00 金额"}');
    expect(ok.statusCode).toBe(201);
    expect(ok.json().name).toBe('😀 金额');
  });

  it('invalid UTF-8 bytes are 400 invalid_utf8 instead of being replaced by U+FFFD', async () => {
    const deals = await dealCount();
    const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
    for (const bad of [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe6, 0x96], [0xf8, 0x88, 0x80, 0x80, 0x80]]) {
      expectApiError(await rawPost('/api/v1/objects/deal', bytes('{"name":"a', bad, '"}')), 400, 'invalid_utf8', '');
    }
    expectApiError(await rawPost('/api/v1/auth/login', bytes('{"tenant":"', [0xff], '","email":"a@b.test","password":"x"}'), false), 400, 'invalid_utf8', '');
    expect(await dealCount()).toBe(deals);
    const ok = await rawPost('/api/v1/objects/deal', bytes('{"name":"', [0xe9, 0x87, 0x91], '"}'));
    expect(ok.statusCode).toBe(201);
    expect(ok.json().name).toBe('金');
  });
});

describe('malformed and over-long URLs keep the error shape', () => {
  it('a path parameter over 200 characters is 414 uri_too_long', async () => {
    expectApiError(await admin.get(`/api/v1/goals/plans/${'a'.repeat(201)}/versions`), 414, 'uri_too_long', '');
    expectApiError(await admin.get(`/api/v1/objects/${'x'.repeat(300)}`), 414, 'uri_too_long');
    expectApiError(await admin.get(`/api/v1/objects/deal/${'1'.repeat(5000)}`), 414, 'uri_too_long');
    // Unauthenticated as well: the router answers before any route.
    expectApiError(await app.inject({ method: 'GET', url: `/api/v1/objects/${'x'.repeat(300)}` }), 414, 'uri_too_long');
  });

  it('a URL over 8192 characters is 414 uri_too_long', async () => {
    expectApiError(await admin.get(`/api/v1/objects/deal?q=${'a'.repeat(9000)}`), 414, 'uri_too_long');
    expectApiError(await app.inject({ method: 'GET', url: `/api/v1/nowhere?${'a'.repeat(9000)}` }), 414, 'uri_too_long');
  });

  it('a badly percent-encoded path is 400 invalid_url', async () => {
    expectApiError(await admin.get('/api/v1/goals/plans/%ZZ/versions'), 400, 'invalid_url', '');
    expectApiError(await admin.get('/api/v1/objects/deal/%E0%A4%A'), 400, 'invalid_url');
  });
});

describe('the pieces, directly', () => {
  it('a PostgreSQL data exception that slips past validation is a 400, other database errors stay 500', () => {
    const pg = (code: string) => Object.assign(new Error('db says no'), { code, severity: 'ERROR' });
    for (const code of ['22021', '22007', '22008', '22P02', '22P05', '22001', '22003']) {
      const r = toErrorResponse(pg(code), 'req');
      expect(r.status, code).toBe(400);
      expect(r.body.error.code).toBe('invalid_input');
      expect(JSON.stringify(r.body)).not.toContain('db says no');
    }
    expect(toErrorResponse(pg('40001'), 'req').status).toBe(500);
    expect(toErrorResponse(pg('22012'), 'req').status).toBe(500);
    // Not from the database (no severity): not mistaken for one.
    expect(toErrorResponse(Object.assign(new Error('x'), { code: '22021' }), 'req').status).toBe(500);
  });

  it('the text walker names keys and values with JSON pointers, and strict UTF-8 keeps a BOM-free text', () => {
    const codeAt = (v: unknown) => {
      try {
        assertCleanText(v);
        return undefined;
      } catch (error) {
        return (error as { details: Array<{ path: string; rule: string }> }).details[0];
      }
    };
    expect(codeAt({ a: { 'b/c': ['ok', 'x\u0000'] } })).toEqual({ path: '/a/b~1c/1', rule: 'no_nul', message: expect.any(String) });
    expect(codeAt({ 'k~\ud800': 1 })).toMatchObject({ path: '/k~0\\ud800', rule: 'well_formed' });
    expect(codeAt({ fine: ['😀', '金额', '', 1, null, true] })).toBeUndefined();
    expect(decodeUtf8(Buffer.from('\ufeff{"a":1}'))).toBe('{"a":1}');
    expect(() => decodeUtf8(Buffer.from([0x7b, 0xc3]))).toThrow(/UTF-8/);
  });
});
