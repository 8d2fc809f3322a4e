// Issue #18 item 2: OIDC sign-in per tenant (authorization code + PKCE) against a local provider
// (panva's oidc-provider): the full flow, JIT creation with role mapping, cross-tenant refusal,
// bad and replayed states, deactivated users, the outbound check of the issuer, a sealed secret.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { SEALED_PREFIX } from '@attain/plugins';
import { as, createTenant, login, testServer, type TestTenant } from './helpers.ts';
import { startProvider, type LocalProvider } from './oidc-provider.ts';
import type { Store } from '../src/store-port.ts';
import { ssoPort } from '../src/sso/settings.ts';
import { guardedFetch } from '../src/sso/guarded-fetch.ts';

const PUBLIC = 'http://attain.test';
let app: FastifyInstance;
let store: Store;
let idp: LocalProvider;
let a: TestTenant;
let b: TestTenant;

const callbackOf = (tenant: string) => `${PUBLIC}/api/v1/auth/oidc/${tenant}/callback`;

beforeAll(async () => {
  const first = await testServer();
  store = first.store;
  await first.app.close();
  a = await createTenant(store, 'ssoa');
  b = await createTenant(store, 'ssob');
  idp = await startProvider({ clientId: 'attain', clientSecret: 'client-secret-1', redirectUris: [callbackOf(a.name), callbackOf(b.name)] });
  ({ app } = await testServer(store, { sso: { allowHosts: [idp.host], publicUrl: PUBLIC, defaultTotpRoles: [] } }));
  const oidc = { issuer: idp.issuer, clientId: 'attain', clientSecret: 'client-secret-1', scopes: ['openid', 'email', 'profile', 'groups'] };
  const setA = await as(app, await login(app, a.name, a.users.admin.email)).put('/api/v1/auth/sso/settings', {
    oidc: { ...oidc, label: 'Corp SSO', jit: true, roleMap: { sales: 'rep', money: 'finance' }, defaultRole: null, allowedDomains: [`${a.name}.test`, 'corp.test'] },
  });
  expect(setA.statusCode, setA.body).toBe(200);
  const setB = await as(app, await login(app, b.name, b.users.admin.email)).put('/api/v1/auth/sso/settings', { oidc: { ...oidc, jit: false } });
  expect(setB.statusCode, setB.body).toBe(200);
}, 60_000);
afterAll(async () => {
  await app?.close();
  await idp?.close();
});

function cookieOf(res: LightMyRequestResponse, name: string): string | undefined {
  const raw = res.headers['set-cookie'];
  const all = Array.isArray(raw) ? raw : raw ? [raw] : [];
  const found = all.find((c) => c.startsWith(`${name}=`));
  return found?.split(';')[0]?.slice(name.length + 1);
}

/** Starts a sign-in at `tenant`, signs in at the provider as `login`: the callback URL and the browser cookie. */
async function throughProvider(tenant: string, loginAs: string): Promise<{ callback: URL; browser: string }> {
  const start = await app.inject({ method: 'GET', url: `/api/v1/auth/oidc/${tenant}/start` });
  expect(start.statusCode, start.body).toBe(302);
  const location = String(start.headers.location);
  const auth = new URL(location);
  expect(auth.origin).toBe(idp.issuer);
  expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
  expect(auth.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(auth.searchParams.get('state')).toBeTruthy();
  expect(auth.searchParams.get('nonce')).toBeTruthy();
  const browser = cookieOf(start, 'attain_oidc');
  expect(browser).toBeTruthy();
  return { callback: await idp.signIn(location, loginAs), browser: browser as string };
}

function callback(url: URL, browser: string | undefined, tenant?: string) {
  const path = tenant ? url.pathname.replace(/oidc\/[^/]+\/callback/, `oidc/${tenant}/callback`) : url.pathname;
  return app.inject({ method: 'GET', url: `${path}${url.search}`, headers: browser ? { cookie: `attain_oidc=${browser}` } : {} });
}

async function me(res: LightMyRequestResponse) {
  const session = cookieOf(res, 'attain_session');
  expect(session, res.body).toBeTruthy();
  return app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: `attain_session=${session}` } });
}

describe('OIDC sign-in per tenant', () => {
  it('keeps the client secret sealed and never answers it; the login page learns SSO is on', async () => {
    const admin = as(app, await login(app, a.name, a.users.admin.email));
    const got = await admin.get('/api/v1/auth/sso/settings');
    expect(got.statusCode).toBe(200);
    expect(got.body).not.toContain('client-secret-1');
    expect(got.json().data).toMatchObject({ hasClientSecret: true, oidc: { issuer: idp.issuer, clientId: 'attain', jit: true } });
    const row = await (await ssoPort(store, a.name)).table('settings').first();
    expect(String(row.client_secret).startsWith(SEALED_PREFIX)).toBe(true);
    expect(JSON.stringify(row)).not.toContain('client-secret-1');
    expect((await app.inject({ method: 'GET', url: `/api/v1/auth/sso/${a.name}` })).json()).toEqual({ oidc: true, label: 'Corp SSO' });
    expect((await app.inject({ method: 'GET', url: '/api/v1/auth/sso/no-such-tenant' })).json()).toEqual({ oidc: false });
    // Only an admin reads or changes them.
    const rep = as(app, await login(app, a.name, a.users.repEast.email));
    expect((await rep.get('/api/v1/auth/sso/settings')).statusCode).toBe(403);
    expect((await rep.put('/api/v1/auth/sso/settings', { oidc: null })).statusCode).toBe(403);
  });

  it('signs an existing user in with code + PKCE and gives the password login session', async () => {
    idp.accounts.set('east', { email: a.users.repEast.email.toUpperCase(), email_verified: true, name: 'East' });
    const { callback: url, browser } = await throughProvider(a.name, 'east');
    expect(url.origin + url.pathname).toBe(callbackOf(a.name));
    const res = await callback(url, browser);
    expect(res.statusCode, res.body).toBe(302);
    expect(res.headers.location).toBe('/');
    const who = await me(res);
    expect(who.statusCode).toBe(200);
    expect(who.json()).toMatchObject({ user: { id: a.users.repEast.id }, tenant: { name: a.name }, via: 'session' });
    // The state is single use: the same callback again is refused.
    const again = await callback(url, browser);
    expect(again.statusCode).toBe(400);
    expect(again.json().error.code).toBe('oidc_state');
  });

  it('creates an unknown user just in time with the role its groups map to', async () => {
    idp.accounts.set('newbie', { email: 'newbie@corp.test', email_verified: true, name: 'New Bie', groups: ['other', 'sales'] });
    const { callback: url, browser } = await throughProvider(a.name, 'newbie');
    const res = await callback(url, browser);
    expect(res.statusCode, res.body).toBe(302);
    const who = (await me(res)).json();
    expect(who.user).toMatchObject({ email: 'newbie@corp.test', name: 'New Bie', role: 'rep', active: true });
    const audit = await as(app, await login(app, a.name, a.users.admin.email)).get(`/api/v1/audit?limit=50`);
    expect(JSON.stringify(audit.json())).toContain('sso.oidc.jit_create');
    // No mapped group and no default role: refused, and the refusal is audited.
    idp.accounts.set('nogroup', { email: 'nogroup@corp.test', email_verified: true, groups: ['other'] });
    const flow = await throughProvider(a.name, 'nogroup');
    const refused = await callback(flow.callback, flow.browser);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('oidc_no_role');
    // A domain the tenant does not allow.
    idp.accounts.set('outsider', { email: 'x@elsewhere.test', email_verified: true, groups: ['sales'] });
    const out = await throughProvider(a.name, 'outsider');
    expect((await callback(out.callback, out.browser)).json().error.code).toBe('oidc_domain');
    // A browser is sent back to the sign-in page, which says what failed.
    const html = await throughProvider(a.name, 'outsider');
    const back = await app.inject({ method: 'GET', url: `${html.callback.pathname}${html.callback.search}`, headers: { cookie: `attain_oidc=${html.browser}`, accept: 'text/html,*/*' } });
    expect(back.statusCode).toBe(302);
    expect(back.headers.location).toBe('/#sso-error=oidc_domain');
  });

  it("never signs a user of one tenant into another: B's state, users and JIT setting are B's", async () => {
    // A's admin through B's sign-in: B has no such user and no JIT.
    idp.accounts.set('a-admin', { email: a.users.admin.email, email_verified: true });
    const viaB = await throughProvider(b.name, 'a-admin');
    const res = await callback(viaB.callback, viaB.browser);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('oidc_user_unknown');
    expect(cookieOf(res, 'attain_session')).toBeUndefined();
    // A callback A started, replayed at B's callback: B does not know A's state.
    const viaA = await throughProvider(a.name, 'east');
    const crossed = await callback(viaA.callback, viaA.browser, b.name);
    expect(crossed.statusCode).toBe(400);
    expect(crossed.json().error.code).toBe('oidc_state');
    // … and it is still good at A, where it belongs.
    expect((await callback(viaA.callback, viaA.browser)).statusCode).toBe(302);
  });

  it('refuses a bad state, a callback from another browser, a deactivated user and an unconfigured tenant', async () => {
    const flow = await throughProvider(a.name, 'east');
    const forged = new URL(flow.callback);
    forged.searchParams.set('state', 'forged-state');
    expect((await callback(forged, flow.browser)).json().error.code).toBe('oidc_state');
    const noCookie = await callback(flow.callback, undefined);
    expect(noCookie.statusCode).toBe(400);
    expect(noCookie.json().error.code).toBe('oidc_state');
    expect((await callback(flow.callback, 'someone-elses-cookie')).json().error.code).toBe('oidc_state');

    const records = await store.records(a.name);
    await records.update('user', a.users.repWest.id, { active: false }, { userId: null, label: 'test' });
    idp.accounts.set('west', { email: a.users.repWest.email, email_verified: true });
    const west = await throughProvider(a.name, 'west');
    const res = await callback(west.callback, west.browser);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('oidc_user_inactive');

    const c = await createTenant(store, 'ssoc');
    const none = await app.inject({ method: 'GET', url: `/api/v1/auth/oidc/${c.name}/start` });
    expect(none.statusCode).toBe(404);
    expect(none.json().error.code).toBe('oidc_not_configured');
    expect((await app.inject({ method: 'GET', url: '/api/v1/auth/oidc/nope/start' })).json().error.code).toBe('oidc_not_configured');
  });

  it('connects to the provider only where the outbound guard allows (the address connected to is checked)', async () => {
    const discovery = `${idp.issuer}/.well-known/openid-configuration`;
    await expect(guardedFetch([])(discovery, { method: 'GET', headers: {} })).rejects.toThrow(/private|loopback|not allowed/);
    await expect(guardedFetch([])('http://169.254.169.254/latest/meta-data', { method: 'GET', headers: {} })).rejects.toThrow();
    const ok = await guardedFetch([idp.host])(discovery, { method: 'GET', headers: { accept: 'application/json' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/application\/json/);
    expect((await ok.json()).issuer).toBe(idp.issuer);
    // A form body (the token request) is sent as such.
    const token = await guardedFetch([idp.host])(`${idp.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x' }),
    });
    expect(token.status).toBe(400);
    expect((await token.json()).error).toMatch(/^invalid_/);
  });

  it('holds the issuer to the outbound guard, and the settings to real roles', async () => {
    const admin = as(app, await login(app, a.name, a.users.admin.email));
    const meta = await admin.put('/api/v1/auth/sso/settings', { oidc: { issuer: 'http://169.254.169.254/latest', clientId: 'x' } });
    expect(meta.statusCode).toBe(422);
    expect(meta.json().error).toMatchObject({ code: 'ssrf_blocked', details: [{ path: '/oidc/issuer', rule: 'ssrf_blocked' }] });
    const role = await admin.put('/api/v1/auth/sso/settings', { oidc: { roleMap: { sales: 'emperor' } } });
    expect(role.statusCode).toBe(422);
    expect(role.json().error.details[0]).toMatchObject({ path: '/oidc/roleMap/sales', rule: 'unknown_role' });
    const stray = await admin.put('/api/v1/auth/sso/settings', { oidc: { clientSecrets: 'x' } });
    expect(stray.statusCode).toBe(400);
    // A server that does not allow the local provider refuses it as a loopback target.
    const { app: strict } = await testServer(store);
    try {
      const res = await as(strict, await login(strict, b.name, b.users.admin.email)).put('/api/v1/auth/sso/settings', { oidc: { issuer: idp.issuer, clientId: 'attain' } });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe('ssrf_blocked');
    } finally {
      await strict.close();
    }
  });
});
