// `attain tenant create NAME --admin-email E [--admin-name N]`: a tenant someone can log in to.
import { hashPassword, passwordProblems } from '@attain/server';
import { provisionProblems, provisionTenant, StoreError, type Store, type TenantSettingsInput } from '@attain/store';
import { generatePassword } from './config.ts';

export interface TenantCreateInput {
  name: string;
  label?: string | undefined;
  adminEmail?: string | undefined;
  adminName?: string | undefined;
  /** ATTAIN_ADMIN_PASSWORD; a strong one is generated (and printed once) when absent. */
  password?: string | undefined;
  /** Base currency, time zone, fiscal year start (the store validates them; defaults from the environment). */
  settings?: TenantSettingsInput;
}

type WithStore = <T>(fn: (store: Store) => Promise<T>) => Promise<T>;

/** Returns the exit code: 0 created, 2 refused input (nothing was written). */
export async function createTenantWithAdmin(input: TenantCreateInput, withStore: WithStore, log: (line: string) => void): Promise<number> {
  const problems = [
    ...provisionProblems({ name: input.name, adminEmail: input.adminEmail, adminName: input.adminName }, { name: 'name', adminEmail: '--admin-email', adminName: '--admin-name' }),
    ...(input.password ? passwordProblems(input.password, input.adminEmail).map((p) => ({ ...p, path: 'ATTAIN_ADMIN_PASSWORD' })) : []),
  ];
  if (problems.length) {
    log(`Cannot create the tenant; nothing was created:`);
    for (const p of problems) log(`  ${p.path}: ${p.message} [${p.rule}]`);
    return 2;
  }
  const password = input.password ?? generatePassword();
  try {
    const result = await withStore(async (store) =>
      provisionTenant(store, {
        name: input.name,
        ...(input.label ? { label: input.label } : {}),
        ...(input.settings ? { settings: input.settings } : {}),
        admin: { email: input.adminEmail as string, ...(input.adminName ? { name: input.adminName } : {}), passwordHash: await hashPassword(password) },
      }),
    );
    log(`Created tenant "${result.tenant.name}" (schema ${result.tenant.schema}) with the core metadata (revision ${result.revision}).`);
    log(`First admin: ${result.admin.email} (role ${result.admin.role})`);
    log(input.password ? 'Password: the one in ATTAIN_ADMIN_PASSWORD.' : `Password: ${password}  (shown once; change it after the first login)`);
    return 0;
  } catch (error) {
    if (error instanceof StoreError && error.status < 500) {
      log(`Cannot create the tenant: ${error.message}`);
      for (const d of error.details) log(`  ${d.path || '/'}: ${d.message} [${d.rule}]`);
      return 2;
    }
    throw error;
  }
}
