// What the modules' routes write to the tenant's audit log (GET /api/v1/audit), through the
// module's data port. Written at the route, after the service call succeeded: the entry says who
// changed what, with a short before/after summary (never whole documents or long lists).
import type { Assignment, CreditingRuleDoc, IncentivePlanDoc, PlanVersion } from '@attain/engine';
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

export function planSummary(plan: IncentivePlanDoc | undefined): unknown {
  if (!plan) return undefined;
  return { id: plan.id, name: plan.name, versions: plan.versions.map((v) => ({ version: v.version, effectiveFrom: v.effectiveFrom, effectiveTo: v.effectiveTo ?? null })) };
}

/** A plan save: created, given a new version, or updated in place. */
export function planChange(before: IncentivePlanDoc | undefined, after: IncentivePlanDoc): Omit<ModuleAuditEntry, 'actor'> {
  const known = new Set(before?.versions.map((v) => v.version) ?? []);
  const verb = !before ? 'create' : after.versions.some((v) => !known.has(v.version)) ? 'version' : 'update';
  return { action: `incentives.plan.${verb}`, object: 'incentive_plan', before: planSummary(before), after: planSummary(after) };
}

export function assignmentRows(list: readonly Assignment[]): Array<{ payeeId: string; key: string; from: string; to: string | null }> {
  return list.map((a) => ({ payeeId: a.payeeId, key: a.key, from: a.from, to: a.to ?? null }));
}

/** A dispute as an entry keeps it: whose line, its state and amounts (the reason text stays in the dispute). */
export function disputeSummary(d: Record<string, unknown>): Record<string, unknown> {
  const pick = (k: string) => (d[k] === undefined ? null : d[k]);
  return {
    payeeId: pick('payee_id'),
    period: pick('period'),
    lineKey: pick('line_key'),
    status: pick('status'),
    claimedAmount: pick('claimed_amount'),
    amount: pick('amount'),
    postedPeriod: pick('posted_period'),
  };
}

/** A target-plan version as an entry keeps it (the targets themselves stay in the version). */
export function versionSummary(v: PlanVersion): Record<string, unknown> {
  return { plan: v.plan, version: v.version, status: v.status, total: v.total, activeFrom: v.active_from };
}

/** A crediting rule as an entry keeps it: which rule, its type and dates. */
export function ruleSummary(r: CreditingRuleDoc): Record<string, unknown> {
  return { id: r.id, name: r.name, type: r.type, effectiveFrom: r.effectiveFrom, effectiveTo: r.effectiveTo ?? null };
}
