import type { FastifyRequest } from 'fastify';
import { unauthorized } from '../http/errors.ts';
import type { Principal } from '../rbac/context.ts';
import type { Store, Tenant } from '../store-port.ts';
import type { JwtService } from './jwt.ts';
import { hashApiToken, isApiToken } from './tokens.ts';

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S{1,4096})$/i.exec(header.trim());
  return match?.[1];
}

/**
 * Resolves the caller from `Authorization: Bearer …`: an `atn_` API token (looked up by hash) or a
 * session JWT (signature, expiry, then the session row so logout takes effect at once). The
 * tenant always comes from the credential, never from the request, so one tenant's token can
 * never address another tenant's data. The user record is re-read so a deactivated user or a
 * changed role applies immediately.
 */
export async function authenticate(request: FastifyRequest, store: Store, jwt: JwtService): Promise<Principal> {
  const token = bearer(request);
  if (!token) throw unauthorized('send Authorization: Bearer <token>');
  let tenantName: string;
  let userId: string;
  let extra: Pick<Principal, 'via' | 'sessionId' | 'tokenId'>;
  if (isApiToken(token)) {
    const found = await store.auth.apiTokens.findByHash(hashApiToken(token));
    if (!found) throw unauthorized('the API token is invalid, expired or revoked', 'invalid_token');
    tenantName = found.tenant;
    userId = found.userId;
    extra = { via: 'token', tokenId: found.id };
    await store.auth.apiTokens.touch(found.id);
  } else {
    const claims = jwt.verify(token);
    if (!claims) throw unauthorized('the token is invalid or expired', 'invalid_token');
    if (!(await store.auth.sessions.isActive(claims.jti))) throw unauthorized('the session has ended; log in again', 'session_revoked');
    tenantName = claims.tid;
    userId = claims.sub;
    extra = { via: 'session', sessionId: claims.jti };
  }
  const tenant: Tenant | undefined = await store.tenants.get(tenantName);
  if (!tenant) throw unauthorized('the tenant no longer exists', 'invalid_token');
  const registry = await store.registry(tenant.name);
  const users = await store.records(tenant.name);
  const user = registry.object('user') ? await users.get('user', userId) : undefined;
  if (!user || user.active === false) throw unauthorized('the user is unknown or inactive', 'invalid_token');
  const roleName = typeof user.role === 'string' ? user.role : undefined;
  return { tenant, userId, user, role: roleName ? registry.role(roleName) : undefined, registry, ...extra };
}

/** The user as shown to its owner: no secrets live on the record, but keep the payload small. */
export function publicUser(user: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ['id', 'name', 'email', 'role', 'org_unit_id', 'manager_id', 'active']) {
    if (key in user) out[key] = user[key];
  }
  return out;
}
