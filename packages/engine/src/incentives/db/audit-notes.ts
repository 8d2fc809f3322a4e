// What the incentive services write to the tenant's audit log (GET /api/v1/audit) with each change,
// in the change's own transaction: short before/after summaries (ids, statuses, counts and the
// first rows of a list), never whole documents.
import type { Assignment, CreditingRuleDoc, IncentivePlanDoc } from '../types.ts';
import type { AuditNote, Row } from './engine-core.ts';

/** How many rows of a list an entry keeps; the count says how many there were. */
const LIST_LIMIT = 200;

/** A list as an entry keeps it: the count and the first rows. */
export function listSummary<T>(rows: readonly T[]): { count: number; rows: T[] } {
  return { count: rows.length, rows: rows.slice(0, LIST_LIMIT) };
}

function planSummary(plan: IncentivePlanDoc | undefined): unknown {
  if (!plan) return undefined;
  return { id: plan.id, name: plan.name, versions: plan.versions.map((v) => ({ version: v.version, effectiveFrom: v.effectiveFrom, effectiveTo: v.effectiveTo ?? null })) };
}

/** A plan save: created, given a new version, or updated in place. */
export function planChange(before: IncentivePlanDoc | undefined, after: IncentivePlanDoc): AuditNote {
  const known = new Set(before?.versions.map((v) => v.version) ?? []);
  const verb = !before ? 'create' : after.versions.some((v) => !known.has(v.version)) ? 'version' : 'update';
  return { action: `incentives.plan.${verb}`, object: 'incentive_plan', before: planSummary(before), after: planSummary(after) };
}

export function assignmentRows(list: readonly Assignment[]): Array<{ payeeId: string; key: string; from: string; to: string | null }> {
  return list.map((a) => ({ payeeId: a.payeeId, key: a.key, from: a.from, to: a.to ?? null }));
}

/** A crediting rule as an entry keeps it: which rule, its type and dates. */
export function ruleSummary(r: CreditingRuleDoc): Record<string, unknown> {
  return { id: r.id, name: r.name, type: r.type, effectiveFrom: r.effectiveFrom, effectiveTo: r.effectiveTo ?? null };
}

/** A dispute as an entry keeps it: whose line, its state and amounts (the reason text stays in the dispute). */
export function disputeSummary(d: Row): Record<string, unknown> {
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

/** A period's status change (opening: from no status). */
export function periodChange(period: string, was: string | null, status: string): AuditNote {
  return { action: `incentives.period.${status}`, object: 'incentive_period', before: { period, status: was }, after: { period, status } };
}
