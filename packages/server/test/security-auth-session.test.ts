// Issue #12, findings 17 and 18: a session token was accepted with any live session id (another
// tenant's, another user's), and what a password change or deactivation ends was undecided.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, PASSWORD, testServer, type TestTenant } from './helpers.ts';
import { createJwtService } from '../src/auth/jwt.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let a: TestTenant;
let b: TestTenant;
// The helpers' server signs with this secret; an attacker holding it is the worst case.
const jwt = createJwtService('s'.repeat(40));

beforeAll(async () => {
  ({ app, store } = await testServer());
  a = await createTenant(store, 'sa');
  b = await createTenant(store, 'sb');
});
afterAll(async () => {
  await app.close();
});

const jtiOf = (token: string): string => (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { jti: string }).jti;
const me = (token: string) => as(app, token).get('/api/v1/auth/me');

describe('a session token is bound to its tenant and user', () => {
  it("refuses a token naming one tenant's admin with another tenant's session", async () => {
    const other = await login(app, b.name, b.users.repWest.email);
    const forged = jwt.sign({ sub: a.users.admin.id, tid: a.name, jti: jtiOf(other) }).token;
    const res = await me(forged);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('session_revoked');
    // The genuine session still works.
    expect((await me(other)).statusCode).toBe(200);
  });

  it('refuses a token naming another user of the same tenant', async () => {
    const rep = await login(app, a.name, a.users.repEast.email);
    const forged = jwt.sign({ sub: a.users.admin.id, tid: a.name, jti: jtiOf(rep) }).token;
    expect((await me(forged)).statusCode).toBe(401);
    // Even right after the genuine token was seen (and cached) on this node.
    expect((await me(rep)).statusCode).toBe(200);
    expect((await me(forged)).statusCode).toBe(401);
  });

  it('accepts a token re-signed with exactly its own claims', async () => {
    const rep = await login(app, a.name, a.users.repEast2.email);
    const same = jwt.sign({ sub: a.users.repEast2.id, tid: a.name, jti: jtiOf(rep) }).token;
    expect((await me(same)).statusCode).toBe(200);
  });
});

describe('what ends when a password changes or a user is deactivated', () => {
  it('a self change ends the other sessions, answers a fresh session, and keeps API tokens', async () => {
    const current = await login(app, a.name, a.users.mgrEast.email);
    const elsewhere = await login(app, a.name, a.users.mgrEast.email);
    const created = await as(app, current).post('/api/v1/auth/tokens', { name: 'ci' });
    expect(created.statusCode).toBe(201);
    const apiToken = created.json().token as string;

    const res = await as(app, current).put(`/api/v1/auth/users/${a.users.mgrEast.id}/password`, { password: 'marble-orchid-lantern', currentPassword: PASSWORD });
    expect(res.statusCode).toBe(200);
    const fresh = res.json().token as string;
    expect((await me(elsewhere)).statusCode).toBe(401);
    expect((await me(current)).statusCode).toBe(401);
    expect((await me(fresh)).statusCode).toBe(200);
    // API tokens are separate credentials (listed, revocable one by one): they stay valid.
    expect((await me(apiToken)).statusCode).toBe(200);
    const listed = (await as(app, fresh).get('/api/v1/auth/tokens')).json().data as Array<{ name: string; revokedAt: string | null }>;
    expect(listed.find((t) => t.name === 'ci')?.revokedAt).toBeNull();
  });

  it("an admin reset ends all the user's sessions and keeps their API tokens", async () => {
    const session = await login(app, a.name, a.users.finance.email);
    const apiToken = (await as(app, session).post('/api/v1/auth/tokens', { name: 'reports' })).json().token as string;
    const admin = as(app, await login(app, a.name, a.users.admin.email));
    expect((await admin.put(`/api/v1/auth/users/${a.users.finance.id}/password`, { password: 'granite-meadow-whistle' })).statusCode).toBe(200);
    expect((await me(session)).statusCode).toBe(401);
    expect((await me(apiToken)).statusCode).toBe(200);
  });

  it('deactivating a user revokes every session and API token for good', async () => {
    const session = await login(app, b.name, b.users.repEast.email);
    const apiToken = (await as(app, session).post('/api/v1/auth/tokens', { name: 'sync' })).json().token as string;
    const admin = as(app, await login(app, b.name, b.users.admin.email));
    expect((await admin.patch(`/api/v1/objects/user/${b.users.repEast.id}`, { active: false })).statusCode).toBe(200);
    expect((await me(session)).statusCode).toBe(401);
    expect((await me(apiToken)).statusCode).toBe(401);
    // Reactivation does not bring the old credentials back.
    expect((await admin.patch(`/api/v1/objects/user/${b.users.repEast.id}`, { active: true })).statusCode).toBe(200);
    expect((await me(session)).statusCode).toBe(401);
    expect((await me(apiToken)).statusCode).toBe(401);
    const tokens = await store.auth.apiTokens.list(b.name, b.users.repEast.id);
    expect(tokens.every((t) => t.revokedAt !== null)).toBe(true);
    expect((await login(app, b.name, b.users.repEast.email).then(me)).statusCode).toBe(200);
  });
});
