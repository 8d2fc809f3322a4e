import type { FastifyRequest } from 'fastify';
import { ApiError, unauthorized } from '../http/errors.ts';
import { cacheKey } from '../cache.ts';
import type { Principal } from '../rbac/context.ts';
import type { Store } from '../store-port.ts';
import type { JwtService } from './jwt.ts';
import type { CachedPrincipal, PrincipalCache } from './principal-cache.ts';
import { hashApiToken, isApiToken } from './tokens.ts';
import { CSRF_HEADER, isSafeMethod, sessionCookie } from './session-cookie.ts';

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S{1,4096})$/i.exec(header.trim());
  return match?.[1];
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Resolves the caller from `Authorization: Bearer …`: an `atn_` API token (looked up by hash) or a
 * session JWT (signature and expiry on every request, then the session row so logout takes
 * effect). The tenant always comes from the credential, never from the request, so one tenant's
 * token can never address another tenant's data. The user record is re-read so a deactivated
 * user or a changed role applies.
 *
 * With a `cache`, the session/token row and the user record are reused for its short TTL (see
 * PrincipalCache for the staleness bound); the tenant's metadata revision is checked on every
 * request, in the one round trip every request makes before its own query.
 */
export async function authenticate(request: FastifyRequest, store: Store, jwt: JwtService, cache?: PrincipalCache): Promise<Principal> {
  // A bearer header wins; the cookie is the studio's way to survive a new tab (session-cookie.ts).
  const header = bearer(request);
  const cookie = header ? undefined : sessionCookie(request);
  const token = header ?? cookie;
  if (!token) throw unauthorized('send Authorization: Bearer <token>');
  // Only a login session lives in the cookie; an API token is for programs, sent as a header.
  if (cookie && isApiToken(cookie)) throw unauthorized('send API tokens as Authorization: Bearer', 'invalid_token');
  const epoch = cache?.epoch ?? 0;
  let key: string;
  let cached: CachedPrincipal | undefined;
  let tenantName: string;
  let userId: string;
  let notAfter = Infinity;
  let extra: Pick<Principal, 'via' | 'sessionId' | 'tokenId' | 'scopes'>;
  if (isApiToken(token)) {
    const hash = hashApiToken(token);
    key = cacheKey('t', hash);
    const hit = cache?.get(key);
    const found = hit ? undefined : await store.auth.apiTokens.findByHash(hash);
    if (hit) {
      cached = hit;
      tenantName = hit.tenant;
      userId = hit.userId;
      extra = { via: 'token', tokenId: hit.tokenId as string, scopes: hit.scopes ?? [] };
    } else {
      if (!found) throw unauthorized('the API token is invalid, expired or revoked', 'invalid_token');
      tenantName = found.tenant;
      userId = found.userId;
      extra = { via: 'token', tokenId: found.id, scopes: found.scopes };
      if (found.expiresAt) notAfter = Date.parse(found.expiresAt);
      // last_used_at is therefore exact to the cache's TTL.
      await store.auth.apiTokens.touch(found.id);
    }
  } else {
    const claims = jwt.verify(token);
    if (!claims) throw unauthorized('the token is invalid or expired', 'invalid_token');
    if (cookie && !isSafeMethod(request.method) && !jwt.checkCsrf(claims.jti, headerValue(request, CSRF_HEADER))) {
      throw new ApiError(403, 'csrf_required', `a change made with the session cookie needs the ${CSRF_HEADER} header holding the session's csrfToken (from login or GET /api/v1/auth/me)`, [
        { path: `/headers/${CSRF_HEADER}`, rule: 'csrf', message: 'missing or wrong anti-CSRF token' },
      ]);
    }
    // The key names all three claims: a cached session serves only the token it was issued as.
    key = cacheKey('s', claims.tid, claims.sub, claims.jti);
    cached = cache?.get(key);
    // The session row must be this tenant's and this user's, not just any live session id.
    if (!cached && !(await store.auth.sessions.isActive(claims.jti, { tenant: claims.tid, userId: claims.sub }))) throw unauthorized('the session has ended; log in again', 'session_revoked');
    tenantName = claims.tid;
    userId = claims.sub;
    notAfter = claims.exp * 1000;
    extra = { via: 'session', sessionId: claims.jti };
  }
  const snapshot = await store.snapshot(tenantName);
  if (!snapshot) throw unauthorized('the tenant no longer exists', 'invalid_token');
  const { tenant, registry } = snapshot;
  let user = cached && cached.tenantId === tenant.id && cached.revision === registry.revision ? cached.user : undefined;
  if (!user) {
    const read = registry.object('user') ? await snapshot.records().get('user', userId) : undefined;
    if (!read || read.active === false) throw unauthorized('the user is unknown or inactive', 'invalid_token');
    user = Object.freeze(read);
  }
  cache?.set(key, { tenant: tenant.name, tenantId: tenant.id, userId, user, revision: registry.revision, ...extra }, epoch, notAfter);
  const roleName = typeof user.role === 'string' ? user.role : undefined;
  return { tenant, userId, user, role: roleName ? registry.role(roleName) : undefined, registry, snapshot, ...extra };
}

/** The user as shown to its owner: no secrets live on the record, but keep the payload small. */
export function publicUser(user: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ['id', 'name', 'email', 'role', 'org_unit_id', 'manager_id', 'active']) {
    if (key in user) out[key] = user[key];
  }
  return out;
}
