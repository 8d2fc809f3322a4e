// Who may see which people and units in the goals API: the record scope of the role on the KPI's
// object, the same rule for attainment, live measures and target plans (DESIGN.md §9.3).
// scope all (admins, finance): everyone; team (managers): the people and org units of the caller's
// subtree; own (reps): only themselves, and no unit.
import type { GoalsContext, PlanGrid } from '@attain/engine';
import { GoalsError, kpiOf } from '@attain/engine';
import { forbidden } from '../http/errors.ts';
import type { AccessContext } from '../rbac/context.ts';
import { isAdmin, objectPermission } from '../rbac/permissions.ts';

export type Visibility = 'all' | { users: ReadonlySet<string>; units: ReadonlySet<string> };

export type Subject = { kind: 'person' | 'unit'; id: string };

/** What the caller may see of a KPI's people and units; 403 when the role may not read its object. */
export async function kpiVisibility(access: AccessContext, ctx: GoalsContext, kpi: string): Promise<Visibility> {
  if (isAdmin(access.principal.role)) return 'all';
  const object = access.registry.object(kpiOf(ctx, kpi).object);
  const perm = object ? objectPermission(access.principal.role, object) : undefined;
  if (!perm?.actions.has('read')) throw forbidden('your role may not read this KPI');
  if (perm.scope === 'all') return 'all';
  const self = access.principal.userId;
  if (perm.scope === 'team') return { users: new Set(await access.teamOwners()), units: new Set(await access.teamUnits()) };
  return { users: new Set([self]), units: new Set() };
}

export function sees(v: Visibility, s: Subject): boolean {
  if (v === 'all') return true;
  return s.kind === 'unit' ? v.units.has(s.id.toLowerCase()) : v.users.has(s.id.toLowerCase());
}

/** 403 naming the parameter when any subject lies outside the caller's scope. */
export async function assertMaySee(access: AccessContext, ctx: GoalsContext, kpi: string, subjects: Subject[]): Promise<void> {
  const v = await kpiVisibility(access, ctx, kpi);
  for (const s of subjects) {
    if (!sees(v, s)) throw forbidden(`you may not see the attainment of this ${s.kind}`, [{ path: `/${s.kind}`, rule: 'scope', message: 'outside your record scope' }]);
  }
}

type GridRow = PlanGrid['rows'][number];

/** Whether one row of a target grid (a person or a unit; the company row is a unit without id) is visible. */
export function seesRow(v: Visibility, row: Pick<GridRow, 'kind' | 'userId' | 'unitId'>): boolean {
  if (v === 'all') return true;
  if (row.kind === 'person') return row.userId !== null && sees(v, { kind: 'person', id: row.userId });
  return row.unitId !== null && sees(v, { kind: 'unit', id: row.unitId });
}

/** The grid with only the rows the caller may see (a manager their subtree, a rep their own row). */
export function visibleGrid<G extends { rows: GridRow[] }>(v: Visibility, grid: G): G {
  return v === 'all' ? grid : { ...grid, rows: grid.rows.filter((r) => seesRow(v, r)) };
}

/** Node ids of the grid the caller may see. */
export function visibleNodes(v: Visibility, grid: { rows: GridRow[] }): Set<string> {
  return new Set(grid.rows.filter((r) => seesRow(v, r)).map((r) => r.node));
}

/**
 * Whether a split node is visible by its id alone: a unit node is the unit's id, a person node
 * the user's id (with `@unit` for people who moved units in the year); `company` only for all.
 */
export function seesNode(v: Visibility, node: string): boolean {
  if (v === 'all') return true;
  const id = node.toLowerCase();
  return v.units.has(id) || v.users.has(id.split('@')[0] ?? '');
}

/** A saved plan request with only the weights and locks of visible nodes. */
export function visibleRequest<R extends { weights?: Record<string, string>; locks?: Array<{ node: string }> }>(v: Visibility, req: R): R {
  if (v === 'all') return req;
  return {
    ...req,
    ...(req.weights ? { weights: Object.fromEntries(Object.entries(req.weights).filter(([node]) => seesNode(v, node))) } : {}),
    ...(req.locks ? { locks: req.locks.filter((l) => seesNode(v, l.node)) } : {}),
  };
}

/**
 * A split request (preview, draft, reconcile) from a caller who does not see everyone may lock or
 * weight only nodes they see: a manager plans their subtree, not a sibling's targets. A node
 * outside the scope is refused exactly like a node that is not in the plan, so the answer does
 * not tell which ids exist.
 */
export function assertRequestInScope(v: Visibility, req: { weights?: Record<string, string>; locks?: Array<{ node: string; month?: string }> }): void {
  if (v === 'all') return;
  const bad = [
    ...(req.locks ?? [])
      .filter((l) => typeof l?.node === 'string' && !seesNode(v, l.node))
      .map((l) => ({ path: `/cells/${l.node}/${l.month ?? 'year'}`, rule: 'unknown_cell', message: `there is no node ${l.node} in this plan's org tree` })),
    ...Object.keys(req.weights ?? {})
      .filter((node) => !seesNode(v, node))
      .map((node) => ({ path: `/weights/${node}`, rule: 'unknown_cell', message: `there is no node ${node} in this plan's org tree` })),
  ];
  if (bad.length) throw new GoalsError('split_refused', 'some locked cells are not in the plan', bad.slice(0, 50));
}
