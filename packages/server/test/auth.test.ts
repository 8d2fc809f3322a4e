import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, PASSWORD, testServer, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'auth');
});
afterAll(async () => {
  await app.close();
});

describe('login and sessions', () => {
  it('logs in, answers /me, and logs out for good', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: t.name, email: t.users.repEast.email.toUpperCase(), password: PASSWORD } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.user).toMatchObject({ id: t.users.repEast.id, role: 'rep' });
    expect(body.token.split('.')).toHaveLength(3);
    const me = await as(app, body.token).get('/api/v1/auth/me');
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ user: { id: t.users.repEast.id }, tenant: { name: t.name }, role: { name: 'rep', admin: false }, via: 'session' });
    expect(me.json().permissions.deal).toEqual({ actions: ['read', 'create', 'update'], scope: 'own', hiddenFields: ['margin'], readOnlyFields: ['stage'] });
    expect(me.headers['x-request-id']).toMatch(/[0-9a-f-]{36}/);
    expect(me.headers['x-content-type-options']).toBe('nosniff');

    expect((await as(app, body.token).post('/api/v1/auth/logout')).statusCode).toBe(204);
    const after = await as(app, body.token).get('/api/v1/auth/me');
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('session_revoked');
  });

  it('refuses wrong passwords, unknown users and unknown tenants alike', async () => {
    for (const payload of [
      { tenant: t.name, email: t.users.repEast.email, password: 'nope' },
      { tenant: t.name, email: 'ghost@x.test', password: PASSWORD },
      { tenant: 'no_such_tenant', email: t.users.repEast.email, password: PASSWORD },
    ]) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: { code: 'invalid_credentials', message: 'wrong tenant, email or password', details: [] } });
    }
    const bad = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: t.name } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('validation_failed');
    expect(bad.json().error.details[0]).toMatchObject({ path: '/email', rule: 'required' });
  });

  it('refuses requests without or with bad credentials', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/auth/me' })).json().error.code).toBe('unauthorized');
    expect((await as(app, 'not.a.jwt').get('/api/v1/auth/me')).json().error.code).toBe('invalid_token');
    expect((await as(app, 'atn_' + 'x'.repeat(43)).get('/api/v1/auth/me')).json().error.code).toBe('invalid_token');
    const other = await testServer(store, { jwtSecret: 'o'.repeat(40) });
    const foreign = await login(other.app, t.name, t.users.admin.email);
    expect((await as(app, foreign).get('/api/v1/auth/me')).statusCode).toBe(401);
    await other.app.close();
  });

  it('stops a deactivated user at once', async () => {
    const token = await login(app, t.name, t.users.repEast2.email);
    const admin = as(app, await login(app, t.name, t.users.admin.email));
    expect((await admin.patch(`/api/v1/objects/user/${t.users.repEast2.id}`, { active: false })).statusCode).toBe(200);
    expect((await as(app, token).get('/api/v1/auth/me')).statusCode).toBe(401);
    const relogin = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: t.name, email: t.users.repEast2.email, password: PASSWORD } });
    expect(relogin.statusCode).toBe(401);
    expect((await admin.patch(`/api/v1/objects/user/${t.users.repEast2.id}`, { active: true })).statusCode).toBe(200);
  });
});

describe('API tokens', () => {
  it('creates a token shown once, authenticates with it, lists and revokes it', async () => {
    const session = as(app, await login(app, t.name, t.users.finance.email));
    const created = await session.post('/api/v1/auth/tokens', { name: 'payroll export', expiresInDays: 30 });
    expect(created.statusCode).toBe(201);
    const { token, id } = created.json();
    expect(token).toMatch(/^atn_/);
    const viaToken = as(app, token);
    const me = await viaToken.get('/api/v1/auth/me');
    expect(me.json()).toMatchObject({ via: 'token', user: { id: t.users.finance.id } });
    expect((await viaToken.post('/api/v1/auth/logout')).json().error.code).toBe('not_a_session');
    expect((await viaToken.post('/api/v1/auth/tokens', { name: 'more' })).statusCode).toBe(403);

    const list = await session.get('/api/v1/auth/tokens');
    expect(list.json().data.map((x: { id: string }) => x.id)).toContain(id);
    expect(JSON.stringify(list.json())).not.toContain(token);

    const other = as(app, await login(app, t.name, t.users.repWest.email));
    expect((await other.del(`/api/v1/auth/tokens/${id}`)).statusCode).toBe(404);

    expect((await session.del(`/api/v1/auth/tokens/${id}`)).statusCode).toBe(204);
    expect((await viaToken.get('/api/v1/auth/me')).statusCode).toBe(401);
    expect((await session.post('/api/v1/auth/tokens', { name: '' })).statusCode).toBe(400);
  });
});

describe('login rate limit', () => {
  it('limits attempts per IP, tenant and email', async () => {
    const limited = await testServer(store, { loginRateLimit: { max: 3, timeWindow: '1 minute' } });
    const attempt = (email: string) => limited.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: t.name, email, password: 'wrong' } });
    for (let i = 0; i < 3; i++) expect((await attempt(t.users.repWest.email)).statusCode).toBe(401);
    const blocked = await attempt(t.users.repWest.email);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('rate_limited');
    expect(blocked.headers['retry-after']).toBeDefined();
    // Another account from the same address is not locked out.
    expect((await attempt(t.users.finance.email)).statusCode).toBe(401);
    await limited.app.close();
  });
});
