import type { FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from '../http/errors.ts';
import type { AccessContext } from '../rbac/context.ts';

declare module 'fastify' {
  interface FastifyRequest {
    access?: AccessContext;
  }
  interface FastifyContextConfig {
    /** Route needs no authentication. */
    public?: boolean;
    /**
     * The API-token scope this route belongs to (e.g. `scim`). A token limited to scopes reaches
     * only routes of one of them; the route itself decides whether it also admits other callers.
     */
    tokenScope?: string;
    /** One code for every schema refusal of this route, instead of one per request part (see useRequestValidation). */
    schemaErrorCode?: string;
  }
}

export function requireAccess(request: FastifyRequest): AccessContext {
  if (!request.access) throw unauthorized();
  return request.access;
}

/** Refuses a scope-limited API token on a route outside its scopes (checked after authentication). */
export function assertTokenScope(request: FastifyRequest): void {
  const scopes = request.access?.principal.scopes;
  if (!scopes?.length) return;
  const scope = request.routeOptions.config.tokenScope;
  if (scope === undefined || !scopes.includes(scope)) {
    throw forbidden(`this API token is limited to ${scopes.join(', ')}`, [{ path: '/authorization', rule: 'token_scope', message: `the route is outside the token's scopes (${scopes.join(', ')})` }]);
  }
}
