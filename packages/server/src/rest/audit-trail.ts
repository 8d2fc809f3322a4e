// What the modules' routes write to the tenant's audit log (GET /api/v1/audit), through the
// module's data port. Written at the route, after the service call succeeded: the entry says who
// changed what, with a short before/after summary (never whole documents or long lists). The
// incentives engine writes its own entries in each change's transaction (engine db/audit-notes.ts).
import type { PlanVersion } from '@attain/engine';
import type { ModuleAuditEntry, TenantModule } from '@attain/store';
import type { AccessContext } from '../rbac/context.ts';
import type { Store } from '../store-port.ts';

/** How many rows of a list an entry keeps; the count says how many there were. */
const LIST_LIMIT = 200;

/** The audit writer of one module's routes: `await audit(access, { action, object, … })`. */
export function auditTrail(store: Store, module: TenantModule) {
  return async (access: AccessContext, entry: Omit<ModuleAuditEntry, 'actor'>): Promise<void> => {
    const port = await store.port(access.tenantName, module);
    await port.audit({ actor: access.actor, ...entry });
  };
}

/** A list as an entry keeps it: the count and the first rows. */
export function listSummary<T>(rows: readonly T[]): { count: number; rows: T[] } {
  return { count: rows.length, rows: rows.slice(0, LIST_LIMIT) };
}

/** A target-plan version as an entry keeps it (the targets themselves stay in the version). */
export function versionSummary(v: PlanVersion): Record<string, unknown> {
  return { plan: v.plan, version: v.version, status: v.status, total: v.total, activeFrom: v.active_from };
}
