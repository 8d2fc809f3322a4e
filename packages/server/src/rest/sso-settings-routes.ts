// `GET|PUT /auth/sso/settings` (admins): the tenant's OpenID provider and the roles that must use
// a TOTP second factor; `GET /auth/sso/:tenant` (public): whether the login page offers SSO.
import type { FastifyInstance } from 'fastify';
import { forbidden } from '../http/errors.ts';
import { isAdmin } from '../rbac/permissions.ts';
import { readSettings, saveSettings, ssoPort, type SettingsInput, type SsoSettings } from '../sso/settings.ts';
import type { SsoContext } from '../sso/options.ts';
import { requireAccess } from './request-access.ts';
import { arrayOf, BOOLEAN, nullable, object, params, replies, STRING } from '../http/route-schema.ts';

const TEXT = (max: number) => ({ type: 'string', minLength: 1, maxLength: max });
const OIDC_BODY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean' },
    label: TEXT(100),
    issuer: TEXT(500),
    clientId: TEXT(500),
    // Write-only: never answered; '' removes it (a public client with PKCE only).
    clientSecret: { type: 'string', maxLength: 2000 },
    scopes: { type: 'array', maxItems: 20, uniqueItems: true, items: { type: 'string', pattern: '^[\\x21-\\x7e]{1,100}$' } },
    emailClaim: TEXT(100),
    jit: { type: 'boolean' },
    roleClaim: TEXT(100),
    roleMap: { type: 'object', maxProperties: 200, additionalProperties: TEXT(100) },
    defaultRole: { anyOf: [TEXT(100), { type: 'null' }] },
    allowedDomains: { type: 'array', maxItems: 100, uniqueItems: true, items: { type: 'string', pattern: '^[A-Za-z0-9.-]{1,253}$' } },
  },
};
const ROLES = { type: 'array', maxItems: 100, uniqueItems: true, items: TEXT(100) };

const OIDC_VIEW = object({
  enabled: BOOLEAN,
  label: STRING,
  issuer: STRING,
  clientId: STRING,
  scopes: arrayOf(STRING),
  emailClaim: STRING,
  jit: BOOLEAN,
  roleClaim: STRING,
  roleMap: { type: 'object', additionalProperties: STRING },
  defaultRole: nullable(STRING),
  allowedDomains: arrayOf(STRING),
});
const SETTINGS = {
  ...object({ oidc: nullable(OIDC_VIEW), hasClientSecret: BOOLEAN, totpRequiredRoles: arrayOf(STRING), totpRolesDefault: BOOLEAN }, ['oidc', 'hasClientSecret', 'totpRequiredRoles']),
  additionalProperties: false,
};

export async function ssoSettingsRoutes(app: FastifyInstance, ctx: SsoContext): Promise<void> {
  const view = (s: SsoSettings) => ({
    oidc: s.oidc,
    hasClientSecret: s.hasClientSecret,
    totpRequiredRoles: s.totpRequiredRoles ?? [...ctx.defaultTotpRoles],
    totpRolesDefault: s.totpRequiredRoles === null,
  });

  app.get('/auth/sso/settings', { schema: { response: replies({ 200: object({ data: SETTINGS }, ['data']) }) } }, async (request) => {
    const access = requireAccess(request);
    if (!isAdmin(access.principal.role)) throw forbidden('only an admin may read the sign-in settings');
    return { data: view(await readSettings(await ssoPort(ctx.store, access.tenantName))) };
  });

  app.put(
    '/auth/sso/settings',
    {
      schema: {
        body: { type: 'object', additionalProperties: false, properties: { oidc: { anyOf: [OIDC_BODY, { type: 'null' }] }, totpRequiredRoles: { anyOf: [ROLES, { type: 'null' }] } } },
        response: replies({ 200: object({ data: SETTINGS }, ['data']) }),
      },
    },
    async (request) => {
      const access = requireAccess(request);
      if (!isAdmin(access.principal.role)) throw forbidden('only an admin may change the sign-in settings');
      const port = await ssoPort(ctx.store, access.tenantName);
      const saved = await saveSettings(port, access.registry, (request.body ?? {}) as SettingsInput, { keys: ctx.keys, allowHosts: ctx.allowHosts });
      await port.audit({
        actor: access.actor,
        action: 'sso.settings.update',
        object: 'sso_settings',
        // The secret is never in the log; that it is set, is.
        after: { oidc: saved.oidc, hasClientSecret: saved.hasClientSecret, totpRequiredRoles: saved.totpRequiredRoles },
      });
      return { data: view(saved) };
    },
  );

  // The login page asks before showing "Sign in with SSO"; an unknown tenant looks like one without SSO.
  app.get(
    '/auth/sso/:tenant',
    { schema: { params: params('tenant'), response: replies({ 200: { ...object({ oidc: BOOLEAN, label: STRING }, ['oidc']), additionalProperties: false } }) }, config: { public: true } },
    async (request) => {
      const { tenant } = request.params as { tenant: string };
      const found = await ctx.store.tenants.get(tenant);
      if (!found) return { oidc: false };
      const { oidc } = await readSettings(await ssoPort(ctx.store, found.name));
      return oidc?.enabled ? { oidc: true, label: oidc.label } : { oidc: false };
    },
  );
}
