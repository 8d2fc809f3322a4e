import { randomBytes, randomUUID } from 'node:crypto';
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
  return {
    ttlSeconds,
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
