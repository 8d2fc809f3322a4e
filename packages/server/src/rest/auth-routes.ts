import type { FastifyInstance } from 'fastify';
import { badRequest, forbidden, notFound, unauthorized } from '../http/errors.ts';
import type { JwtService } from '../auth/jwt.ts';
import { LoginThrottle, type LoginThrottleOptions } from '../auth/login-throttle.ts';
import { verifyAgainstDummy, verifyPassword } from '../auth/password.ts';
import { requireText } from '../auth/text-fields.ts';
import { newApiToken } from '../auth/tokens.ts';
import { publicUser } from '../auth/authenticate.ts';
import { clearSessionCookie } from '../auth/session-cookie.ts';
import { objectPermission } from '../rbac/permissions.ts';
import type { Store } from '../store-port.ts';
import { requireAccess } from './request-access.ts';
import { PUBLIC_USER } from './auth-schemas.ts';
import { issueSession } from '../auth/issue-session.ts';
import type { PendingStep } from '../sso/second-factor.ts';
import { ANY, arrayOf, BOOLEAN, INTEGER, list, NO_BODY, NO_CONTENT, nullable, object, OBJECT, params, replies, STRING } from '../http/route-schema.ts';

export interface AuthRouteOptions {
  store: Store;
  jwt: JwtService;
  loginRateLimit: { max: number; timeWindow: number | string };
  /** Failed-login budgets kept in the database (see LoginThrottle); defaults when omitted. */
  loginThrottle?: Partial<LoginThrottleOptions>;
  /** The second-factor step a signed-in user must pass first, if any (sso/second-factor.ts). */
  secondFactor(tenant: string, user: Readonly<Record<string, unknown>> & { id: string }): Promise<PendingStep | undefined>;
}

// Closed shapes (additionalProperties: false): the test server's response check then fails any
// test in which a credential or another stray field reaches a client (PUBLIC_USER: auth-schemas.ts).
/** What a role may do with one object, keyed by the object's name in `/auth/me`. */
const PERMISSION = object({ actions: arrayOf(STRING), scope: STRING, hiddenFields: arrayOf(STRING), readOnlyFields: arrayOf(STRING) }, ['actions', 'scope', 'hiddenFields', 'readOnlyFields']);
/** An API token as listed: never its secret. */
const API_TOKEN = {
  ...object(
    { id: STRING, tenant: STRING, userId: STRING, name: STRING, createdAt: STRING, expiresAt: nullable(STRING), revokedAt: nullable(STRING), lastUsedAt: nullable(STRING), scopes: arrayOf(STRING) },
    ['id', 'name', 'createdAt'],
  ),
  additionalProperties: false,
};

const loginSchema = {
  body: {
    type: 'object',
    required: ['tenant', 'email', 'password'],
    additionalProperties: false,
    properties: {
      tenant: { type: 'string', minLength: 1, maxLength: 100 },
      email: { type: 'string', minLength: 3, maxLength: 320 },
      password: { type: 'string', minLength: 1, maxLength: 1024 },
    },
  },
  // Either the session, or (a user who must pass a second factor) the pending step: see totp-routes.ts.
  response: replies({
    200: {
      ...object({ token: STRING, expiresAt: STRING, csrfToken: STRING, user: PUBLIC_USER, secondFactor: { type: 'string', enum: ['totp', 'enrol'] }, pendingToken: STRING }, ['expiresAt']),
      additionalProperties: false,
    },
  }),
};

/** The scopes an API token may be limited to. */
export const TOKEN_SCOPES = ['scim'] as const;

const tokenSchema = {
  body: {
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 100 },
      expiresInDays: { type: 'integer', minimum: 1, maximum: 3650 },
      // Limits the token to these route groups; omitted: the whole API. `scim` is for identity providers.
      scopes: { type: 'array', maxItems: 5, uniqueItems: true, items: { type: 'string', enum: [...TOKEN_SCOPES] } },
    },
  },
  // The secret is in this answer only.
  response: replies({ 201: object({ id: STRING, name: STRING, token: STRING }, ['id', 'token']) }),
};

export async function authRoutes(app: FastifyInstance, opts: AuthRouteOptions): Promise<void> {
  const { store, jwt } = opts;
  const throttle = new LoginThrottle(store, opts.loginThrottle);

  app.post(
    '/auth/login',
    {
      schema: loginSchema,
      preValidation: requireText('tenant', 'email', 'password'),
      config: {
        public: true,
        // Sign-in's refusals of a malformed body have always been `validation_failed`.
        schemaErrorCode: 'validation_failed',
        rateLimit: {
          max: opts.loginRateLimit.max,
          timeWindow: opts.loginRateLimit.timeWindow,
          // Keyed per IP, tenant and email so one attacker cannot lock out everyone, nor
          // spray one account from one address. Runs after body parsing (hook: preHandler).
          keyGenerator: (request) => {
            const body = (request.body ?? {}) as { tenant?: unknown; email?: unknown };
            return `login|${request.ip}|${String(body.tenant ?? '')}|${String(body.email ?? '').toLowerCase()}`;
          },
        },
      },
    },
    async (request, reply) => {
      const { tenant: tenantName, email, password } = request.body as { tenant: string; email: string; password: string };
      const fail = () => unauthorized('wrong tenant, email or password', 'invalid_credentials');
      // Counted before the (32 MiB) KDF runs, so a refused guess costs one upsert.
      const attempt = await throttle.attempt({ address: request.ip, tenant: tenantName, email }, reply);
      const tenant = await store.tenants.get(tenantName);
      const credential = tenant ? await store.auth.findCredential(tenant.name, email) : undefined;
      if (!tenant || !credential) {
        // Same KDF cost as a real check, so an unknown tenant or email is no timing oracle.
        await verifyAgainstDummy(password);
        throw fail();
      }
      if (!(await verifyPassword(password, credential.passwordHash)) || !credential.active) throw fail();
      const registry = await store.registry(tenant.name);
      const user = registry.object('user') ? await (await store.records(tenant.name)).get('user', credential.userId) : undefined;
      if (!user || user.active === false) throw fail();
      await attempt.succeeded();
      const signedIn = { ...user, id: credential.userId };
      return (await opts.secondFactor(tenant.name, signedIn)) ?? issueSession(store, jwt, request, reply, tenant.name, signedIn);
    },
  );

  app.post('/auth/logout', { schema: { body: NO_BODY, response: replies({ 204: NO_CONTENT }) } }, async (request, reply) => {
    const access = requireAccess(request);
    if (access.principal.via !== 'session' || !access.principal.sessionId) {
      throw badRequest('not_a_session', 'API tokens are revoked with DELETE /api/v1/auth/tokens/:id');
    }
    await store.auth.sessions.revoke(access.principal.sessionId);
    clearSessionCookie(request, reply);
    reply.status(204);
  });

  app.get(
    '/auth/me',
    {
      schema: {
        response: replies({
          200: object(
            {
              user: PUBLIC_USER,
              tenant: object({ name: STRING, revision: INTEGER }),
              role: nullable(object({ name: STRING, label: ANY, admin: BOOLEAN }, ['name', 'admin'])),
              via: STRING,
              permissions: { type: 'object', additionalProperties: PERMISSION },
            },
            ['user', 'tenant', 'role', 'via', 'permissions'],
          ),
        }),
      },
    },
    async (request) => {
      const access = requireAccess(request);
      const { principal } = access;
      const permissions: Record<string, unknown> = {};
      for (const object of principal.registry.objects) {
        const perm = objectPermission(principal.role, object);
        if (!perm.actions.size) continue;
        permissions[object.name] = { actions: [...perm.actions], scope: perm.scope, hiddenFields: [...perm.hiddenFields], readOnlyFields: [...perm.readOnlyFields] };
      }
      return {
        user: publicUser(principal.user),
        tenant: { name: principal.tenant.name, revision: principal.registry.revision },
        role: principal.role ? { name: principal.role.name, label: principal.role.label, admin: principal.role.admin } : null,
        via: principal.via,
        // What a studio tab that signed in by the cookie sends back on changes (session-cookie.ts).
        ...(principal.via === 'session' && principal.sessionId ? { csrfToken: jwt.csrfToken(principal.sessionId) } : {}),
        permissions,
      };
    },
  );

  app.post('/auth/tokens', { schema: tokenSchema, config: { schemaErrorCode: 'validation_failed' } }, async (request, reply) => {
    const access = requireAccess(request);
    // A leaked integration token must not be able to mint more tokens.
    if (access.principal.via !== 'session') throw forbidden('create API tokens from a login session');
    const body = request.body as { name: string; expiresInDays?: number; scopes?: string[] };
    // A SCIM token creates, changes and deactivates people: only an admin may hand one out.
    if (body.scopes?.includes('scim') && !access.principal.role?.admin)
      throw forbidden('only an admin may create a scim token', [{ path: '/scopes', rule: 'admin', message: 'the scim scope needs an admin role' }]);
    const { token, hash } = newApiToken();
    const expiresAt = body.expiresInDays ? new Date(Date.now() + body.expiresInDays * 86_400_000) : null;
    const created = await store.auth.apiTokens.create({
      tenant: access.tenantName,
      userId: access.principal.userId,
      name: body.name,
      tokenHash: hash,
      expiresAt,
      ...(body.scopes ? { scopes: body.scopes } : {}),
    });
    reply.status(201);
    // The only time the secret is ever returned; the store keeps just its hash.
    return { ...created, token };
  });

  app.get('/auth/tokens', { schema: { response: replies({ 200: list(API_TOKEN) }) } }, async (request) => {
    const access = requireAccess(request);
    return { data: await store.auth.apiTokens.list(access.tenantName, access.principal.userId) };
  });

  app.delete('/auth/tokens/:id', { schema: { params: params('id'), response: replies({ 204: NO_CONTENT }) } }, async (request, reply) => {
    const access = requireAccess(request);
    const { id } = request.params as { id: string };
    const mine = await store.auth.apiTokens.list(access.tenantName, access.principal.userId);
    if (!mine.some((t) => t.id === id)) throw notFound('no such token');
    await store.auth.apiTokens.revoke(id);
    reply.status(204);
  });
}
