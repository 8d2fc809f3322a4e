// Role assignments and role holders in the tenant's incentive tables, and the plan assignments they
// derive, kept next to the named ones (marked `via`) so every reader of plan assignments — the
// calculation, the linter, SQL — sees one effective list.
import type { ModuleHandle } from '@attain/store';
import { resolveRoleAssignments } from '../roles.ts';
import type { Assignment, Membership, OrgUnit, RoleAssignment, RoleHolding } from '../types.ts';
import { quoteIdent } from '@attain/meta';

type Knex = ModuleHandle['knex'];
type Row = Record<string, unknown>;
const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const dateText = (v: unknown): string | null => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));

export const tableOf = (schema: string) => (name: string) => `${quoteIdent(schema)}.${quoteIdent(`attain_incentives_${name}`)}`;

export async function readRoleAssignments(knex: Knex, schema: string): Promise<RoleAssignment[]> {
  const rows = (await knex.raw(`select id, plan_id, role, org_unit_id, valid_from, valid_to from ${tableOf(schema)('role_assignments')} order by id`)).rows as Row[];
  return rows.map((r) => ({
    id: text(r.id),
    planId: text(r.plan_id),
    role: text(r.role),
    orgUnitId: r.org_unit_id === null ? null : text(r.org_unit_id),
    from: dateText(r.valid_from) ?? '',
    to: dateText(r.valid_to),
  }));
}

export async function readRoleHolders(knex: Knex, schema: string, users: readonly string[] | null = null): Promise<RoleHolding[]> {
  const rows = (
    await knex.raw(
      `select user_id, role, valid_from, valid_to from ${tableOf(schema)('roles')} ${users ? 'where user_id = any(?::text[])' : ''} order by user_id, valid_from`,
      users ? [users as string[]] : [],
    )
  ).rows as Row[];
  return rows.map((r) => ({ userId: text(r.user_id), role: text(r.role), from: dateText(r.valid_from) ?? '', to: dateText(r.valid_to) }));
}

/**
 * The org as the engine last took it from the org service (`IncentiveEngine.syncOrg`, run on every
 * org event and full recalculation): members with their units, and units as they stand today.
 */
export async function readOrg(knex: Knex, schema: string): Promise<{ memberships: Membership[]; units: OrgUnit[] }> {
  const t = tableOf(schema);
  const members = (await knex.raw(`select user_id, org_unit_id, valid_from, valid_to from ${t('members')}`)).rows as Row[];
  const units = (await knex.raw(`select id, parent_id, head_id from ${t('units')}`)).rows as Row[];
  return {
    memberships: members.map((m) => ({ userId: text(m.user_id), orgUnitId: text(m.org_unit_id), from: dateText(m.valid_from) ?? '', to: dateText(m.valid_to) })),
    units: units.map((u) => ({ id: text(u.id), parentId: u.parent_id === null ? null : text(u.parent_id), headId: u.head_id === null ? null : text(u.head_id) })),
  };
}

export async function readNamedAssignments(knex: Knex, schema: string): Promise<Assignment[]> {
  const rows = (await knex.raw(`select kind, payee_id, key, valid_from, valid_to from ${tableOf(schema)('assignments')} where via is null order by id`)).rows as Row[];
  return rows.map((r) => ({ kind: r.kind as Assignment['kind'], payeeId: text(r.payee_id), key: text(r.key), from: dateText(r.valid_from) ?? '', to: dateText(r.valid_to) }));
}

/** The effective plan assignments if the named ones and role assignments were these (nothing written). */
export async function effectiveAssignments(
  knex: Knex,
  schema: string,
  change: { named?: readonly Assignment[]; roles?: readonly RoleAssignment[]; holdings?: readonly RoleHolding[] } = {},
): Promise<Assignment[]> {
  const named = (change.named ?? (await readNamedAssignments(knex, schema))).filter((a) => !a.via);
  const org = await readOrg(knex, schema);
  const derived = resolveRoleAssignments({
    roleAssignments: change.roles ?? (await readRoleAssignments(knex, schema)),
    holdings: change.holdings ?? (await readRoleHolders(knex, schema)),
    memberships: org.memberships,
    units: org.units,
    explicit: named,
  });
  return [...named, ...derived];
}

/** Replaces the role-derived plan assignments with what the role assignments give today. */
export async function rebuildDerived(trx: Knex, schema: string): Promise<void> {
  const t = tableOf(schema);
  const all = await effectiveAssignments(trx, schema);
  const derived = all.filter((a) => a.via);
  await trx.raw(`delete from ${t('assignments')} where via is not null`);
  if (!derived.length) return;
  const rows = derived.map((a, i) => ({ id: `r${String(i).padStart(8, '0')}`, kind: a.kind, payee_id: a.payeeId, key: a.key, valid_from: a.from, valid_to: a.to ?? null, via: a.via }));
  await trx.raw(
    `insert into ${t('assignments')} (id, kind, payee_id, key, valid_from, valid_to, via) select id, kind, payee_id, key, valid_from, valid_to, via from jsonb_to_recordset(?::jsonb) as x(id text, kind text, payee_id text, key text, valid_from date, valid_to date, via jsonb)`,
    [JSON.stringify(rows)],
  );
}

export async function writeRoleAssignments(trx: Knex, schema: string, list: readonly RoleAssignment[]): Promise<void> {
  const t = tableOf(schema);
  await trx.raw(`delete from ${t('role_assignments')}`);
  if (list.length) {
    await trx.raw(
      `insert into ${t('role_assignments')} (id, plan_id, role, org_unit_id, valid_from, valid_to) select id, plan_id, role, org_unit_id, valid_from, valid_to from jsonb_to_recordset(?::jsonb) as x(id text, plan_id text, role text, org_unit_id text, valid_from date, valid_to date)`,
      [JSON.stringify(list.map((r) => ({ id: r.id, plan_id: r.planId, role: r.role, org_unit_id: r.orgUnitId ?? null, valid_from: r.from, valid_to: r.to ?? null })))],
    );
  }
  await rebuildDerived(trx, schema);
}

export async function writeRoleHolders(trx: Knex, schema: string, list: readonly RoleHolding[]): Promise<void> {
  const t = tableOf(schema);
  await trx.raw(`delete from ${t('roles')}`);
  if (list.length) {
    await trx.raw(
      `insert into ${t('roles')} (user_id, role, valid_from, valid_to) select user_id, role, valid_from, valid_to from jsonb_to_recordset(?::jsonb) as x(user_id text, role text, valid_from date, valid_to date)`,
      [JSON.stringify(list.map((h) => ({ user_id: h.userId, role: h.role, valid_from: h.from, valid_to: h.to ?? null })))],
    );
  }
  await rebuildDerived(trx, schema);
}
