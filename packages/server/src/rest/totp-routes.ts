// TOTP second factor: `POST /auth/totp/enrol`, `/confirm`, `/verify`, and an admin's
// `DELETE /auth/totp/users/:id` (a lost device). Enrol and confirm take either a pending sign-in
// step (`pendingToken`: a user whose role requires the factor signs in without one) or a login
// session (a user who adds it of their own accord); verify completes a pending sign-in.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, forbidden, notFound } from '../http/errors.ts';
import { issueSession } from '../auth/issue-session.ts';
import { LoginThrottle } from '../auth/login-throttle.ts';
import { isAdmin } from '../rbac/permissions.ts';
import { dropPending, failPending, getPending, parsePendingToken } from '../sso/pending.ts';
import { SECOND_FACTOR_KIND, type SecondFactorData } from '../sso/second-factor.ts';
import { ssoPort } from '../sso/settings.ts';
import { confirmTotp, enrolTotp, removeTotp, verifyTotp } from '../sso/totp.ts';
import type { SsoContext } from '../sso/options.ts';
import type { SsoPort } from '../sso/tables.ts';
import { requireAccess } from './request-access.ts';
import { arrayOf, BOOLEAN, object, params, replies, STRING } from '../http/route-schema.ts';
import { PUBLIC_USER } from './auth-schemas.ts';

/** Wrong codes one pending step takes before it is gone. */
const MAX_CODES_PER_STEP = 5;
const TOKEN = { type: 'string', minLength: 1, maxLength: 400 };
const CODE = { type: 'string', minLength: 1, maxLength: 20 };
const SESSION = { token: STRING, expiresAt: STRING, csrfToken: STRING, user: PUBLIC_USER };

interface Subject {
  port: SsoPort;
  tenant: string;
  user: Readonly<Record<string, unknown>> & { id: string };
  /** The pending step, when the caller is in the middle of a sign-in. */
  pending?: { id: string; data: SecondFactorData };
}

const expired = () =>
  new ApiError(401, 'second_factor_expired', 'the sign-in step has expired or is unknown; sign in again', [{ path: '/pendingToken', rule: 'pending', message: 'no such pending sign-in' }]);
const wrongCode = (path: string) => new ApiError(401, 'totp_invalid', 'the code is wrong, expired or already used', [{ path, rule: 'totp', message: 'not a valid, unused code' }]);

export async function totpRoutes(app: FastifyInstance, ctx: SsoContext): Promise<void> {
  const throttle = new LoginThrottle(ctx.store, ctx.loginThrottle);

  async function subject(request: FastifyRequest, token: string | undefined, step?: SecondFactorData['step']): Promise<Subject> {
    if (token === undefined) {
      const principal = await ctx.authenticate(request);
      if (principal.via !== 'session') throw forbidden('set up a second factor from a login session');
      return { port: await ssoPort(ctx.store, principal.tenant.name), tenant: principal.tenant.name, user: { ...principal.user, id: principal.userId } };
    }
    const { tenant: name, secret } = parsePendingToken(token);
    const tenant = await ctx.store.tenants.get(name);
    if (!tenant) throw expired();
    const port = await ssoPort(ctx.store, tenant.name);
    const pending = await getPending<SecondFactorData>(port, SECOND_FACTOR_KIND, secret);
    if (!pending || (step && pending.data.step !== step)) throw expired();
    const user = (await (await ctx.store.records(tenant.name)).get('user', pending.data.userId)) as (Record<string, unknown> & { id: string }) | undefined;
    if (!user || user.active === false) throw expired();
    return { port, tenant: tenant.name, user, pending: { id: pending.id, data: pending.data } };
  }

  /** Counts a code attempt against the sign-in budgets (per address, account and tenant). */
  async function attempt(request: FastifyRequest, reply: FastifyReply, s: Subject) {
    return throttle.attempt({ address: request.ip, tenant: s.tenant, email: `totp:${s.user.id}` }, reply);
  }

  /** A wrong code is audited (the throttle bounds how many there can be). */
  async function failed(s: Subject, what: string) {
    await s.port.audit({ actor: { userId: s.user.id, label: 'totp' }, action: 'sso.totp.failed', object: 'user', recordId: s.user.id, after: { what } });
  }

  async function finish(request: FastifyRequest, reply: FastifyReply, s: Subject, action: string) {
    if (s.pending) await dropPending(s.port, s.pending.id);
    await s.port.audit({ actor: { userId: s.user.id, label: 'totp' }, action, object: 'user', recordId: s.user.id });
    return s.pending ? issueSession(ctx.store, ctx.jwt, request, reply, s.tenant, s.user) : {};
  }

  app.post(
    '/auth/totp/enrol',
    {
      schema: {
        body: { type: 'object', additionalProperties: false, properties: { pendingToken: TOKEN } },
        response: replies({ 200: { ...object({ secret: STRING, otpauthUrl: STRING }, ['secret', 'otpauthUrl']), additionalProperties: false } }),
      },
      config: { public: true },
    },
    async (request) => {
      const body = (request.body ?? {}) as { pendingToken?: string };
      const s = await subject(request, body.pendingToken, 'enrol');
      const label = typeof s.user.email === 'string' ? s.user.email : s.user.id;
      const made = await enrolTotp(s.port, ctx.keys(), s.user.id, label, `Attain (${s.tenant})`);
      if (!made) throw new ApiError(409, 'totp_enrolled', 'a second factor is set up already; an admin can reset it', [{ path: '', rule: 'totp', message: 'already enrolled' }]);
      return made;
    },
  );

  app.post(
    '/auth/totp/confirm',
    {
      schema: {
        body: { type: 'object', required: ['code'], additionalProperties: false, properties: { pendingToken: TOKEN, code: CODE } },
        response: replies({ 200: object({ recoveryCodes: arrayOf(STRING), ...SESSION }, ['recoveryCodes']) }),
      },
      config: { public: true },
    },
    async (request, reply) => {
      const body = request.body as { pendingToken?: string; code: string };
      const s = await subject(request, body.pendingToken, 'enrol');
      const tried = await attempt(request, reply, s);
      const codes = await confirmTotp(s.port, ctx.keys(), s.user.id, body.code.trim());
      if (codes === 'none') throw new ApiError(409, 'totp_not_enrolling', 'start with POST /api/v1/auth/totp/enrol', [{ path: '', rule: 'totp', message: 'no enrolment in progress' }]);
      if (!codes) {
        if (s.pending) await failPending(s.port, s.pending.id, MAX_CODES_PER_STEP);
        await failed(s, 'confirm');
        throw wrongCode('/code');
      }
      await tried.succeeded();
      return { recoveryCodes: codes, ...(await finish(request, reply, s, 'sso.totp.enrol')) };
    },
  );

  app.post(
    '/auth/totp/verify',
    {
      schema: {
        body: {
          type: 'object',
          required: ['pendingToken'],
          additionalProperties: false,
          properties: { pendingToken: TOKEN, code: CODE, recoveryCode: { type: 'string', minLength: 1, maxLength: 40 } },
          oneOf: [{ required: ['code'] }, { required: ['recoveryCode'] }],
        },
        response: replies({ 200: object({ ...SESSION, recoveryCodesLeft: { type: 'integer' } }, ['token', 'expiresAt', 'user']) }),
      },
      config: { public: true },
    },
    async (request, reply) => {
      const body = request.body as { pendingToken: string; code?: string; recoveryCode?: string };
      const s = await subject(request, body.pendingToken, 'totp');
      const tried = await attempt(request, reply, s);
      const used = await verifyTotp(s.port, ctx.keys(), s.user.id, {
        ...(body.code !== undefined ? { code: body.code.trim() } : {}),
        ...(body.recoveryCode !== undefined ? { recoveryCode: body.recoveryCode } : {}),
      });
      if (!used) {
        await failPending(s.port, (s.pending as { id: string }).id, MAX_CODES_PER_STEP);
        await failed(s, body.code !== undefined ? 'code' : 'recovery_code');
        throw wrongCode(body.code !== undefined ? '/code' : '/recoveryCode');
      }
      await tried.succeeded();
      return finish(request, reply, s, used === 'code' ? 'sso.totp.verify' : 'sso.totp.recovery_code');
    },
  );

  // A lost device: an admin removes a user's factor; a role that requires one enrols again at the next sign-in.
  app.delete('/auth/totp/users/:id', { schema: { params: params('id'), response: replies({ 200: object({ removed: BOOLEAN }, ['removed']) }) } }, async (request) => {
    const access = requireAccess(request);
    const { id } = request.params as { id: string };
    if (!isAdmin(access.principal.role)) throw forbidden("only an admin may reset a user's second factor");
    const user = await (await ctx.store.records(access.tenantName)).get('user', id);
    if (!user) throw notFound('no such user');
    const port = await ssoPort(ctx.store, access.tenantName);
    const removed = await removeTotp(port, id);
    await port.audit({ actor: access.actor, action: 'sso.totp.reset', object: 'user', recordId: id });
    return { removed };
  });
}
