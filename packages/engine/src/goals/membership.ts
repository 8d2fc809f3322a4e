// Effective-dated membership: who was in which unit, under which manager, on which day.
// Kept from user record events (a change takes effect on the day it is made) and importable
// with back-dated moves from an HR export.
import type { Knex } from 'knex';
import type { GoalsContext } from './context.ts';
import { GoalsError, type GoalsIssue } from './errors.ts';

export const BEGINNING = '1900-01-01';

export interface MembershipInput {
  user_id: string;
  org_unit_id: string | null;
  manager_id?: string | null;
  valid_from: string;
  valid_to?: string | null;
}

export interface Membership {
  user_id: string;
  org_unit_id: string | null;
  manager_id: string | null;
  valid_from: string;
  valid_to: string | null;
}

const DATE_SHAPE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
/** A real calendar day (not 2026-02-30) in 1900–2999, the years the API accepts for any date. */
function isDay(v: string): boolean {
  const year = Number(v.slice(0, 4));
  return DATE_SHAPE.test(v) && year >= 1900 && year <= 2999 && new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) === v;
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const cols = `user_id::text AS user_id, org_unit_id::text AS org_unit_id, manager_id::text AS manager_id, to_char(valid_from, 'YYYY-MM-DD') AS valid_from, to_char(valid_to, 'YYYY-MM-DD') AS valid_to`;

export async function memberships(ctx: GoalsContext, users?: string[], db: Knex | Knex.Transaction = ctx.knex): Promise<Membership[]> {
  const where = users ? 'WHERE user_id = ANY(?::uuid[])' : '';
  return (await db.raw(`SELECT ${cols} FROM ${ctx.t.membership} ${where} ORDER BY user_id, valid_from`, users ? [users] : [])).rows as Membership[];
}

/** Users without any membership get one from their record, open since the beginning. */
export async function seedMemberships(ctx: GoalsContext, db: Knex | Knex.Transaction = ctx.knex): Promise<void> {
  await db.raw(
    `INSERT INTO ${ctx.t.membership} (user_id, org_unit_id, manager_id, valid_from, source)
     SELECT u.id, u.org_unit_id, u.manager_id, ?::date, 'seed' FROM ${ctx.t.user} u
     WHERE u.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM ${ctx.t.membership} m WHERE m.user_id = u.id)`,
    [BEGINNING],
  );
}

/**
 * Applies a user record change on `day`: closes the open membership and opens a new one when
 * the unit or manager changed (a user's first membership counts from the beginning, so history
 * imported before the user record still finds a team). Returns whether anything changed.
 */
export async function applyUserChange(ctx: GoalsContext, userId: string, after: { org_unit_id?: unknown; manager_id?: unknown } | null, day: string): Promise<boolean> {
  return ctx.knex.transaction(async (trx) => {
    const rows = await memberships(ctx, [userId], trx);
    const open = rows.find((r) => r.valid_to === null);
    const unit = after && typeof after.org_unit_id === 'string' ? after.org_unit_id : null;
    const manager = after && typeof after.manager_id === 'string' ? after.manager_id : null;
    if (!after) {
      if (!open) return false;
      await trx.raw(`UPDATE ${ctx.t.membership} SET valid_to = ? WHERE user_id = ? AND valid_to IS NULL`, [day, userId]);
      return true;
    }
    if (open && open.org_unit_id === unit && open.manager_id === manager) return false;
    if (!rows.length) {
      await trx.raw(`INSERT INTO ${ctx.t.membership} (user_id, org_unit_id, manager_id, valid_from) VALUES (?, ?, ?, ?)`, [userId, unit, manager, BEGINNING]);
      return true;
    }
    if (open && open.valid_from >= day) {
      await trx.raw(`UPDATE ${ctx.t.membership} SET org_unit_id = ?, manager_id = ? WHERE user_id = ? AND valid_to IS NULL`, [unit, manager, userId]);
      return true;
    }
    await trx.raw(`UPDATE ${ctx.t.membership} SET valid_to = ? WHERE user_id = ? AND valid_to IS NULL`, [day, userId]);
    await trx.raw(`INSERT INTO ${ctx.t.membership} (user_id, org_unit_id, manager_id, valid_from) VALUES (?, ?, ?, ?)`, [userId, unit, manager, day]);
    return true;
  });
}

export interface ImportPreview {
  changes: Array<{ user_id: string; before: Membership[]; after: Membership[] }>;
  /** The earliest date whose credit may move, per user. */
  from: Record<string, string>;
}

/**
 * An org import: rows say "from valid_from (to valid_to) this person is in this unit". Per
 * person, the import replaces their timeline from its earliest date on. Refused, naming the
 * row and field, when a person would be in two units at the same date, a date is invalid, or a
 * user or unit does not exist. `dryRun` returns the diff without changing anything.
 */
export async function importMemberships(ctx: GoalsContext, rows: MembershipInput[], opts: { dryRun?: boolean } = {}): Promise<ImportPreview> {
  const issues: GoalsIssue[] = [];
  rows.forEach((r, i) => {
    if (typeof r.user_id !== 'string' || !UUID.test(r.user_id)) issues.push({ path: `/rows/${i}/user_id`, rule: 'type', message: 'must be a user id' });
    if (r.org_unit_id !== null && (typeof r.org_unit_id !== 'string' || !UUID.test(r.org_unit_id))) issues.push({ path: `/rows/${i}/org_unit_id`, rule: 'type', message: 'must be an org unit id or null' });
    if (r.manager_id != null && (typeof r.manager_id !== 'string' || !UUID.test(r.manager_id))) issues.push({ path: `/rows/${i}/manager_id`, rule: 'type', message: 'must be a user id or null' });
    if (typeof r.valid_from !== 'string' || !isDay(r.valid_from)) issues.push({ path: `/rows/${i}/valid_from`, rule: 'format', message: 'must be a date YYYY-MM-DD' });
    if (r.valid_to != null && (typeof r.valid_to !== 'string' || !isDay(r.valid_to) || r.valid_to <= r.valid_from)) issues.push({ path: `/rows/${i}/valid_to`, rule: 'format', message: 'must be a date after valid_from' });
  });
  if (issues.length) throw new GoalsError('import_invalid', 'some rows are invalid', issues);
  const byUser = new Map<string, Array<MembershipInput & { i: number }>>();
  rows.forEach((r, i) => byUser.set(r.user_id, [...(byUser.get(r.user_id) ?? []), { ...r, i }]));
  for (const list of byUser.values()) {
    list.sort((a, b) => (a.valid_from < b.valid_from ? -1 : a.valid_from > b.valid_from ? 1 : a.i - b.i));
    for (let k = 1; k < list.length; k++) {
      const prev = list[k - 1]!;
      const cur = list[k]!;
      if (prev.valid_from === cur.valid_from || (prev.valid_to != null && prev.valid_to > cur.valid_from)) {
        issues.push({ path: `/rows/${cur.i}/org_unit_id`, rule: 'overlap', message: `this person would be in two units on ${cur.valid_from} (see row ${prev.i + 1})` });
      }
    }
  }
  const userIds = [...byUser.keys()];
  const unitIds = [...new Set(rows.map((r) => r.org_unit_id).filter((u): u is string => !!u))];
  const knownUsers = new Set(((await ctx.knex.raw(`SELECT id::text AS id FROM ${ctx.t.user} WHERE id = ANY(?::uuid[])`, [userIds])).rows as Array<{ id: string }>).map((r) => r.id));
  const knownUnits = new Set(((await ctx.knex.raw(`SELECT id::text AS id FROM ${ctx.t.orgUnit} WHERE id = ANY(?::uuid[])`, [unitIds])).rows as Array<{ id: string }>).map((r) => r.id));
  rows.forEach((r, i) => {
    if (!knownUsers.has(r.user_id.toLowerCase())) issues.push({ path: `/rows/${i}/user_id`, rule: 'unknown_reference', message: 'no such user' });
    if (r.org_unit_id && !knownUnits.has(r.org_unit_id.toLowerCase())) issues.push({ path: `/rows/${i}/org_unit_id`, rule: 'unknown_reference', message: 'no such org unit' });
  });
  if (issues.length) throw new GoalsError('import_invalid', 'the import was refused; nothing was changed', issues);

  const current = await memberships(ctx, userIds);
  const preview: ImportPreview = { changes: [], from: {} };
  for (const [user, list] of byUser) {
    const start = list[0]!.valid_from;
    const before = current.filter((m) => m.user_id === user);
    const kept = before
      .filter((m) => m.valid_from < start)
      .map((m) => ({ ...m, valid_to: m.valid_to === null || m.valid_to > start ? start : m.valid_to }));
    const added: Membership[] = list.map((r, k) => ({
      user_id: user,
      org_unit_id: r.org_unit_id,
      manager_id: r.manager_id ?? null,
      valid_from: r.valid_from,
      valid_to: r.valid_to ?? list[k + 1]?.valid_from ?? null,
    }));
    preview.changes.push({ user_id: user, before, after: [...kept, ...added] });
    preview.from[user] = start;
  }
  if (opts.dryRun) return preview;
  await ctx.knex.transaction(async (trx) => {
    await trx.raw(`DELETE FROM ${ctx.t.membership} WHERE user_id = ANY(?::uuid[])`, [userIds]);
    const all = preview.changes.flatMap((c) => c.after);
    for (const m of all) {
      await trx.raw(`INSERT INTO ${ctx.t.membership} (user_id, org_unit_id, manager_id, valid_from, valid_to, source) VALUES (?, ?, ?, ?, ?, 'import')`, [m.user_id, m.org_unit_id, m.manager_id, m.valid_from, m.valid_to]);
    }
  });
  return preview;
}
