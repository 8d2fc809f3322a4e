// The Attain user an ID token's claims sign in as: found by the email claim in the tenant whose
// provider issued it (never in another), or created just in time with the role its groups map to.
import { ApiError } from '../http/errors.ts';
import type { Store } from '../store-port.ts';
import type { OidcSettings } from './settings.ts';
import type { SsoPort } from './tables.ts';

type UserRecord = Readonly<Record<string, unknown>> & { id: string };

const refuse = (status: number, code: string, message: string, path: string, rule: string) => new ApiError(status, code, message, [{ path, rule, message }]);

/** The mapped role: the first of the user's groups found in the map, else the default. */
export function mappedRole(s: OidcSettings, claims: Record<string, unknown>): string | null {
  const raw = claims[s.roleClaim];
  const groups = Array.isArray(raw) ? raw.filter((g): g is string => typeof g === 'string') : typeof raw === 'string' ? [raw] : [];
  for (const g of groups) {
    const role = s.roleMap[g];
    if (role) return role;
  }
  return s.defaultRole;
}

export async function findOrCreateUser(store: Store, port: SsoPort, tenant: string, s: OidcSettings, claims: Record<string, unknown>): Promise<UserRecord> {
  const raw = claims[s.emailClaim];
  const email = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  const claimPath = `/claims/${s.emailClaim}`;
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw refuse(401, 'oidc_no_email', `the ID token has no email in its "${s.emailClaim}" claim`, claimPath, 'email');
  // A provider that says the address is not verified does not get to name a user by it.
  if (claims.email_verified === false && s.emailClaim === 'email') throw refuse(401, 'oidc_email_unverified', 'the identity provider has not verified this email', claimPath, 'verified');
  const domain = email.slice(email.lastIndexOf('@') + 1);
  if (s.allowedDomains.length && !s.allowedDomains.includes(domain)) {
    throw refuse(403, 'oidc_domain', `users of ${domain} may not sign in to this tenant`, claimPath, 'allowed_domain');
  }
  const records = await store.records(tenant);
  const found = await records.list('user', { filter: { email: { eq: email } }, limit: 2 });
  if (found.data.length > 1) throw refuse(409, 'oidc_ambiguous', 'two users of this tenant have this email; ask an admin', claimPath, 'unique');
  const existing = found.data[0] as UserRecord | undefined;
  if (existing) {
    if (existing.active === false) throw refuse(403, 'oidc_user_inactive', 'this user is deactivated', claimPath, 'active');
    return existing;
  }
  if (!s.jit) throw refuse(403, 'oidc_user_unknown', 'no user of this tenant has this email; ask an admin to add you', claimPath, 'known_user');
  const role = mappedRole(s, claims);
  if (!role) throw refuse(403, 'oidc_no_role', 'none of your groups maps to a role of this tenant; ask an admin', `/claims/${s.roleClaim}`, 'role_map');
  const name = typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim().slice(0, 200) : email;
  const actor = { userId: null, label: 'oidc' };
  const created = (await records.create('user', { name, email, role, active: true }, actor)) as UserRecord;
  await port.audit({ actor, action: 'sso.oidc.jit_create', object: 'user', recordId: created.id, after: { email, role } });
  return created;
}
