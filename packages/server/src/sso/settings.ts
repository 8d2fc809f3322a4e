// A tenant's sign-in settings (the sso module's one settings row): its OpenID provider and the
// roles that must use a TOTP second factor. The client secret is sealed at rest and never shown.
import { webhookUrlProblem } from '@attain/workflow';
import type { Registry } from '@attain/meta';
import type { SecretKeys } from '@attain/plugins';
import { ApiError } from '../http/errors.ts';
import type { Store } from '../store-port.ts';
import { ssoTables, type SsoPort } from './tables.ts';

export interface OidcSettings {
  enabled: boolean;
  /** Shown on the studio's button ("Sign in with …"). */
  label: string;
  issuer: string;
  clientId: string;
  scopes: string[];
  /** The ID token claim that holds the user's email (the key a user is found by). */
  emailClaim: string;
  /** Create a user on first sign-in (with the mapped role) instead of refusing an unknown email. */
  jit: boolean;
  /** The claim listing the user's groups (a string or an array of strings). */
  roleClaim: string;
  /** Group → Attain role; the first group of the claim found here wins. */
  roleMap: Record<string, string>;
  /** The role of a JIT user none of whose groups is mapped; null refuses such a user. */
  defaultRole: string | null;
  /** Email domains allowed to sign in (lower case); empty allows any. */
  allowedDomains: string[];
}

export interface SsoSettings {
  oidc: OidcSettings | null;
  hasClientSecret: boolean;
  /** Roles that must enrol and use TOTP; null means the server's default. */
  totpRequiredRoles: string[] | null;
}

interface Row {
  oidc: OidcSettings | null;
  client_secret: string | null;
  totp_roles: string[] | null;
}

export async function ssoPort(store: Store, tenant: string): Promise<SsoPort> {
  return store.port(tenant, ssoTables);
}

/** Sets only the roles that must use TOTP in a tenant (`[]`: none), leaving its OIDC settings alone. */
export async function setTotpRequiredRoles(store: Store, tenant: string, roles: readonly string[]): Promise<void> {
  const port = await ssoPort(store, tenant);
  await port
    .table('settings')
    .insert({ id: 1, oidc: null, client_secret: null, totp_roles: JSON.stringify(roles), updated_at: new Date() })
    .onConflict('id')
    .merge(['totp_roles', 'updated_at']);
}

export async function readSettings(port: SsoPort): Promise<SsoSettings & { sealedSecret: string | null }> {
  const row = (await port.table('settings').where({ id: 1 }).first()) as Row | undefined;
  return { oidc: row?.oidc ?? null, hasClientSecret: Boolean(row?.client_secret), totpRequiredRoles: row?.totp_roles ?? null, sealedSecret: row?.client_secret ?? null };
}

export interface SettingsInput {
  oidc?: (Partial<OidcSettings> & { clientSecret?: string }) | null;
  totpRequiredRoles?: string[] | null;
}

const invalid = (path: string, rule: string, message: string) => new ApiError(422, 'invalid_setting', `${path}: ${message}`, [{ path, rule, message }]);

function checkRole(registry: Registry, role: string, path: string): void {
  if (!registry.role(role)) throw invalid(path, 'unknown_role', `no role "${role}" in this tenant`);
}

/** Merges `input` into the stored settings, checks it (roles exist, the issuer is a callable URL) and saves it. */
export async function saveSettings(port: SsoPort, registry: Registry, input: SettingsInput, opts: { keys: () => SecretKeys; allowHosts: readonly string[] }): Promise<SsoSettings> {
  const current = await readSettings(port);
  let oidc = current.oidc;
  let sealed = current.sealedSecret;
  if (input.oidc === null) {
    oidc = null;
    sealed = null;
  } else if (input.oidc) {
    const { clientSecret, ...given } = input.oidc;
    const merged: OidcSettings = {
      enabled: true,
      label: 'SSO',
      issuer: '',
      clientId: '',
      scopes: ['openid', 'email', 'profile'],
      emailClaim: 'email',
      jit: false,
      roleClaim: 'groups',
      roleMap: {},
      defaultRole: null,
      allowedDomains: [],
      ...(current.oidc ?? {}),
      ...given,
    };
    if (!merged.issuer) throw invalid('/oidc/issuer', 'required', 'the issuer URL is required');
    if (!merged.clientId) throw invalid('/oidc/clientId', 'required', 'the client id is required');
    if (!merged.scopes.includes('openid')) throw invalid('/oidc/scopes', 'openid', 'the scopes must include openid');
    const problem = await webhookUrlProblem(merged.issuer, '/oidc/issuer', opts.allowHosts);
    if (problem) throw new ApiError(422, problem.rule === 'ssrf_blocked' ? 'ssrf_blocked' : 'invalid_url', `/oidc/issuer: ${problem.message}`, [problem]);
    for (const [group, role] of Object.entries(merged.roleMap)) checkRole(registry, role, `/oidc/roleMap/${group}`);
    if (merged.defaultRole !== null) checkRole(registry, merged.defaultRole, '/oidc/defaultRole');
    merged.allowedDomains = merged.allowedDomains.map((d) => d.toLowerCase());
    merged.issuer = merged.issuer.replace(/\/+$/, '');
    oidc = merged;
    if (clientSecret !== undefined) sealed = clientSecret === '' ? null : opts.keys().seal(clientSecret);
  }
  const totpRoles = input.totpRequiredRoles === undefined ? current.totpRequiredRoles : input.totpRequiredRoles;
  totpRoles?.forEach((r, i) => checkRole(registry, r, `/totpRequiredRoles/${i}`));
  const row = { id: 1, oidc: oidc === null ? null : JSON.stringify(oidc), client_secret: sealed, totp_roles: totpRoles === null ? null : JSON.stringify(totpRoles), updated_at: new Date() };
  await port.table('settings').insert(row).onConflict('id').merge();
  return { oidc, hasClientSecret: sealed !== null, totpRequiredRoles: totpRoles };
}
