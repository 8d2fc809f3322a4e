import type { FastifyRequest } from 'fastify';
import { unauthorized } from '../http/errors.ts';
import type { AccessContext } from '../rbac/context.ts';

declare module 'fastify' {
  interface FastifyRequest {
    access?: AccessContext;
  }
  interface FastifyContextConfig {
    /** Route needs no authentication. */
    public?: boolean;
    /** One code for every schema refusal of this route, instead of one per request part (see useRequestValidation). */
    schemaErrorCode?: string;
  }
}

export function requireAccess(request: FastifyRequest): AccessContext {
  if (!request.access) throw unauthorized();
  return request.access;
}
