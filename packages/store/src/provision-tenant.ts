// A usable fresh tenant: the tenant, the core metadata (metadata/core) and a first admin user
// with a credential, so someone can log in to it. The CLI (`attain tenant create`) and the
// operator API both come through here; the password is hashed by the caller (the server owns
// the hashing scheme).
import { fileURLToPath } from 'node:url';
import { apiNameProblem } from '@attain/meta';
import { readMetadataDir } from '@attain/meta/node';
import { StoreError, type ErrorDetail } from './errors.ts';
import type { Store, Tenant } from './types.ts';
import type { TenantSettingsInput } from './tenant-settings.ts';

export const CORE_METADATA_DIR = fileURLToPath(new URL('../../../metadata/core', import.meta.url));

// The shape the core user object's `email` field accepts (format email, at most 254 characters).
const EMAIL = /^[^\s@"<>()[\]\\,;:]+@[^\s@"<>()[\]\\,;:]+\.[^\s@"<>()[\]\\,;:]+$/;

export interface ProvisionInput {
  name: string;
  label?: string;
  admin: { email: string; name?: string; passwordHash: string };
  /** The metadata to start with; the core metadata when omitted. */
  documents?: unknown[];
  /** Base currency, time zone and fiscal year start (validated; defaults from the environment). */
  settings?: TenantSettingsInput;
}

export interface ProvisionResult {
  tenant: Tenant;
  revision: number;
  admin: { id: string; email: string; name: string; role: string };
}

/** Problems with a new tenant's name, admin email and admin name, as error details (empty when fine). */
export function provisionProblems(input: { name: unknown; adminEmail: unknown; adminName?: unknown }, paths = { name: '/name', adminEmail: '/adminEmail', adminName: '/adminName' }): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (typeof input.name !== 'string' || input.name === '') problems.push({ path: paths.name, rule: 'required', message: 'a tenant name is required' });
  else {
    const p = apiNameProblem(input.name);
    if (p) problems.push({ path: paths.name, rule: 'api_name', message: p });
  }
  if (typeof input.adminEmail !== 'string' || input.adminEmail === '') problems.push({ path: paths.adminEmail, rule: 'required', message: 'the first admin’s email is required' });
  else if (input.adminEmail.length > 254 || !EMAIL.test(input.adminEmail)) problems.push({ path: paths.adminEmail, rule: 'format', message: 'must be an email address such as admin@example.com' });
  if (input.adminName !== undefined && (typeof input.adminName !== 'string' || input.adminName.trim() === '' || input.adminName.length > 200)) {
    problems.push({ path: paths.adminName, rule: 'type', message: 'must be a name of 1 to 200 characters' });
  }
  return problems;
}

/**
 * Creates the tenant with its metadata and first admin. Input is checked before anything is
 * written, so bad input changes nothing.
 */
export async function provisionTenant(store: Store, input: ProvisionInput): Promise<ProvisionResult> {
  const problems = provisionProblems({ name: input.name, adminEmail: input.admin.email, adminName: input.admin.name });
  if (problems.length) throw new StoreError('validation_failed', problems[0]?.message ?? 'invalid tenant', problems);
  if (await store.tenants.get(input.name)) throw new StoreError('tenant_exists', `A tenant named "${input.name}" already exists`, [{ path: '/name', rule: 'unique', message: 'is taken' }]);
  const documents = input.documents ?? (await readMetadataDir(CORE_METADATA_DIR));
  const tenant = await store.tenants.create(input.name, { ...(input.label ? { label: input.label } : {}), ...(input.settings ?? {}) });
  const actor = { userId: null, label: 'tenant provisioning' };
  const { revision } = await store.metadata.apply(tenant.name, documents, { actor });
  const registry = await store.registry(tenant.name);
  const role = registry.documentsOf('role').find((r) => r.admin === true)?.name;
  if (!role)
    throw new StoreError('metadata_invalid', 'The tenant metadata has no admin role to give the first admin', [{ path: '/roles', rule: 'core_object_required', message: 'an admin role is required' }]);
  const email = input.admin.email.trim().toLowerCase();
  const name = input.admin.name?.trim() || 'Administrator';
  const records = await store.records(tenant.name);
  const user = await records.create('user', { name, email, role, active: true }, actor);
  await store.auth.upsertCredential({ tenant: tenant.name, userId: user.id, email, passwordHash: input.admin.passwordHash, active: true });
  return { tenant, revision, admin: { id: user.id, email, name, role } };
}
