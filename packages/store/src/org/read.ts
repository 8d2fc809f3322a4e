// Reading the effective-dated org: the one answer to "who is in which unit and reports to whom,
// on which day". RBAC team scope, goals, incentive roll-ups and approval chains all ask here.
import type { Registry } from '@attain/meta';
import { ensureOrgTables, orgTables, type Q } from './tables.ts';

/** A user's unit and manager over [valid_from, valid_to) (valid_to null: still so). */
export interface OrgMembership {
  user_id: string;
  org_unit_id: string | null;
  manager_id: string | null;
  valid_from: string;
  valid_to: string | null;
}

/** A unit's parent and head over [valid_from, valid_to). */
export interface OrgUnitSpan {
  unit_id: string;
  parent_id: string | null;
  head_id: string | null;
  valid_from: string;
  valid_to: string | null;
}

/** The org on one day. */
export interface OrgDay {
  day: string;
  users: Array<{ id: string; org_unit_id: string | null; manager_id: string | null }>;
  units: Array<{ id: string; parent_id: string | null; head_id: string | null }>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ids = (list: readonly string[]) => [...new Set(list.filter((v) => UUID.test(v)).map((v) => v.toLowerCase()))];
const mcols = `user_id::text as user_id, org_unit_id::text as org_unit_id, manager_id::text as manager_id, to_char(valid_from, 'YYYY-MM-DD') as valid_from, to_char(valid_to, 'YYYY-MM-DD') as valid_to`;
const ucols = `unit_id::text as unit_id, parent_id::text as parent_id, head_id::text as head_id, to_char(valid_from, 'YYYY-MM-DD') as valid_from, to_char(valid_to, 'YYYY-MM-DD') as valid_to`;

/** Read access to one tenant's org: `q` may be a transaction, so a write sees its own changes. */
export interface OrgSource {
  q: Q;
  schema: string;
  registry: Registry;
}

/** Every membership span, or those of the given users, ordered by user and date. */
export async function memberships(src: OrgSource, users?: readonly string[]): Promise<OrgMembership[]> {
  const t = await ensureOrgTables(src.q, src.schema, src.registry);
  const where = users ? 'where user_id = any(?::uuid[])' : '';
  return (await src.q.raw(`select ${mcols} from ${t.membership} ${where} order by user_id, valid_from`, users ? [ids(users)] : [])).rows as OrgMembership[];
}

/** Every unit span, or those of the given units, ordered by unit and date. */
export async function unitHistory(src: OrgSource, units?: readonly string[]): Promise<OrgUnitSpan[]> {
  const t = await ensureOrgTables(src.q, src.schema, src.registry);
  const where = units ? 'where unit_id = any(?::uuid[])' : '';
  return (await src.q.raw(`select ${ucols} from ${t.units} ${where} order by unit_id, valid_from`, units ? [ids(units)] : [])).rows as OrgUnitSpan[];
}

/**
 * SQL saying a span covers a day: `valid_from <= day < valid_to` (open when null). Every reader of
 * "in effect on a day" — in this module or in SQL of other modules — uses this one text.
 * `alias` qualifies the columns ('' for none); `day` is an SQL expression (a bound `?::date`
 * appears twice: bind the day twice).
 */
export function coversSql(alias: string, day: string): string {
  const c = alias ? `${alias}.` : '';
  return `${c}valid_from <= ${day} and (${c}valid_to is null or ${day} < ${c}valid_to)`;
}

/**
 * A recursive CTE `name(unit, day, ancestor, depth)` for SQL of other modules (goals roll-ups):
 * each row (unit, day) of `seed` with the unit itself at depth 0 and every unit above it along
 * the parents in effect on that day — the tree as it was, read from the unit history with the
 * same rule as `orgOn`. A parent cycle ends at 64 levels. The caller writes `WITH RECURSIVE`.
 */
export function unitAncestorsCte(src: Pick<OrgSource, 'schema' | 'registry'>, name: string, seed: string): string {
  const units = orgTables(src.schema, src.registry).units;
  return `${name}(unit, day, ancestor, depth) AS (
    SELECT s.unit, s.day, s.unit, 0 FROM (${seed}) s(unit, day)
    UNION ALL
    SELECT a.unit, a.day, h.parent_id, a.depth + 1 FROM ${name} a JOIN ${units} h ON h.unit_id = a.ancestor AND ${coversSql('h', 'a.day')}
    WHERE h.parent_id IS NOT NULL AND a.depth < 64)`;
}

/**
 * The units directly under `unitId` on `day` (the tree as it was then), in id order.
 */
export async function childUnitsOn(src: OrgSource, unitId: string, day: string): Promise<string[]> {
  const t = await ensureOrgTables(src.q, src.schema, src.registry);
  if (!UUID.test(unitId)) return [];
  return (
    (await src.q.raw(`select unit_id::text as id from ${t.units} where parent_id = ?::uuid and ${coversSql('', '?::date')} order by unit_id`, [unitId.toLowerCase(), day, day])).rows as Array<{
      id: string;
    }>
  ).map((r) => r.id);
}

/** Who was in which unit under whom, and how units nested, on `day`. */
export async function orgOn(src: OrgSource, day: string): Promise<OrgDay> {
  const t = await ensureOrgTables(src.q, src.schema, src.registry);
  const at = coversSql('', '?::date');
  const users = (await src.q.raw(`select user_id::text as id, org_unit_id::text as org_unit_id, manager_id::text as manager_id from ${t.membership} where ${at} order by user_id`, [day, day]))
    .rows as OrgDay['users'];
  const units = (await src.q.raw(`select unit_id::text as id, parent_id::text as parent_id, head_id::text as head_id from ${t.units} where ${at} order by unit_id`, [day, day]))
    .rows as OrgDay['units'];
  return { day, users, units };
}

/**
 * A user's manager on a day: the membership's manager, else the head of the user's unit, or of
 * the nearest unit above it whose head is someone else (a head reports to the head above).
 */
export function managerIn(org: OrgDay, userId: string): string | null {
  const m = org.users.find((u) => u.id === userId);
  if (!m) return null;
  if (m.manager_id && m.manager_id !== userId) return m.manager_id;
  return headAbove(org, m.org_unit_id, 0, userId);
}

/** The first head at or above `levelsUp` levels over `unitId` who is not `exclude`; cycles end the walk. */
export function headAbove(org: OrgDay, unitId: string | null, levelsUp: number, exclude: string | null): string | null {
  const byId = new Map(org.units.map((u) => [u.id, u]));
  const seen = new Set<string>();
  let unit = unitId ? byId.get(unitId) : undefined;
  for (let depth = 0; unit && !seen.has(unit.id); depth++) {
    seen.add(unit.id);
    if (depth >= levelsUp && unit.head_id && unit.head_id !== exclude) return unit.head_id;
    unit = unit.parent_id ? byId.get(unit.parent_id) : undefined;
  }
  return null;
}

/** The user's managers on the day, nearest first, at most `levels`; stops at a cycle. */
export function managerChainIn(org: OrgDay, userId: string, levels: number): string[] {
  const chain: string[] = [];
  const seen = new Set([userId]);
  let current = userId;
  for (let i = 0; i < levels; i++) {
    const next = managerIn(org, current);
    if (!next || seen.has(next)) break;
    chain.push(next);
    seen.add(next);
    current = next;
  }
  return chain;
}

/** A number that moves with every committed change of the org (seeding counts as none). */
export async function orgVersion(src: OrgSource): Promise<number> {
  const t = await ensureOrgTables(src.q, src.schema, src.registry);
  return Number(((await src.q.raw(`select version from ${t.version} where id = 1`)).rows as Array<{ version: unknown }>)[0]?.version ?? 0);
}
