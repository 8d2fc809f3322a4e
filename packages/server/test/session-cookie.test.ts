import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Store } from '../src/store-port.ts';
import { createTenant, PASSWORD, testServer, type TestTenant } from './helpers.ts';

// The studio's session across tabs: login also sets an HttpOnly, SameSite=Strict cookie; a change
// made with the cookie needs the session's anti-CSRF token in x-attain-csrf; logout clears it.
let app: FastifyInstance;
let store: Store;
let t: TestTenant;

beforeAll(async () => {
  ({ app, store } = await testServer(undefined, { trustProxy: true }));
  t = await createTenant(store, 'ck');
});
afterAll(async () => {
  await app.close();
});

function cookieOf(res: LightMyRequestResponse): string {
  const header = res.headers['set-cookie'];
  const line = Array.isArray(header) ? header[0] : header;
  if (!line) throw new Error('no set-cookie');
  return line;
}

async function cookieLogin(headers: Record<string, string> = {}) {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', headers, payload: { tenant: t.name, email: t.users.repEast.email, password: PASSWORD } });
  expect(res.statusCode).toBe(200);
  const body = res.json() as { token: string; csrfToken: string };
  const setCookie = cookieOf(res);
  return { body, setCookie, cookie: setCookie.split(';')[0]! };
}

describe('session cookie', () => {
  it('login sets an HttpOnly, SameSite=Strict cookie holding the session, Secure over HTTPS only', async () => {
    const { body, setCookie } = await cookieLogin();
    expect(setCookie).toMatch(/^attain_session=[\w.-]+; Path=\/; HttpOnly; SameSite=Strict; Expires=/);
    expect(setCookie).not.toContain('Secure');
    expect(setCookie.split(';')[0]).toBe(`attain_session=${body.token}`);
    expect(body.csrfToken).toMatch(/^[\w-]{43}$/);
    const https = await cookieLogin({ 'x-forwarded-proto': 'https' });
    expect(https.setCookie).toContain('; Secure');
  });

  it('a new tab reads with the cookie alone and learns the CSRF token from /auth/me', async () => {
    const { body, cookie } = await cookieLogin();
    const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ user: { email: t.users.repEast.email }, via: 'session', csrfToken: body.csrfToken });
    const list = await app.inject({ method: 'GET', url: '/api/v1/objects/customer', headers: { cookie: `theme=dark; ${cookie}` } });
    expect(list.statusCode).toBe(200);
  });

  it('refuses a change made with the cookie but without the right x-attain-csrf, over REST and GraphQL', async () => {
    const { body, cookie } = await cookieLogin();
    const payload = { name: 'Cookie Co' };
    const none = await app.inject({ method: 'POST', url: '/api/v1/objects/customer', headers: { cookie }, payload });
    expect(none.statusCode).toBe(403);
    expect(none.json().error).toMatchObject({ code: 'csrf_required', details: [{ path: '/headers/x-attain-csrf', rule: 'csrf' }] });
    // One character off (a different one whatever the token ends with: it ends in "A" one time in 64).
    const wrongToken = `${body.csrfToken.slice(0, -1)}${body.csrfToken.endsWith('A') ? 'B' : 'A'}`;
    const wrong = await app.inject({ method: 'POST', url: '/api/v1/objects/customer', headers: { cookie, 'x-attain-csrf': wrongToken }, payload });
    expect(wrong.statusCode).toBe(403);
    // Another session's token does not fit this one.
    const other = await cookieLogin();
    const crossed = await app.inject({ method: 'POST', url: '/api/v1/objects/customer', headers: { cookie, 'x-attain-csrf': other.body.csrfToken }, payload });
    expect(crossed.statusCode).toBe(403);
    const gql = await app.inject({ method: 'POST', url: '/graphql', headers: { cookie }, payload: { query: '{ __typename }' } });
    expect(gql.statusCode).toBe(403);
    const ok = await app.inject({ method: 'POST', url: '/api/v1/objects/customer', headers: { cookie, 'x-attain-csrf': body.csrfToken }, payload });
    expect(ok.statusCode).toBe(201);
    // A bearer header needs no CSRF token: no browser attaches it on its own.
    const bearer = await app.inject({ method: 'POST', url: '/api/v1/objects/customer', headers: { authorization: `Bearer ${body.token}` }, payload: { name: 'Bearer Co' } });
    expect(bearer.statusCode).toBe(201);
  });

  it('ignores an ambiguous or malformed cookie, and never takes an API token from a cookie', async () => {
    const { cookie } = await cookieLogin();
    expect((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: `${cookie}; ${cookie}` } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: 'attain_session=not a token' } })).statusCode).toBe(401);
    const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: 'attain_session=atn_abcdefghijklmnopqrstuvwxyz' } });
    expect(me.statusCode).toBe(401);
    expect(me.json().error.code).toBe('invalid_token');
  });

  it('logout (with the CSRF token) ends the session and clears the cookie', async () => {
    const { body, cookie } = await cookieLogin();
    expect((await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie } })).statusCode).toBe(403);
    const out = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie, 'x-attain-csrf': body.csrfToken } });
    expect(out.statusCode).toBe(204);
    expect(cookieOf(out)).toMatch(/^attain_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0/);
    const after = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('session_revoked');
  });
});
