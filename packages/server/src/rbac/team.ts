export interface TeamUser {
  id: string;
  org_unit_id?: string | null;
  manager_id?: string | null;
}

export interface TeamOrgUnit {
  id: string;
  parent_id?: string | null;
}

/**
 * The owners a `team` scope covers: me, everyone whose org unit lies in the subtree of mine,
 * and everyone whose chain of managers reaches me. Cycles in either tree are tolerated.
 */
export function teamOwnerIds(meId: string, users: readonly TeamUser[], orgUnits: readonly TeamOrgUnit[]): string[] {
  const me = users.find((u) => u.id === meId);
  const result = new Set<string>([meId]);
  if (!me) return [...result];

  if (me.org_unit_id) {
    const subtree = unitSubtree(me.org_unit_id, orgUnits);
    for (const u of users) if (u.org_unit_id && subtree.has(u.org_unit_id)) result.add(u.id);
  }

  const reports = new Map<string, string[]>();
  for (const u of users) {
    if (!u.manager_id) continue;
    const list = reports.get(u.manager_id) ?? [];
    list.push(u.id);
    reports.set(u.manager_id, list);
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
