import type { FastifyRequest } from 'fastify';

/** The languages Attain words its answers in. */
const LOCALES = new Set(['en', 'zh-CN']);

/**
 * The language a client asks for in `x-attain-locale` (the studio sends the one its user picked),
 * when Attain speaks it; anything else is ignored and the user's profile language holds.
 */
export function requestedLocale(request: FastifyRequest): string | undefined {
  const asked = request.headers['x-attain-locale'];
  return typeof asked === 'string' && LOCALES.has(asked) ? asked : undefined;
}
