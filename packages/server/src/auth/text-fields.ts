import type { FastifyRequest } from 'fastify';
import { badRequest } from '../http/errors.ts';

/**
 * A `preValidation` hook refusing body fields that are present but not JSON strings. Fastify's
 * validator coerces types (a number becomes text), which is right for query strings but would let
 * `{"password": 1234567890}` through as the password "1234567890"; secrets must be sent as text.
 */
export function requireText(...fields: string[]) {
  return async (request: FastifyRequest): Promise<void> => {
    const body = request.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) return;
    const details = fields.filter((f) => Object.hasOwn(body, f) && typeof (body as Record<string, unknown>)[f] !== 'string').map((f) => ({ path: `/${f}`, rule: 'type', message: 'must be text' }));
    if (details.length) throw badRequest('validation_failed', `${details.map((d) => d.path.slice(1)).join(', ')} must be text`, details);
  };
}
