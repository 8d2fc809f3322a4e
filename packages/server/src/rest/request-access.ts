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
  }
}

export function requireAccess(request: FastifyRequest): AccessContext {
  if (!request.access) throw unauthorized();
  return request.access;
}
