import type { Membership, OrgUnit } from './types.ts';
import { addDays, within } from './periods.ts';

/**
 * The effective-dated org: who belongs to which unit when, and who manages whom on a given
 * day. Roll-up credit follows this, so a rep who moves team mid-period credits the old manager
 * before the move and the new one after.
 */
export class OrgHistory {
  private readonly byUser = new Map<string, Membership[]>();
  private readonly units = new Map<string, OrgUnit[]>();
  private readonly memberships: Membership[];

  constructor(memberships: readonly Membership[], units: readonly OrgUnit[]) {
    this.memberships = [...memberships].sort((a, b) => (a.userId + a.from).localeCompare(b.userId + b.from));
    for (const m of this.memberships) {
      const list = this.byUser.get(m.userId) ?? [];
      list.push(m);
      this.byUser.set(m.userId, list);
    }
    for (const u of units) this.units.set(u.id, [...(this.units.get(u.id) ?? []), u]);
  }

  /** The unit's parent and head on the date (units may move and change heads over time). */
  unitAt(unitId: string, date: string): OrgUnit | undefined {
    return this.units.get(unitId)?.find((u) => within(date, u.from ?? '0000-01-01', u.to));
  }

  membershipAt(userId: string, date: string): Membership | undefined {
    return this.byUser.get(userId)?.find((m) => within(date, m.from, m.to));
  }

  managerAt(userId: string, date: string): string | null {
    const m = this.membershipAt(userId, date);
    if (!m) return null;
    if (m.managerId !== undefined && m.managerId !== null) return m.managerId === userId ? null : m.managerId;
    const seen = new Set<string>();
    let unit = this.unitAt(m.orgUnitId, date);
    while (unit && !seen.has(unit.id)) {
      seen.add(unit.id);
      if (unit.headId && unit.headId !== userId) return unit.headId;
      unit = unit.parentId ? this.unitAt(unit.parentId, date) : undefined;
    }
    return null;
  }

  /** Managers of the user on the date, nearest first, at most `levels`; stops at a cycle. */
  chainAt(userId: string, date: string, levels: number): string[] {
    const chain: string[] = [];
    const seen = new Set<string>([userId]);
    let current = userId;
    for (let i = 0; i < levels; i++) {
      const next = this.managerAt(current, date);
      if (!next || seen.has(next)) break;
      chain.push(next);
      seen.add(next);
      current = next;
    }
    return chain;
  }

  membersAt(orgUnitId: string, date: string): string[] {
    return this.memberships
      .filter((m) => m.orgUnitId === orgUnitId && within(date, m.from, m.to))
      .map((m) => m.userId)
      .sort();
  }

  /** Every date on which someone's membership starts or ends (the day after); chains are constant between them. */
  changeDates(): string[] {
    const dates = new Set<string>();
    for (const m of this.memberships) {
      dates.add(m.from);
      if (m.to) dates.add(addDays(m.to, 1));
    }
    for (const list of this.units.values()) {
      for (const u of list) {
        if (u.from) dates.add(u.from);
        if (u.to) dates.add(addDays(u.to, 1));
      }
    }
    return [...dates].sort();
  }

  /**
   * The roll-up chain of every user as date spans: (user, level, manager, from, to). The database
   * joins credits to these spans instead of materialising one roll-up credit per transaction.
   */
  chainSpans(levels: number, users: readonly string[] = [...this.byUser.keys()]): Array<{ userId: string; level: number; managerId: string; from: string; to: string | null }> {
    const dates = this.changeDates();
    const out: Array<{ userId: string; level: number; managerId: string; from: string; to: string | null }> = [];
    for (const userId of [...users].sort()) {
      const open = new Map<number, { userId: string; level: number; managerId: string; from: string; to: string | null }>();
      dates.forEach((from, i) => {
        const next = dates[i + 1];
        const to = next ? addDays(next, -1) : null;
        const chain = this.chainAt(userId, from, levels);
        for (let level = 1; level <= levels; level++) {
          const managerId = chain[level - 1];
          const last = open.get(level);
          if (last && managerId === last.managerId && last.to !== null && addDays(last.to, 1) === from) {
            last.to = to;
            continue;
          }
          open.delete(level);
          if (!managerId) continue;
          const span = { userId, level, managerId, from, to };
          out.push(span);
          open.set(level, span);
        }
      });
    }
    return out.sort((a, b) => a.userId.localeCompare(b.userId) || a.level - b.level || a.from.localeCompare(b.from));
  }
}
