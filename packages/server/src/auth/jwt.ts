import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createSigner, createVerifier } from 'fast-jwt';

export interface SessionClaims {
  /** user id */
  sub: string;
  /** tenant id */
  tid: string;
  /** session id, checked against the store on every request so logout is immediate */
  jti: string;
  exp: number;
  iat: number;
}

export interface JwtService {
  sign(claims: { sub: string; tid: string; jti?: string }): { token: string; jti: string; expiresAt: Date };
  verify(token: string): SessionClaims | undefined;
  /**
   * The anti-CSRF token of a session: an HMAC of its id under the signing key, so it needs no
   * storage, and a page that cannot read our responses cannot know it.
   */
  csrfToken(jti: string): string;
  /** Whether `given` is the session's anti-CSRF token (constant time). */
  checkCsrf(jti: string, given: string | undefined): boolean;
  ttlSeconds: number;
}

/** HS256 only: the verifier pins the algorithm so a token cannot choose `none` or another key type. */
export function createJwtService(secret: string | undefined, ttlSeconds = 8 * 3600): JwtService {
  // Without a configured secret each process makes its own: fine for one node and for tests,
  // but several nodes must share `jwtSecret`.
  const key = secret ?? randomBytes(32).toString('base64url');
  if (key.length < 32) throw new Error('jwtSecret must be at least 32 characters');
  const signer = createSigner({ key, algorithm: 'HS256', expiresIn: ttlSeconds * 1000 });
  // cache: a token verified once is not verified (HMAC, JSON) again until it expires; the
  // session row is still checked (PrincipalCache) so a logout takes effect.
  const verifier = createVerifier({ key, algorithms: ['HS256'], requiredClaims: ['sub', 'tid', 'jti', 'exp'], cache: 10_000 });
  const csrfToken = (jti: string) => createHmac('sha256', key).update(`csrf|${jti}`).digest('base64url');
  return {
    ttlSeconds,
    csrfToken,
    checkCsrf(jti, given) {
      if (typeof given !== 'string') return false;
      const want = Buffer.from(csrfToken(jti));
      const got = Buffer.from(given);
      return got.length === want.length && timingSafeEqual(got, want);
    },
    sign(claims) {
      const jti = claims.jti ?? randomUUID();
      const token = signer({ sub: claims.sub, tid: claims.tid, jti });
      return { token, jti, expiresAt: new Date(Date.now() + ttlSeconds * 1000) };
    },
    verify(token) {
      try {
        const payload = verifier(token) as Partial<SessionClaims>;
        if (typeof payload.sub !== 'string' || typeof payload.tid !== 'string' || typeof payload.jti !== 'string') return undefined;
        return payload as SessionClaims;
      } catch {
        return undefined;
      }
    },
  };
}
