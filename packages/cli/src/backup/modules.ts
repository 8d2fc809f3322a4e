import { FX_MODULE } from '@attain/engine';
import { attainModules } from '@attain/server';
import type { TenantModule } from '@attain/store';

/**
 * Every platform module that keeps tables in a tenant schema: the registered modules' and the
 * exchange rates' (the fx tables belong to no module of the contract yet; they are ensured by the
 * rates service on first use). A restore rebuilds those a backup names with their own migrations.
 */
export function tenantModules(): TenantModule[] {
  return [...attainModules.flatMap((m) => m.tables ?? []), FX_MODULE];
}
