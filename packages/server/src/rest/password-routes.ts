import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { ApiError, forbidden, notFound } from '../http/errors.ts';
import type { JwtService } from '../auth/jwt.ts';
import { hashPassword, verifyAgainstDummy, verifyPassword } from '../auth/password.ts';
import { MAX_PASSWORD_LENGTH, passwordProblems } from '../auth/password-policy.ts';
import { requireText } from '../auth/text-fields.ts';
import { LoginThrottle, type LoginThrottleOptions } from '../auth/login-throttle.ts';
import { isAdmin } from '../rbac/permissions.ts';
import type { Store } from '../store-port.ts';
import { requireAccess } from './request-access.ts';
import { BOOLEAN, object, replies, STRING } from '../http/route-schema.ts';

export interface PasswordRouteOptions {
  store: Store;
  jwt: JwtService;
  /** Attempts per user per window; the current-password check must not become a guessing oracle. */
  rateLimit?: { max: number; timeWindow: number | string };
  /** Wrong current passwords count against the sign-in budgets (see LoginThrottle), on every node. */
  loginThrottle?: Partial<LoginThrottleOptions>;
}

const schema = {
  params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 } } },
  body: {
    type: 'object',
    required: ['password'],
    additionalProperties: false,
    properties: {
      password: { type: 'string', maxLength: MAX_PASSWORD_LENGTH * 4 },
      currentPassword: { type: 'string', maxLength: MAX_PASSWORD_LENGTH * 4 },
    },
  },
  // A user changing their own password from a session gets a fresh token.
  response: replies({ 200: object({ changed: BOOLEAN, token: STRING, expiresAt: STRING }, ['changed']) }),
};

/**
 * `PUT /auth/users/:id/password {password, currentPassword?}`: an admin sets (or first gives) any
 * user of the tenant a password; a user changes their own with their current one. The password
 * policy answers 422 `weak_password` with one detail per broken rule. Every session of the user
 * ends; a user changing their own password from a session gets a fresh token in the answer.
 */
export async function passwordRoutes(app: FastifyInstance, opts: PasswordRouteOptions): Promise<void> {
  const { store, jwt } = opts;
  const limit = opts.rateLimit ?? { max: 10, timeWindow: '1 minute' };
  const throttle = new LoginThrottle(store, opts.loginThrottle);

  app.put(
    '/auth/users/:id/password',
    {
      schema,
      preValidation: requireText('password', 'currentPassword'),
      config: {
        schemaErrorCode: 'validation_failed',
        rateLimit: {
          max: limit.max,
          timeWindow: limit.timeWindow,
          keyGenerator: (request) => `password|${request.ip}|${request.access?.tenantName ?? ''}|${(request.params as { id?: string }).id ?? ''}`,
        },
      },
    },
    async (request, reply) => {
      const access = requireAccess(request);
      const { id } = request.params as { id: string };
      const { password, currentPassword } = request.body as { password: string; currentPassword?: string };
      const self = id === access.principal.userId;
      const admin = isAdmin(access.principal.role);
      if (!self && !admin) throw forbidden("only an admin may set another user's password");

      const tenant = access.tenantName;
      const user = access.registry.object('user') ? await (await store.records(tenant)).get('user', id) : undefined;
      if (!user) throw notFound('no such user');
      const email = typeof user.email === 'string' && user.email ? user.email : undefined;
      if (!email) {
        throw new ApiError(422, 'user_has_no_email', 'the user needs an email address to sign in with', [{ path: '/email', rule: 'required', message: 'the user record has no email' }]);
      }

      // Admins reset without the old password; everyone else proves they know it.
      if (!admin) {
        if (currentPassword === undefined || currentPassword === '') {
          throw new ApiError(422, 'current_password_required', 'give your current password to change it', [{ path: '/currentPassword', rule: 'required', message: 'is required' }]);
        }
        const attempt = await throttle.attempt({ address: request.ip, tenant, email }, reply);
        const credential = await store.auth.findCredential(tenant, email);
        const ok = credential?.userId === id ? await verifyPassword(currentPassword, credential.passwordHash) : await verifyAgainstDummy(currentPassword);
        if (!ok) throw new ApiError(422, 'wrong_current_password', 'the current password is not correct', [{ path: '/currentPassword', rule: 'matches', message: 'is not your current password' }]);
        await attempt.succeeded();
      }

      const problems = passwordProblems(password, { email, name: typeof user.name === 'string' ? user.name : undefined, tenant });
      if (problems.length) throw new ApiError(422, 'weak_password', 'the password does not meet the password policy', problems);

      await store.auth.upsertCredential({ tenant, userId: id, email, passwordHash: await hashPassword(password), active: user.active !== false });
      await store.auth.sessions.revokeAllForUser(tenant, id);
      if (!(self && access.principal.via === 'session')) return { changed: true };
      const jti = randomUUID();
      const signed = jwt.sign({ sub: id, tid: tenant, jti });
      await store.auth.sessions.create({ tenant, userId: id, jti, expiresAt: signed.expiresAt });
      return { changed: true, token: signed.token, expiresAt: signed.expiresAt.toISOString() };
    },
  );
}
