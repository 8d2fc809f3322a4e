import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * helmet's response headers, computed once. They do not depend on the request (no CSP nonces),
 * so running helmet per request — what @fastify/helmet does, rebuilding its middleware and
 * re-parsing the CSP directives each time — only cost time (5 % of a cached list request).
 */
export function securityHeaders(options: Readonly<HelmetOptions>): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: unknown) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let done = false;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, () => {
    done = true;
  });
  // helmet's middleware is synchronous today; fail fast should that ever change.
  if (!done) throw new Error('helmet did not complete synchronously');
  return headers;
}

/** Sets the security headers on every response (a route may still override one, e.g. the studio's CSP). */
export function registerSecurityHeaders(app: FastifyInstance, options: Readonly<HelmetOptions>): void {
  const headers = securityHeaders(options);
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}
