import { describe, expect, it } from 'vitest';
import { createSigner } from 'fast-jwt';
import { hashPassword, verifyPassword } from '../src/index.ts';
import { createJwtService } from '../src/auth/jwt.ts';
import { hashApiToken, isApiToken, newApiToken } from '../src/auth/tokens.ts';
import { verifyAgainstDummy } from '../src/auth/password.ts';

describe('password hashing (scrypt)', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('correct horse');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct horsf', hash)).toBe(false);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hashPassword('same', { N: 1024 }), hashPassword('same', { N: 1024 })]);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same', a)).toBe(true);
  });

  it('refuses malformed or hostile stored hashes without throwing', async () => {
    for (const bad of ['', 'plain', 'bcrypt$1$2$3$4$5', 'scrypt$x$8$1$abc$def', 'scrypt$4194304$8$1$c2FsdHNhbHQ$AAAA', 'scrypt$1024$8$1$c2FsdHNhbHQ$AAAA']) {
      expect(await verifyPassword('x', bad)).toBe(false);
    }
    expect(await verifyAgainstDummy('x')).toBe(false);
  });
});

describe('JWT sessions', () => {
  const secret = 'k'.repeat(40);

  it('signs and verifies HS256 tokens with subject, tenant and session id', () => {
    const jwt = createJwtService(secret, 60);
    const signed = jwt.sign({ sub: 'u1', tid: 'acme' });
    const claims = jwt.verify(signed.token);
    expect(claims).toMatchObject({ sub: 'u1', tid: 'acme', jti: signed.jti });
    expect(signed.expiresAt.getTime()).toBeGreaterThan(Date.now());
  });

  it('refuses tampered, foreign, expired and unsigned tokens', () => {
    const jwt = createJwtService(secret, 60);
    const { token } = jwt.sign({ sub: 'u1', tid: 'acme' });
    const [h, p, s] = token.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), tid: 'other' })).toString('base64url');
    expect(jwt.verify(`${h}.${forged}.${s}`)).toBeUndefined();
    expect(createJwtService('z'.repeat(40)).verify(token)).toBeUndefined();
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
    expect(jwt.verify(none)).toBeUndefined();
    const expired = createSigner({ key: secret, algorithm: 'HS256', clockTimestamp: Date.now() - 3_600_000, expiresIn: 1000 })({ sub: 'u', tid: 't', jti: 'j' });
    expect(jwt.verify(expired)).toBeUndefined();
    const noJti = createSigner({ key: secret, algorithm: 'HS256', expiresIn: 60_000 })({ sub: 'u', tid: 't' });
    expect(jwt.verify(noJti)).toBeUndefined();
    expect(jwt.verify('garbage')).toBeUndefined();
  });

  it('insists on a long secret', () => {
    expect(() => createJwtService('short')).toThrow(/32/);
    expect(createJwtService(undefined).ttlSeconds).toBe(8 * 3600);
  });
});

describe('API tokens', () => {
  it('are random, prefixed and stored as a hash', () => {
    const a = newApiToken();
    const b = newApiToken();
    expect(a.token).toMatch(/^atn_/);
    expect(a.token).not.toBe(b.token);
    expect(a.hash).toBe(hashApiToken(a.token));
    expect(a.hash).not.toContain(a.token);
    expect(isApiToken(a.token)).toBe(true);
    expect(isApiToken('atn_')).toBe(false);
    expect(isApiToken('eyJhbGciOi.x.y')).toBe(false);
  });
});
