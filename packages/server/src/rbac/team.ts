export interface TeamUser {
  id: string;
  org_unit_id?: string | null;
  manager_id?: string | null;
}

export interface TeamOrgUnit {
  id: string;
  parent_id?: string | null;
  /** A user without an explicit manager reports to the head of their unit (or the nearest above). */
  head_id?: string | null;
}

/**
 * The owners a `team` scope covers: me, everyone whose org unit lies in the subtree of mine,
 * and everyone whose chain of managers reaches me — a manager being the user's `manager_id`, else
 * the head of their unit or of the nearest unit above (the org service's rule, as roll-ups and
 * approvals use it). Cycles in either tree are tolerated.
 */
export function teamOwnerIds(meId: string, users: readonly TeamUser[], orgUnits: readonly TeamOrgUnit[]): string[] {
  const me = users.find((u) => u.id === meId);
  const result = new Set<string>([meId]);
  if (!me) return [...result];

  if (me.org_unit_id) {
    const subtree = unitSubtree(me.org_unit_id, orgUnits);
    for (const u of users) if (u.org_unit_id && subtree.has(u.org_unit_id)) result.add(u.id);
  }

  const unitById = new Map(orgUnits.map((u) => [u.id, u]));
  const headOver = (user: TeamUser): string | null => {
    const seen = new Set<string>();
    for (let unit = user.org_unit_id ? unitById.get(user.org_unit_id) : undefined; unit && !seen.has(unit.id); unit = unit.parent_id ? unitById.get(unit.parent_id) : undefined) {
      seen.add(unit.id);
      if (unit.head_id && unit.head_id !== user.id) return unit.head_id;
    }
    return null;
  };
  const reports = new Map<string, string[]>();
  for (const u of users) {
    const manager = u.manager_id && u.manager_id !== u.id ? u.manager_id : headOver(u);
    if (!manager) continue;
    const list = reports.get(manager) ?? [];
    list.push(u.id);
    reports.set(manager, list);
  }
  const queue = [meId];
  const seen = new Set<string>([meId]);
  while (queue.length) {
    const id = queue.shift() as string;
    for (const report of reports.get(id) ?? []) {
      if (seen.has(report)) continue;
      seen.add(report);
      result.add(report);
      queue.push(report);
    }
  }
  return [...result].sort();
}

/**
 * The org units a `team` scope covers: the caller's own unit and every unit below it. A caller
 * outside any unit covers none (their team is only the people reporting to them).
 */
export function teamUnitIds(meId: string, users: readonly TeamUser[], orgUnits: readonly TeamOrgUnit[]): string[] {
  const me = users.find((u) => u.id === meId);
  if (!me?.org_unit_id) return [];
  return [...unitSubtree(me.org_unit_id, orgUnits)].sort();
}

function unitSubtree(rootId: string, orgUnits: readonly TeamOrgUnit[]): Set<string> {
  const children = new Map<string, string[]>();
  for (const unit of orgUnits) {
    if (!unit.parent_id) continue;
    const list = children.get(unit.parent_id) ?? [];
    list.push(unit.id);
    children.set(unit.parent_id, list);
  }
  const subtree = new Set<string>([rootId]);
  const queue = [rootId];
  while (queue.length) {
    const id = queue.shift() as string;
    for (const child of children.get(id) ?? []) {
      if (subtree.has(child)) continue;
      subtree.add(child);
      queue.push(child);
    }
  }
  return subtree;
}
