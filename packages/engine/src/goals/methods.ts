// Builds the split tree for a plan from the org (units, effective-dated memberships) and the
// plan's method. Weights are exact integers: days present, last year's units, custom weights at
// scale 6. A person who moved team during the year is one node under each unit, weighted by the
// days spent there, so targets before and after the move follow the right team.
import { addMonths, daysBetween, monthStart } from './calendar.ts';
import { GoalsError } from './errors.ts';
import type { SplitNode } from './split.ts';

/** Custom weights are exact at 12 decimals (the most a target decimal has); a missing weight is 1. */
export const WEIGHT_SCALE = 12;
const WEIGHT_ONE = 10n ** BigInt(WEIGHT_SCALE);

export type SplitMethod = 'equal' | 'weights' | 'last_year' | 'seasonality' | 'headcount';

export interface OrgUnitRow {
  id: string;
  parent_id: string | null;
  name: string;
}

export interface MembershipRow {
  user_id: string;
  org_unit_id: string | null;
  valid_from: string;
  valid_to: string | null;
  name?: string;
}

export interface TreeOptions {
  months: string[];
  method: SplitMethod;
  /** The unit whose number is split; a synthetic company root over all top units when omitted. */
  rootUnit?: string;
  /** Custom weights by node id (method `weights`); 1 when missing. */
  weights?: ReadonlyMap<string, bigint>;
  /** History per user per plan month (units of the KPI), for last_year and seasonality. */
  history?: ReadonlyMap<string, readonly bigint[]>;
}

export const COMPANY = 'company';

/** Node id of a person under a unit: the user id, or user@unit when they belong to several units in the year. */
export function personNodeId(userId: string, unitId: string, movers: ReadonlySet<string>): string {
  return movers.has(userId) ? `${userId}@${unitId}` : userId;
}

function presenceDays(m: MembershipRow, month: string): number {
  const start = monthStart(month);
  const end = monthStart(addMonths(month, 1));
  const from = m.valid_from > start ? m.valid_from : start;
  const to = m.valid_to && m.valid_to < end ? m.valid_to : end;
  return Math.max(0, daysBetween(from, to));
}

export function buildSplitTree(units: readonly OrgUnitRow[], members: readonly MembershipRow[], opts: TreeOptions): SplitNode {
  const { months } = opts;
  const yearStart = monthStart(months[0]!);
  const yearEnd = monthStart(addMonths(months[months.length - 1]!, 1));
  const inYear = members.filter((m) => m.org_unit_id && m.valid_from < yearEnd && (!m.valid_to || m.valid_to > yearStart));
  const unitsOf = new Map<string, Set<string>>();
  for (const m of inYear) unitsOf.set(m.user_id, (unitsOf.get(m.user_id) ?? new Set()).add(m.org_unit_id!));
  const movers = new Set([...unitsOf].filter(([, s]) => s.size > 1).map(([u]) => u));

  const unitNodes = new Map<string, SplitNode>(units.map((u) => [u.id, { id: u.id, kind: 'unit', label: u.name, children: [] }]));
  const company: SplitNode = { id: COMPANY, kind: 'unit', label: 'Company', children: [] };
  for (const u of units) {
    const parent = u.parent_id ? unitNodes.get(u.parent_id) : undefined;
    (parent ?? company).children!.push(unitNodes.get(u.id)!);
  }
  // One node per person and unit; several membership rows in the same unit share it.
  const people = new Map<string, { node: SplitNode; days: number[] }>();
  for (const m of inYear) {
    const unit = unitNodes.get(m.org_unit_id!);
    if (!unit) continue;
    const id = personNodeId(m.user_id, m.org_unit_id!, movers);
    let entry = people.get(id);
    if (!entry) {
      entry = { node: { id, kind: 'person', label: m.name ?? m.user_id, children: [] }, days: months.map(() => 0) };
      people.set(id, entry);
      unit.children!.push(entry.node);
    }
    months.forEach((month, j) => (entry.days[j]! += presenceDays(m, month)));
  }
  const presence = new Map<string, boolean[]>();
  for (const [id, { node, days }] of people) {
    const userId = id.split('@')[0]!;
    node.monthWeights = personWeights(userId, id, days, opts);
    presence.set(
      id,
      days.map((d) => d > 0),
    );
    delete node.children;
  }
  const root = opts.rootUnit ? unitNodes.get(opts.rootUnit) : company;
  if (!root) throw new GoalsError('unknown_org_unit', `there is no org unit ${opts.rootUnit}`, [{ path: '/orgUnit', rule: 'unknown_reference', message: 'no such org unit' }]);
  const kept = prune(root);
  if (!kept) throw new GoalsError('empty_org', 'nobody belongs to this part of the org during the plan year', [{ path: '/orgUnit', rule: 'empty', message: 'no members in the plan year' }]);
  if (opts.method !== 'equal' && opts.method !== 'weights') rollUpWeights(kept, months.length, presence);
  else applyUnitWeights(kept, months.length, presence, opts.weights, opts.method === 'weights');
  return kept;
}

function personWeights(userId: string, nodeId: string, days: number[], opts: TreeOptions): bigint[] {
  const present = days.map((d) => d > 0);
  switch (opts.method) {
    case 'equal':
      return present.map((p) => (p ? 1n : 0n));
    case 'weights': {
      const w = opts.weights?.get(nodeId) ?? opts.weights?.get(userId) ?? WEIGHT_ONE;
      return present.map((p) => (p ? w : 0n));
    }
    case 'headcount':
      return days.map((d) => BigInt(d));
    case 'last_year': {
      const h = opts.history?.get(userId);
      const total = h ? h.reduce((a, b) => a + b, 0n) : 0n;
      return present.map((p) => (p ? (total > 0n ? total : 0n) : 0n));
    }
    case 'seasonality': {
      const h = opts.history?.get(userId);
      return present.map((p, j) => (p ? ((h?.[j] ?? 0n) > 0n ? h![j]! : 0n) : 0n));
    }
  }
}

/** Drops units without anyone in the year; returns undefined when the whole subtree is empty. */
function prune(node: SplitNode): SplitNode | undefined {
  if (node.kind === 'person') return node;
  node.children = (node.children ?? []).map(prune).filter((c): c is SplitNode => c !== undefined);
  return node.children.length ? node : undefined;
}

/**
 * History- and headcount-based methods weigh a unit by what its subtree carries. Where a whole
 * family has no history in a month (a new team), its members present that month fall back to
 * equal shares, so a plan never refuses for lack of history.
 */
function rollUpWeights(node: SplitNode, n: number, presence: ReadonlyMap<string, boolean[]>): { w: bigint[]; present: boolean[] } {
  if (node.kind === 'person') return { w: node.monthWeights!, present: presence.get(node.id)! };
  const kids = (node.children ?? []).map((c) => ({ c, ...rollUpWeights(c, n, presence) }));
  const w = new Array<bigint>(n).fill(0n);
  const present = new Array<boolean>(n).fill(false);
  for (let j = 0; j < n; j++) {
    if (kids.every((k) => k.w[j] === 0n)) for (const k of kids) k.w[j] = k.present[j] ? 1n : 0n;
    for (const k of kids) {
      w[j] = w[j]! + k.w[j]!;
      present[j] = present[j]! || k.present[j]!;
    }
  }
  for (const k of kids) k.c.monthWeights = k.w;
  node.monthWeights = w;
  return { w, present };
}

/** Equal and custom weights: a unit's weight counts only in months where someone in it is present. */
function applyUnitWeights(node: SplitNode, n: number, presence: ReadonlyMap<string, boolean[]>, weights: ReadonlyMap<string, bigint> | undefined, custom: boolean): boolean[] {
  if (node.kind === 'person') return presence.get(node.id)!;
  const present = new Array<boolean>(n).fill(false);
  for (const c of node.children ?? []) {
    const p = applyUnitWeights(c, n, presence, weights, custom);
    p.forEach((v, j) => (present[j] = present[j]! || v));
  }
  const w = custom ? (weights?.get(node.id) ?? WEIGHT_ONE) : 1n;
  node.monthWeights = present.map((p) => (p ? w : 0n));
  return present;
}

/**
 * Seasonality of the plan year from history: each history year's months as shares of that
 * year (scaled to 10^12), summed, so a year of growth does not outweigh the other.
 */
export function seasonalityWeights(years: ReadonlyArray<readonly bigint[]>): bigint[] | undefined {
  const n = years[0]?.length ?? 12;
  const out = new Array<bigint>(n).fill(0n);
  let used = 0;
  for (const y of years) {
    const total = y.reduce((a, b) => a + b, 0n);
    if (total <= 0n) continue;
    used++;
    y.forEach((v, j) => (out[j] = out[j]! + ((v > 0n ? v : 0n) * 1_000_000_000_000n) / total));
  }
  return used ? out : undefined;
}
