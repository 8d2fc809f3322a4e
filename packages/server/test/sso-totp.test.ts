// Issue #18 item 2: the TOTP second factor. Roles a tenant marks (default admin and finance) enrol
// at their next sign-in; then every sign-in passes a code (each good once) or a recovery code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Secret, TOTP } from 'otpauth';
import { SEALED_PREFIX, SecretKeys } from '@attain/plugins';
import { randomBytes } from 'node:crypto';
import { rotateSsoSecrets } from '../src/index.ts';
import { ssoSecrets } from '../src/sso/secrets.ts';
import { as, createTenant, PASSWORD, testServer, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';
import { ssoPort } from '../src/sso/settings.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;

beforeAll(async () => {
  ({ app, store } = await testServer(undefined, { sso: { defaultTotpRoles: ['admin', 'finance'] } }));
  t = await createTenant(store, 'totp');
});
afterAll(async () => {
  await app?.close();
});

const post = (url: string, payload: object, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers });
const signIn = (email: string) => post('/auth/login', { tenant: t.name, email, password: PASSWORD });
/** The code of the step `offset` steps from now. */
const codeAt = (secret: string, offset = 0) => new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({ timestamp: Date.now() + offset * 30_000 });

async function enrol(email: string): Promise<{ secret: string; recoveryCodes: string[]; token: string }> {
  const first = await signIn(email);
  expect(first.statusCode, first.body).toBe(200);
  expect(first.json()).toMatchObject({ secondFactor: 'enrol' });
  expect(first.json().token).toBeUndefined();
  const pendingToken = first.json().pendingToken as string;
  const made = await post('/auth/totp/enrol', { pendingToken });
  expect(made.statusCode, made.body).toBe(200);
  const { secret, otpauthUrl } = made.json() as { secret: string; otpauthUrl: string };
  expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\/.+secret=/);
  expect(otpauthUrl).toContain(secret);
  const wrong = await post('/auth/totp/confirm', { pendingToken, code: '000000' === codeAt(secret) ? '111111' : '000000' });
  expect(wrong.statusCode).toBe(401);
  expect(wrong.json().error.code).toBe('totp_invalid');
  const done = await post('/auth/totp/confirm', { pendingToken, code: codeAt(secret) });
  expect(done.statusCode, done.body).toBe(200);
  expect(done.json().recoveryCodes).toHaveLength(10);
  expect(done.json().token).toBeTruthy();
  return { secret, recoveryCodes: done.json().recoveryCodes, token: done.json().token };
}

describe('TOTP second factor', () => {
  it('makes an admin enrol at the next sign-in, keeps the secret sealed, and lets a rep in at once', async () => {
    const { token } = await enrol(t.users.admin.email);
    expect((await as(app, token).get('/api/v1/auth/me')).json().user.id).toBe(t.users.admin.id);
    const row = await (await ssoPort(store, t.name)).table('totp').where({ user_id: t.users.admin.id }).first();
    expect(String(row.secret).startsWith(SEALED_PREFIX)).toBe(true);
    expect(JSON.stringify(row.recovery)).not.toMatch(/[0-9a-f]{5}-[0-9a-f]{5}/);
    const rep = await signIn(t.users.repEast.email);
    expect(rep.json().token).toBeTruthy();
    expect(rep.json().secondFactor).toBeUndefined();
    // A pending enrolment is not a session.
    const pending = (await signIn(t.users.finance.email)).json();
    expect(pending.secondFactor).toBe('enrol');
    expect((await as(app, pending.pendingToken).get('/api/v1/auth/me')).statusCode).toBe(401);
  });

  it('verifies a code once: the same code again is refused, recovery codes are single use', async () => {
    const { secret, recoveryCodes } = await enrol((await addAdmin('second')).email);
    const step = (await signIn(`second@${t.name}.test`)).json();
    expect(step.secondFactor).toBe('totp');
    // The code used to confirm is spent; the next step's code (within the drift window) is good once.
    const spent = await post('/auth/totp/verify', { pendingToken: step.pendingToken, code: codeAt(secret) });
    expect(spent.statusCode).toBe(401);
    const next = codeAt(secret, 1);
    const ok = await post('/auth/totp/verify', { pendingToken: step.pendingToken, code: next });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().token).toBeTruthy();
    // The pending step is gone once used.
    expect((await post('/auth/totp/verify', { pendingToken: step.pendingToken, code: next })).json().error.code).toBe('second_factor_expired');
    const again = (await signIn(`second@${t.name}.test`)).json();
    const replay = await post('/auth/totp/verify', { pendingToken: again.pendingToken, code: next });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('totp_invalid');
    // A recovery code, once.
    const rec = await post('/auth/totp/verify', { pendingToken: again.pendingToken, recoveryCode: recoveryCodes[0] });
    expect(rec.statusCode, rec.body).toBe(200);
    const third = (await signIn(`second@${t.name}.test`)).json();
    expect((await post('/auth/totp/verify', { pendingToken: third.pendingToken, recoveryCode: recoveryCodes[0] })).statusCode).toBe(401);
    expect((await post('/auth/totp/verify', { pendingToken: third.pendingToken, recoveryCode: recoveryCodes[1] })).statusCode).toBe(200);
    // Neither or both of code and recoveryCode: 400.
    expect((await post('/auth/totp/verify', { pendingToken: third.pendingToken })).statusCode).toBe(400);
  });

  it('ends a pending step after five wrong codes, and throttles codes like sign-ins', async () => {
    const { secret } = await enrol((await addAdmin('third')).email);
    const step = (await signIn(`third@${t.name}.test`)).json();
    const bad = codeAt(secret, 1) === '123456' ? '654321' : '123456';
    for (let i = 0; i < 5; i++) expect((await post('/auth/totp/verify', { pendingToken: step.pendingToken, code: bad })).json().error.code).toBe('totp_invalid');
    expect((await post('/auth/totp/verify', { pendingToken: step.pendingToken, code: codeAt(secret, 1) })).json().error.code).toBe('second_factor_expired');
    expect((await post('/auth/totp/verify', { pendingToken: 'garbage', code: '123456' })).json().error.code).toBe('second_factor_expired');

    const { app: tight } = await testServer(store, { sso: { defaultTotpRoles: ['admin'] }, loginThrottle: { account: { max: 2, windowSeconds: 900 } } });
    try {
      const s = (await tight.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: t.name, email: `third@${t.name}.test`, password: PASSWORD } })).json();
      const codes = [];
      for (let i = 0; i < 3; i++)
        codes.push((await tight.inject({ method: 'POST', url: '/api/v1/auth/totp/verify', remoteAddress: '203.0.113.9', payload: { pendingToken: s.pendingToken, code: bad } })).statusCode);
      expect(codes).toEqual([401, 401, 429]);
    } finally {
      await tight.close();
    }
  });

  it("follows the tenant's list of roles, lets any user enrol from a session, and lets an admin reset a lost device", async () => {
    const admin = as(app, (await enrol((await addAdmin('fourth')).email)).token);
    const set = await admin.put('/api/v1/auth/sso/settings', { totpRequiredRoles: ['rep'] });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().data).toMatchObject({ totpRequiredRoles: ['rep'], totpRolesDefault: false });
    expect((await signIn(t.users.repWest.email)).json().secondFactor).toBe('enrol');
    // Finance is no longer required to.
    expect((await signIn(t.users.finance.email)).json().token).toBeTruthy();
    await admin.put('/api/v1/auth/sso/settings', { totpRequiredRoles: null });

    // A manager (not required) adds a factor from a session; from then on it is asked for.
    const mgr = (await signIn(t.users.mgrEast.email)).json();
    const made = await post('/auth/totp/enrol', {}, { authorization: `Bearer ${mgr.token}` });
    expect(made.statusCode, made.body).toBe(200);
    const confirmed = await post('/auth/totp/confirm', { code: codeAt(made.json().secret) }, { authorization: `Bearer ${mgr.token}` });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(confirmed.json().token).toBeUndefined();
    expect((await post('/auth/totp/enrol', {}, { authorization: `Bearer ${mgr.token}` })).json().error.code).toBe('totp_enrolled');
    expect((await signIn(t.users.mgrEast.email)).json().secondFactor).toBe('totp');
    // Without a session or a pending step: 401.
    expect((await post('/auth/totp/enrol', {})).statusCode).toBe(401);

    // Only an admin resets; then the manager signs in by password alone again.
    expect((await as(app, mgr.token).del(`/api/v1/auth/totp/users/${t.users.mgrEast.id}`)).statusCode).toBe(403);
    const reset = await admin.del(`/api/v1/auth/totp/users/${t.users.mgrEast.id}`);
    expect(reset.json()).toEqual({ removed: true });
    expect((await signIn(t.users.mgrEast.email)).json().token).toBeTruthy();
    const audit = JSON.stringify((await admin.get('/api/v1/audit?limit=100')).json());
    for (const action of ['sso.totp.enrol', 'sso.totp.reset', 'sso.totp.failed', 'sso.settings.update']) expect(audit).toContain(action);
  });
});

describe('key rotation', () => {
  it('seals the client secret and the TOTP secrets again with the first key of the ring (attain secrets rotate)', async () => {
    // What the test server sealed with: the key derived from its signing secret.
    const old = ssoSecrets('s'.repeat(40))();
    const port = await ssoPort(store, t.name);
    await port
      .table('settings')
      .insert({ id: 1, client_secret: old.seal('client-secret') })
      .onConflict('id')
      .merge(['client_secret']);
    const before = (await port.table('totp').select('user_id', 'secret')) as Array<{ user_id: string; secret: string }>;
    expect(before.length).toBeGreaterThan(0);
    const fresh = new SecretKeys([randomBytes(32)]);
    const n = await rotateSsoSecrets(store, fresh.followedBy(old), t.name);
    expect(n).toBe(before.length + 1);
    const settings = await port.table('settings').where({ id: 1 }).first();
    expect(fresh.open(settings.client_secret, '/x')).toBe('client-secret');
    for (const row of before) {
      const now = await port.table('totp').where({ user_id: row.user_id }).first();
      expect(fresh.open(now.secret, '/x')).toBe(old.open(row.secret, '/x'));
    }
  });
});

/** Another admin of the tenant (each test enrols its own). */
async function addAdmin(key: string): Promise<{ id: string; email: string }> {
  const { addUser } = await import('./helpers.ts');
  return addUser(store, t, key, 'admin');
}
