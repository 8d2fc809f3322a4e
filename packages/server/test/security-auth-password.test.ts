// Issue #12, finding 15: the password policy was "10 characters or more", so `password12`,
// `aaaaaaaaaa` and `1234567890` were accepted, and a JSON number was coerced to text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, PASSWORD, testServer, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'spw');
});
afterAll(async () => {
  await app.close();
});

const url = (id: string) => `/api/v1/auth/users/${id}/password`;
const tryLogin = (email: string, password: unknown) => app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: t.name, email, password } });

describe('password strength (admin reset and self change)', () => {
  it("refuses common and patterned passwords with the estimator's reason, and changes nothing", async () => {
    const admin = as(app, await login(app, t.name, t.users.admin.email));
    for (const weak of ['password12', 'aaaaaaaaaa', '1234567890', 'qwertyuiop', 'Password123!', 'abcabcabcabc']) {
      const res = await admin.put(url(t.users.repWest.id), { password: weak });
      expect(res.statusCode, weak).toBe(422);
      const { error } = res.json();
      expect(error.code).toBe('weak_password');
      const detail = error.details.find((d: { rule: string }) => d.rule === 'strength');
      expect(detail, weak).toMatchObject({ path: '/password', rule: 'strength' });
      // The reason names what is wrong (zxcvbn's warning or suggestions), not only a score.
      expect(detail.message).toMatch(/too easy to guess \(strength \d of 4, at least 3 needed\): \S+/);
      expect((await tryLogin(t.users.repWest.email, weak)).statusCode).toBe(401);
    }
    expect((await tryLogin(t.users.repWest.email, PASSWORD)).statusCode).toBe(200);
  });

  it("counts the user's own email, name and tenant as known words", async () => {
    const admin = as(app, await login(app, t.name, t.users.admin.email));
    // Strong-looking on its own, weak once the tenant name is known to the attacker.
    const tenantBased = `${t.name}${t.name}`;
    const res = await admin.put(url(t.users.repWest.id), { password: tenantBased });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.map((d: { rule: string }) => d.rule)).toContain('strength');
    const nameBased = await admin.put(url(t.users.finance.id), { password: 'Finance2024' });
    expect(nameBased.statusCode).toBe(422);
  });

  it('keeps the length rule and accepts a strong password', async () => {
    const admin = as(app, await login(app, t.name, t.users.admin.email));
    const short = await admin.put(url(t.users.repEast2.id), { password: 'x7#Kq' });
    expect(short.json().error.details.map((d: { rule: string }) => d.rule)).toEqual(['minLength']);
    expect((await admin.put(url(t.users.repEast2.id), { password: 'violet-harbour-tugboat' })).statusCode).toBe(200);
    expect((await tryLogin(t.users.repEast2.email, 'violet-harbour-tugboat')).statusCode).toBe(200);
  });

  it('applies to a user changing their own password', async () => {
    const self = as(app, await login(app, t.name, t.users.repEast.email));
    const res = await self.put(url(t.users.repEast.id), { password: 'password12', currentPassword: PASSWORD });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('weak_password');
    expect((await tryLogin(t.users.repEast.email, PASSWORD)).statusCode).toBe(200);
  });

  it('refuses a password that is not text with 400 naming the field (no coercion)', async () => {
    const admin = as(app, await login(app, t.name, t.users.admin.email));
    for (const password of [1234567890123, true, ['correct-horse-battery'], { a: 1 }, null]) {
      const res = await admin.put(url(t.users.mgrEast.id), { password });
      expect(res.statusCode, JSON.stringify(password)).toBe(400);
      expect(res.json().error.details).toEqual([{ path: '/password', rule: 'type', message: 'must be text' }]);
    }
    const current = await as(app, await login(app, t.name, t.users.mgrEast.email)).put(url(t.users.mgrEast.id), { password: 'violet-harbour-tugboat', currentPassword: 12345 });
    expect(current.statusCode).toBe(400);
    expect(current.json().error.details[0].path).toBe('/currentPassword');
    expect((await tryLogin(t.users.mgrEast.email, PASSWORD)).statusCode).toBe(200);
  });

  it('refuses a login whose password is not text', async () => {
    const res = await tryLogin(t.users.mgrEast.email, 1234567890);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([{ path: '/password', rule: 'type', message: 'must be text' }]);
  });
});
