import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../store-port.ts';
import { publicUser } from './authenticate.ts';
import type { JwtService } from './jwt.ts';
import { setSessionCookie } from './session-cookie.ts';

export interface IssuedSession {
  token: string;
  expiresAt: string;
  csrfToken: string;
  user: Record<string, unknown>;
}

/** A login session (JWT, session row, cookie): the one ending of a password, OIDC or second-factor sign-in. */
export async function issueSession(
  store: Store,
  jwt: JwtService,
  request: FastifyRequest,
  reply: FastifyReply,
  tenant: string,
  user: Readonly<Record<string, unknown>> & { id: string },
): Promise<IssuedSession> {
  const jti = randomUUID();
  const signed = jwt.sign({ sub: user.id, tid: tenant, jti });
  await store.auth.sessions.create({ tenant, userId: user.id, jti, expiresAt: signed.expiresAt });
  setSessionCookie(request, reply, signed.token, signed.expiresAt);
  return { token: signed.token, expiresAt: signed.expiresAt.toISOString(), csrfToken: jwt.csrfToken(jti), user: publicUser(user) };
}
