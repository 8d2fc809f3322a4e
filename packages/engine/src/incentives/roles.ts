// Plans by role: a role assignment gives a plan to everyone holding the role within its dates —
// optionally only while their org unit is in a subtree — as ordinary effective-dated plan
// assignments, so proration for mid-period joins and leaves is the same as for named people.
// Naming a person on the plan overrides what their role would give them on that plan.
import { addDays, isCalendarDate } from './periods.ts';
import type { Assignment, Membership, OrgUnit, RoleAssignment, RoleHolding } from './types.ts';

interface Span {
  from: string;
  to: string | null;
}

const intersect = (a: Span, b: { from: string; to?: string | null }): Span | null => {
  const from = a.from > b.from ? a.from : b.from;
  const to = !a.to ? (b.to ?? null) : !b.to ? a.to : a.to < b.to ? a.to : b.to;
  return to && to < from ? null : { from, to };
};

/** The unit and every unit below it (current hierarchy; cycles stop). */
export function subtree(units: readonly OrgUnit[], root: string): Set<string> {
  const children = new Map<string, string[]>();
  for (const u of units) if (u.parentId) children.set(u.parentId, [...(children.get(u.parentId) ?? []), u.id]);
  const out = new Set<string>();
  const stack = [root];
  while (stack.length) {
    const id = stack.pop() as string;
    if (out.has(id)) continue;
    out.add(id);
    stack.push(...(children.get(id) ?? []));
  }
  return out;
}

export interface RoleContext {
  roleAssignments: readonly RoleAssignment[];
  holdings: readonly RoleHolding[];
  memberships: readonly Membership[];
  units: readonly OrgUnit[];
  /** Plan assignments naming the person: they win over the role for that plan. */
  explicit: readonly Assignment[];
}

/** The plan assignments role assignments give, each marked with the role assignment behind it. */
export function resolveRoleAssignments(ctx: RoleContext): Assignment[] {
  const named = new Set(ctx.explicit.filter((a) => a.kind === 'plan' && !a.via).map((a) => `${a.payeeId}|${a.key}`));
  const membersOf = new Map<string, Membership[]>();
  for (const m of ctx.memberships) membersOf.set(m.userId, [...(membersOf.get(m.userId) ?? []), m]);
  const out: Assignment[] = [];
  for (const ra of [...ctx.roleAssignments].sort((a, b) => a.id.localeCompare(b.id))) {
    const within = ra.orgUnitId ? subtree(ctx.units, ra.orgUnitId) : null;
    const via = { roleAssignmentId: ra.id, role: ra.role, orgUnitId: ra.orgUnitId ?? null };
    for (const h of ctx.holdings) {
      if (h.role !== ra.role || named.has(`${h.userId}|${ra.planId}`)) continue;
      const held = intersect({ from: ra.from, to: ra.to ?? null }, h);
      if (!held) continue;
      const spans = within
        ? (membersOf.get(h.userId) ?? [])
            .filter((m) => within.has(m.orgUnitId))
            .map((m) => intersect(held, m))
            .filter((s): s is Span => !!s)
        : [held];
      for (const s of mergeSpans(spans)) out.push({ kind: 'plan', payeeId: h.userId, key: ra.planId, from: s.from, to: s.to, via });
    }
  }
  return out.sort((a, b) => a.payeeId.localeCompare(b.payeeId) || a.key.localeCompare(b.key) || a.from.localeCompare(b.from));
}

/** Overlapping or adjacent spans joined (a move between two units of the subtree is no gap). */
function mergeSpans(spans: Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.from.localeCompare(b.from));
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out.at(-1);
    if (last && (!last.to || addDays(last.to, 1) >= s.from)) {
      if (last.to && (!s.to || s.to > last.to)) last.to = s.to;
      continue;
    }
    out.push({ ...s });
  }
  return out;
}

/**
 * The role spans after observing users' current roles on `asOf`: a changed role closes the open span
 * the day before and opens one from `asOf`; a user seen for the first time holds their role since
 * their hire date (or always). Returns the new spans and the users whose role changed.
 */
export function observeRoles(
  current: readonly RoleHolding[],
  users: ReadonlyArray<{ id: string; role: string | null; hireDate: string | null }>,
  asOf: string,
): { holdings: RoleHolding[]; changed: string[] } {
  const holdings = current.map((h) => ({ ...h }));
  const changed: string[] = [];
  const seen = new Set(users.map((u) => u.id));
  const close = (h: RoleHolding) => {
    const end = addDays(asOf, -1);
    if (end < h.from) holdings.splice(holdings.indexOf(h), 1);
    else h.to = end;
  };
  for (const u of users) {
    const mine = holdings.filter((h) => h.userId === u.id);
    const open = mine.find((h) => !h.to || h.to >= asOf);
    if ((open?.role ?? null) === u.role) continue;
    if (open) close(open);
    if (u.role) holdings.push({ userId: u.id, role: u.role, from: mine.length ? asOf : (u.hireDate ?? '1900-01-01'), to: null });
    changed.push(u.id);
  }
  for (const h of holdings.filter((x) => !seen.has(x.userId) && (!x.to || x.to >= asOf))) {
    close(h);
    changed.push(h.userId);
  }
  return { holdings: holdings.sort((a, b) => a.userId.localeCompare(b.userId) || a.from.localeCompare(b.from)), changed: [...new Set(changed)].sort() };
}

/** Role assignments' cells: an id each (unique), a known plan, a role, dates in order. */
export function checkRoleAssignments(list: readonly RoleAssignment[], plans: ReadonlySet<string>): Array<{ severity: 'error'; path: string; rule: string; message: string }> {
  const issues: Array<{ severity: 'error'; path: string; rule: string; message: string }> = [];
  const ids = new Set<string>();
  list.forEach((r, i) => {
    const at = `/roleAssignments/${i}`;
    const bad = (field: string, rule: string, message: string) => issues.push({ severity: 'error', path: `${at}/${field}`, rule, message });
    if (typeof r.id !== 'string' || !r.id) bad('id', 'required', 'is required');
    else if (ids.has(r.id)) bad('id', 'unique', `another role assignment is already "${r.id}"`);
    ids.add(r.id);
    if (typeof r.planId !== 'string' || !plans.has(r.planId)) bad('planId', 'exists', `there is no plan "${String(r.planId)}"`);
    if (typeof r.role !== 'string' || !/^[a-z][a-z0-9_]{0,62}$/.test(r.role)) bad('role', 'pattern', 'must be a role name');
    if (r.orgUnitId !== undefined && r.orgUnitId !== null && (typeof r.orgUnitId !== 'string' || !r.orgUnitId)) bad('orgUnitId', 'type', 'must be an org unit id');
    if (!isCalendarDate(r.from)) bad('from', 'format', 'must be a date (YYYY-MM-DD)');
    if (r.to !== undefined && r.to !== null && (!isCalendarDate(r.to) || r.to < String(r.from))) bad('to', 'format', 'must be a date on or after the start');
  });
  return issues;
}
