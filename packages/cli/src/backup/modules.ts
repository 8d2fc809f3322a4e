import { FX_MODULE } from '@attain/engine';
import { attainModules, ssoTables } from '@attain/server';
import type { TenantModule } from '@attain/store';

/**
 * Every platform module that keeps tables in a tenant schema: the registered modules', the
 * exchange rates' and sign-in's (SSO settings, TOTP secrets; neither belongs to a module of the
 * contract yet: the fx tables are ensured by the rates service on first use, the sso ones by the
 * auth routes). A restore rebuilds those a backup names with their own migrations.
 */
export function tenantModules(): TenantModule[] {
  return [...attainModules.flatMap((m) => m.tables ?? []), FX_MODULE, ssoTables];
}
