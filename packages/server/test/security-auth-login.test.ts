// Issue #12, finding 16: login throttling was per address + tenant + email only, so 36 guesses
// over 6 accounts and 30 unknown emails from one address never met a 429 (each a 32 MiB KDF).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createTenant, PASSWORD, testServer, type TestTenant } from './helpers.ts';
import type { LoginThrottleOptions } from '../src/auth/login-throttle.ts';
import type { Store } from '../src/store-port.ts';

let store: Store;
let t: TestTenant;
const servers: FastifyInstance[] = [];

beforeAll(async () => {
  const first = await testServer();
  store = first.store;
  servers.push(first.app);
  t = await createTenant(store, 'slg');
});
afterAll(async () => {
  for (const app of servers) await app.close();
});

// Each test pins its own clock (a different day) so no window edge falls inside it and no test
// sees another's counters; budgets are the defaults unless a test says otherwise.
let day = 0;
async function server(opts: Partial<LoginThrottleOptions> = {}): Promise<FastifyInstance> {
  const at = Date.UTC(2030, 0, 1) + ++day * 86_400_000 + 3_600_000;
  const { app } = await testServer(store, { loginThrottle: { clock: () => at, ...opts } });
  servers.push(app);
  return app;
}

function attempt(app: FastifyInstance, from: string, email: string, password = 'wrong-guess') {
  return app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: from, payload: { tenant: t.name, email, password } });
}

const accounts = () => Object.values(t.users).map((u) => u.email);

describe('login throttling, counted in the database', () => {
  it('gives one address a budget across all accounts and unknown emails, then 429 with Retry-After', async () => {
    const app = await server();
    const from = '198.51.100.10';
    // 6 accounts × 4 guesses, then unknown emails: 30 failures are answered 401.
    for (const email of accounts()) for (let i = 0; i < 4; i++) expect((await attempt(app, from, email)).statusCode).toBe(401);
    for (let i = 0; i < 6; i++) expect((await attempt(app, from, `ghost${i}@nowhere.test`)).statusCode).toBe(401);
    for (const email of [`ghost-next@nowhere.test`, t.users.admin.email]) {
      const res = await attempt(app, from, email);
      expect(res.statusCode).toBe(429);
      expect(res.json().error).toMatchObject({ code: 'rate_limited', details: [{ rule: 'login_address' }] });
      const retry = Number(res.headers['retry-after']);
      expect(retry).toBeGreaterThan(0);
      expect(retry).toBeLessThanOrEqual(15 * 60);
    }
    // Another address is not affected, and the owner still signs in.
    expect((await attempt(app, '198.51.100.11', t.users.admin.email, PASSWORD)).statusCode).toBe(200);
  });

  it('limits one address against one account without locking the account for its owner', async () => {
    const app = await server();
    const attacker = '198.51.100.20';
    for (let i = 0; i < 10; i++) expect((await attempt(app, attacker, t.users.repWest.email)).statusCode).toBe(401);
    const blocked = await attempt(app, attacker, t.users.repWest.email, PASSWORD);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.details[0].rule).toBe('login_account');
    // The attacker may still fail on other accounts (within the address budget)…
    expect((await attempt(app, attacker, t.users.finance.email)).statusCode).toBe(401);
    // …and the owner, from anywhere else, is not locked out.
    expect((await attempt(app, '198.51.100.21', t.users.repWest.email, PASSWORD)).statusCode).toBe(200);
  });

  it('does not count successful sign-ins', async () => {
    const app = await server({ address: { max: 3, windowSeconds: 900 } });
    const from = '198.51.100.30';
    for (let i = 0; i < 2; i++) expect((await attempt(app, from, t.users.repEast.email)).statusCode).toBe(401);
    for (let i = 0; i < 5; i++) expect((await attempt(app, from, t.users.repEast.email, PASSWORD)).statusCode).toBe(200);
    expect((await attempt(app, from, t.users.repEast.email)).statusCode).toBe(401);
    expect((await attempt(app, from, t.users.repEast.email, PASSWORD)).statusCode).toBe(429);
  });

  it('caps failures across the tenant: addresses that failed are refused, a clean address still signs in', async () => {
    const app = await server({ tenant: { max: 3, windowSeconds: 60 } });
    for (const from of ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4']) {
      expect((await attempt(app, from, t.users.mgrEast.email)).statusCode).toBe(401);
    }
    const again = await attempt(app, '203.0.113.1', t.users.mgrEast.email, PASSWORD);
    expect(again.statusCode).toBe(429);
    expect(again.json().error.details[0].rule).toBe('login_tenant');
    expect(Number(again.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect((await attempt(app, '203.0.113.99', t.users.mgrEast.email, PASSWORD)).statusCode).toBe(200);
  });

  it('counts wrong current passwords on a password change against the same budgets', async () => {
    const app = await server({ address: { max: 3, windowSeconds: 900 } });
    const from = '198.51.100.60';
    const token = (await attempt(app, from, t.users.repEast2.email, PASSWORD)).json().token as string;
    const change = (currentPassword: string) =>
      app.inject({
        method: 'PUT',
        url: `/api/v1/auth/users/${t.users.repEast2.id}/password`,
        remoteAddress: from,
        headers: { authorization: `Bearer ${token}` },
        payload: { password: 'quartz-pelican-ribbon', currentPassword },
      });
    for (let i = 0; i < 3; i++) expect((await change('not-my-password')).statusCode).toBe(422);
    const blocked = await change(PASSWORD);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBeDefined();
    expect((await attempt(app, from, t.users.repEast2.email, PASSWORD)).statusCode).toBe(429);
  });

  it('shares the counts between server nodes on one database', async () => {
    const opts = { address: { max: 4, windowSeconds: 900 } };
    const at = Date.UTC(2031, 5, 1, 12);
    const a = (await testServer(store, { loginThrottle: { ...opts, clock: () => at } })).app;
    const b = (await testServer(store, { loginThrottle: { ...opts, clock: () => at } })).app;
    servers.push(a, b);
    const from = '198.51.100.40';
    for (const node of [a, b, a, b]) expect((await attempt(node, from, `nobody@${t.name}.test`)).statusCode).toBe(401);
    expect((await attempt(a, from, t.users.finance.email)).statusCode).toBe(429);
    expect((await attempt(b, from, t.users.finance.email)).statusCode).toBe(429);
  });

  it("behind a trusted proxy, budgets the forwarded client address, not the proxy's", async () => {
    const at = Date.UTC(2032, 0, 1, 12);
    const app = (await testServer(store, { trustProxy: '127.0.0.1', loginThrottle: { address: { max: 2, windowSeconds: 900 }, clock: () => at } })).app;
    servers.push(app);
    const via = (client: string, password = 'wrong-guess') =>
      app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-for': client },
        payload: { tenant: t.name, email: t.users.finance.email, password },
      });
    for (let i = 0; i < 2; i++) expect((await via('192.0.2.50')).statusCode).toBe(401);
    expect((await via('192.0.2.50')).statusCode).toBe(429);
    expect((await via('192.0.2.51', PASSWORD)).statusCode).toBe(200);
  });

  it('refuses budgets that make no sense when the server is built', async () => {
    await expect(testServer(store, { loginThrottle: { address: { max: 0, windowSeconds: 60 } } })).rejects.toThrow(/loginThrottle.address/);
    await expect(testServer(store, { loginThrottle: { tenant: { max: 5, windowSeconds: 0.5 } } })).rejects.toThrow(/loginThrottle.tenant/);
  });

  it('keeps counters per window, never below zero, and prunes old windows', async () => {
    const old = { scope: 'login_address', key: 'prune-test', windowStart: new Date(Date.UTC(2020, 0, 1)) };
    expect(await store.auth.throttle.add([old, { ...old, scope: 'login_tenant' }], 1)).toEqual([1, 1]);
    expect(await store.auth.throttle.add([old], 1)).toEqual([2]);
    expect(await store.auth.throttle.add([old], -5)).toEqual([0]);
    expect(await store.auth.throttle.prune(new Date(Date.UTC(2021, 0, 1)))).toBeGreaterThanOrEqual(2);
    expect(await store.auth.throttle.add([old], -1)).toEqual([0]);
    expect(await store.auth.throttle.add([old], 1)).toEqual([1]);
  });

  it('answers an unknown tenant, an unknown email and a wrong password alike', async () => {
    const app = await server();
    const from = '198.51.100.50';
    const bodies = await Promise.all([
      app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: from, payload: { tenant: 'no_such_tenant_x', email: t.users.admin.email, password: 'x-wrong-1' } }),
      attempt(app, from, `unknown@${t.name}.test`),
      attempt(app, from, t.users.admin.email),
    ]);
    for (const res of bodies) {
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('invalid_credentials');
    }
  });
});
