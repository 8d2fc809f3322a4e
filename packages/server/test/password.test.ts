import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, PASSWORD, testServer, type TestTenant } from './helpers.ts';
import { passwordProblems } from '../src/auth/password-policy.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'pwd');
});
afterAll(async () => {
  await app.close();
});

const url = (id: string) => `/api/v1/auth/users/${id}/password`;
const tryLogin = (email: string, password: string) => app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: t.name, email, password } });

describe('password policy', () => {
  it('names each broken rule', () => {
    expect(passwordProblems('short', 'a@b.test').map((p) => p.rule)).toEqual(['minLength']);
    expect(passwordProblems('someone@example.test', 'Someone@Example.test').map((p) => p.rule)).toEqual(['not_email']);
    expect(passwordProblems('longenough', 'longenough@x.test').map((p) => p.rule)).toEqual(['not_email']);
    expect(passwordProblems('x'.repeat(1025), undefined).map((p) => p.rule)).toEqual(['maxLength']);
    expect(passwordProblems('correct horse battery', 'a@b.test')).toEqual([]);
    // Counted as characters, not UTF-16 units or bytes.
    expect(passwordProblems('春眠不觉晓处处闻啼鸟', 'a@b.test')).toEqual([]);
  });
});

describe('PUT /auth/users/:id/password', () => {
  it('lets an admin give a new user a password, then that user signs in', async () => {
    const admin = as(app, await login(app, t.name, t.users.admin.email));
    const created = await admin.post(`/api/v1/objects/user`, { name: 'New Person', email: `new@${t.name}.test`, role: 'rep', active: true });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    expect((await tryLogin(`new@${t.name}.test`, 'first-password-1')).statusCode).toBe(401);
    const res = await admin.put(url(id), { password: 'first-password-1' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ changed: true });
    expect((await tryLogin(`new@${t.name}.test`, 'first-password-1')).statusCode).toBe(200);
  });

  it('answers 422 with one detail per broken rule', async () => {
    const admin = as(app, await login(app, t.name, t.users.admin.email));
    const short = await admin.put(url(t.users.repWest.id), { password: 'abc' });
    expect(short.statusCode).toBe(422);
    expect(short.json()).toEqual({
      error: { code: 'weak_password', message: 'the password does not meet the password policy', details: [{ path: '/password', rule: 'minLength', message: 'must be at least 10 characters' }] },
    });
    const email = await admin.put(url(t.users.repWest.id), { password: t.users.repWest.email.toUpperCase() });
    expect(email.statusCode).toBe(422);
    expect(email.json().error.details).toEqual([{ path: '/password', rule: 'not_email', message: 'must not be the email address' }]);
    const shape = await admin.put(url(t.users.repWest.id), { pass: 'x' });
    expect(shape.statusCode).toBe(400);
    expect((await admin.put(url('00000000-0000-7000-8000-000000000000'), { password: 'long-enough-1' })).statusCode).toBe(404);
    expect((await admin.put(url('not-a-uuid'), { password: 'long-enough-1' })).statusCode).toBe(404);
  });

  it('lets a user change their own password with the current one, ending other sessions', async () => {
    const me = t.users.repEast2;
    const other = await login(app, t.name, me.email);
    const token = await login(app, t.name, me.email);
    const self = as(app, token);
    const missing = await self.put(url(me.id), { password: 'my-new-password-1' });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().error).toMatchObject({ code: 'current_password_required', details: [{ path: '/currentPassword', rule: 'required' }] });
    const wrong = await self.put(url(me.id), { password: 'my-new-password-1', currentPassword: 'not-it-at-all' });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().error).toMatchObject({ code: 'wrong_current_password', details: [{ path: '/currentPassword', rule: 'matches' }] });
    const weak = await self.put(url(me.id), { password: 'short', currentPassword: PASSWORD });
    expect(weak.json().error.code).toBe('weak_password');

    const ok = await self.put(url(me.id), { password: 'my-new-password-1', currentPassword: PASSWORD });
    expect(ok.statusCode).toBe(200);
    const fresh = ok.json() as { token: string; expiresAt: string };
    expect(fresh.token).toBeTruthy();
    expect((await as(app, other).get('/api/v1/auth/me')).statusCode).toBe(401);
    expect((await self.get('/api/v1/auth/me')).statusCode).toBe(401);
    expect((await as(app, fresh.token).get('/api/v1/auth/me')).statusCode).toBe(200);
    expect((await tryLogin(me.email, PASSWORD)).statusCode).toBe(401);
    expect((await tryLogin(me.email, 'my-new-password-1')).statusCode).toBe(200);
  });

  it("refuses a non-admin setting someone else's password", async () => {
    const rep = as(app, await login(app, t.name, t.users.repEast.email));
    const res = await rep.put(url(t.users.repWest.id), { password: 'hijacked-password', currentPassword: PASSWORD });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('forbidden');
  });

  it('checks an API token holder like anyone else', async () => {
    const session = await login(app, t.name, t.users.mgrEast.email);
    const minted = await as(app, session).post('/api/v1/auth/tokens', { name: 'ci' });
    const viaToken = as(app, minted.json().token as string);
    const res = await viaToken.put(url(t.users.mgrEast.id), { password: 'manager-new-pass', currentPassword: PASSWORD });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ changed: true });
  });

  it('limits attempts per user', async () => {
    const { app: limited } = await testServer(store);
    try {
      const token = await login(limited, t.name, t.users.finance.email);
      const codes: number[] = [];
      for (let i = 0; i < 11; i++) codes.push((await as(limited, token).put(url(t.users.finance.id), { password: 'whatever-pass', currentPassword: 'wrong-guess' })).statusCode);
      expect(codes.slice(0, 10).every((c) => c === 422)).toBe(true);
      expect(codes[10]).toBe(429);
    } finally {
      await limited.close();
    }
  });
});
