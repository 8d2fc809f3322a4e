import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The browser session: the login route also sets the session JWT as a cookie, so a new tab or a
 * reload is still signed in while no script can read the token (HttpOnly). SameSite=Strict keeps
 * it off every request another site starts; Secure when the request came over HTTPS (also behind
 * a proxy that says so, with trustProxy). A request that authenticates by this cookie with an
 * unsafe method must also carry CSRF_HEADER with the session's token (JwtService.csrfToken), which
 * a foreign page cannot read nor, without a CORS grant we never give, send.
 */
export const SESSION_COOKIE = 'attain_session';
export const CSRF_HEADER = 'x-attain-csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method.toUpperCase());
}

/** The session cookie's value, if the request carries exactly one well-formed one. */
export function sessionCookie(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string' || header.length > 8192) return undefined;
  const values: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    values.push(part.slice(eq + 1).trim());
  }
  // Two cookies of the name (one planted for a parent domain) are ambiguous: use neither.
  const value = values.length === 1 ? values[0] : undefined;
  return value && /^[A-Za-z0-9_.-]{1,4096}$/.test(value) ? value : undefined;
}

function attributes(request: FastifyRequest): string {
  return `Path=/; HttpOnly; SameSite=Strict${request.protocol === 'https' ? '; Secure' : ''}`;
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, expiresAt: Date): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=${token}; ${attributes(request)}; Expires=${expiresAt.toUTCString()}`);
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=; ${attributes(request)}; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT`);
}
