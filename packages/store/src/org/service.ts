// The effective-dated org service of one tenant: the one owner of "who is in which unit and
// reports to whom, from when to when" (DESIGN.md §10). Record writes feed it through
// `followRecordWrite`; imports and HR connectors call `change`.
import type { Registry } from '@attain/meta';
import type { Knex } from 'knex';
import type { Ctx, TenantRow } from '../context.ts';
import type { Actor } from '../types.ts';
import { emitOrgChange } from './events.ts';
import { managerChainIn, memberships, orgOn, orgVersion, unitHistory, type OrgDay, type OrgMembership, type OrgSource, type OrgUnitSpan } from './read.ts';
import { followRecordWrite } from './record-hook.ts';
import { today } from './timeline.ts';
import { ensureOrgTables } from './tables.ts';
import { jobQueue } from '../jobs.ts';
import { dayStart } from '../calendar.ts';
import { recordService } from '../records/service.ts';
import { changeOrg, type ChangeOptions, type OrgChange, type OrgChangeResult } from './write.ts';

export interface OrgService {
  memberships(users?: readonly string[]): Promise<OrgMembership[]>;
  /** Moves with every committed change: a reader keeping a projection compares it to skip a rebuild. */
  version(): Promise<number>;
  unitHistory(units?: readonly string[]): Promise<OrgUnitSpan[]>;
  /** The org on a day (default today). */
  on(day?: string): Promise<OrgDay>;
  /** A user's managers on a day, nearest first. */
  managerChain(userId: string, levels: number, day?: string): Promise<string[]>;
  /**
   * Changes the org from given dates on — the function HR connectors and imports call. Rows
   * replace each person's or unit's timeline from their earliest `valid_from`; refused as a whole
   * (StoreError `validation_failed`, naming row and field) when anything is wrong. The change and
   * the event telling incentives and goals to recalculate the reached periods commit together.
   */
  change(change: OrgChange | unknown, opts?: ChangeOptions & { actor?: Actor }): Promise<OrgChangeResult>;
  /**
   * The daily job's work (see daily.ts): the records of users and units whose spans start or end
   * after `since` and on or before today (tenant's zone, at `now`) are brought to today's answer;
   * RBAC caches are told; the next such day is scheduled. Idempotent: a second run finds nothing.
   */
  applyDay(opts: { since: string; day?: string; now?: Date }): Promise<OrgDayApplied>;
}

export interface OrgDayApplied {
  day: string;
  users: number;
  units: number;
  /** The next day a span starts or ends on, whose job is now scheduled (null: none). */
  next: string | null;
}

/** The queue of the org's daily job; one job per tenant and day a dated change takes effect on. */
export const ORG_DAILY_QUEUE = 'org.daily';

async function tenantZone(ctx: Ctx, q: Knex | Knex.Transaction, tenantId: string): Promise<string> {
  const row = (await ctx.table(q, 'tenants').where({ id: tenantId }).first('time_zone')) as { time_zone?: string | null } | undefined;
  return row?.time_zone || 'UTC';
}

/** Today in the tenant's time zone (its settings; UTC when it has none). */
export async function tenantToday(ctx: Ctx, q: Knex | Knex.Transaction, tenantId: string, now: Date = new Date()): Promise<string> {
  return today(now, await tenantZone(ctx, q, tenantId));
}

export function orgService(ctx: Ctx, row: TenantRow, registry: Registry): OrgService {
  const src = (q: Knex | Knex.Transaction = ctx.knex): OrgSource => ({ q, schema: row.schema_name, registry });
  return {
    memberships: (users) => memberships(src(), users),
    version: () => orgVersion(src()),
    unitHistory: (units) => unitHistory(src(), units),
    on: async (day) => orgOn(src(), day ?? (await tenantToday(ctx, ctx.knex, row.id))),
    async managerChain(userId, levels, day) {
      return managerChainIn(await orgOn(src(), day ?? (await tenantToday(ctx, ctx.knex, row.id))), userId.toLowerCase(), levels);
    },
    async change(change, opts = {}) {
      if (opts.dryRun) return changeOrg(src(), change, opts);
      const result = await ctx.knex.transaction(async (trx) => {
        const r = await changeOrg(src(trx), change, opts);
        await emitOrgChange(ctx, trx, row.name, r, opts.actor ?? { userId: null, label: 'org' }, registry.revision);
        return r;
      });
      if (!Object.keys(result.from).length) return result;
      // Caches keyed by the data version (RBAC team scopes) must see the new org.
      ctx.changes.bumpData(row.schema_name);
      const moved = (id: string) => id in result.from;
      await showOnRecords(ctx, row, registry, result.changes.map((c) => c.user_id).filter(moved), result.unitChanges.map((c) => c.unit_id).filter(moved), opts.actor ?? { userId: null, label: 'org' });
      // A change dated after today reaches the records on its day, by the daily job.
      const day = await tenantToday(ctx, ctx.knex, row.id);
      const next = await nextChangeDay(src(), day);
      if (next) await scheduleDay(ctx, row, next, day);
      return result;
    },
    async applyDay({ since, day: planned, now = new Date() }) {
      const day = await tenantToday(ctx, ctx.knex, row.id, now);
      // Claimed before its day in the tenant's zone (the zone changed since it was scheduled):
      // the job of that day is scheduled at the new midnight instead.
      if (planned && planned > day) {
        await scheduleDay(ctx, row, planned, since);
        return { day, users: 0, units: 0, next: planned };
      }
      const t = await ensureOrgTables(ctx.knex, row.schema_name, registry);
      const reached = async (table: string, id: string) =>
        (
          (
            await ctx.knex.raw(`select distinct ${id}::text as id from ${table} where (valid_from > ?::date and valid_from <= ?::date) or (valid_to > ?::date and valid_to <= ?::date) order by 1`, [
              since,
              day,
              since,
              day,
            ])
          ).rows as Array<{ id: string }>
        ).map((r) => r.id);
      const users = await reached(t.membership, 'user_id');
      const units = await reached(t.units, 'unit_id');
      if (users.length || units.length) {
        ctx.changes.bumpData(row.schema_name);
        await showOnRecords(ctx, row, registry, users, units, { userId: null, label: 'org' }, day);
      }
      const next = await nextChangeDay(src(), day);
      if (next) await scheduleDay(ctx, row, next, day);
      return { day, users: users.length, units: units.length, next };
    },
  };
}

/** The first day after `day` on which some span starts or ends, if any. */
async function nextChangeDay(src: OrgSource, day: string): Promise<string | null> {
  const t = await ensureOrgTables(src.q, src.schema, src.registry);
  const first = (table: string, col: string) => `select min(${col}) as d from ${table} where ${col} > ?::date`;
  const row = (
    (
      await src.q.raw(
        `select to_char(min(d), 'YYYY-MM-DD') as d from (${first(t.membership, 'valid_from')} union all ${first(t.membership, 'valid_to')} union all ${first(t.units, 'valid_from')} union all ${first(t.units, 'valid_to')}) x`,
        [day, day, day, day],
      )
    ).rows as Array<{ d: string | null }>
  )[0];
  return row?.d ?? null;
}

/**
 * Enqueues the daily job of `day` (from its local midnight), covering changes after `since`. The
 * key — tenant, day and zone — makes several nodes, and several changes, schedule it once; a
 * tenant that changes its zone gets the day's job at the new midnight.
 */
async function scheduleDay(ctx: Ctx, row: TenantRow, day: string, since: string): Promise<void> {
  const timeZone = await tenantZone(ctx, ctx.knex, row.id);
  await jobQueue(ctx).enqueue({
    queue: ORG_DAILY_QUEUE,
    tenant: row.name,
    key: `org-day:${row.id}:${day}:${timeZone}`,
    payload: { tenant: row.name, day, since },
    runAt: dayStart(day, timeZone),
    maxAttempts: 10,
  });
}

/** The record service's hook: the org follows a write of users or units, in its transaction. */
export async function orgAfterRecordWrite(
  ctx: Ctx,
  trx: Knex.Transaction,
  row: TenantRow,
  registry: Registry,
  object: Parameters<typeof followRecordWrite>[3],
  ids: readonly string[],
  before: Array<Record<string, unknown>>,
  day?: string,
): Promise<void> {
  if (object.name !== 'user' && object.name !== 'org_unit') return;
  const result = await followRecordWrite(trx, row.schema_name, registry, object, ids, before, day ?? (await tenantToday(ctx, trx, row.id)));
  if (result) await emitOrgChange(ctx, trx, row.name, result, { userId: null, label: 'record' }, registry.revision);
}

/**
 * The user and org_unit records show today's answer: after a change through the service, records
 * whose org fields differ from today's spans are updated through the records service (audited,
 * with their record events). The org service then sees a write that matches today and moves
 * nothing. A change dated after today reaches the records on its day, by the daily job.
 */
async function showOnRecords(ctx: Ctx, row: TenantRow, registry: Registry, userIds: string[], unitIds: string[], actor: Actor, on?: string): Promise<void> {
  const day = await orgOn({ q: ctx.knex, schema: row.schema_name, registry }, on ?? (await tenantToday(ctx, ctx.knex, row.id)));
  // The updates state that day's answer as of that day, so the org sees nothing to move.
  const records = recordService(ctx, row, registry, undefined, on);
  const sync = async (object: string, ids: string[], want: (id: string) => Record<string, string | null> | undefined, keep?: (rec: Record<string, unknown>) => boolean) => {
    if (!ids.length || !registry.object(object)) return;
    const fields = Object.keys(want(ids[0]!) ?? {}).filter((f) => registry.field(object, f));
    for (const rec of await records.getMany(object, ids)) {
      if (keep?.(rec)) continue;
      const target = want(String(rec.id)) ?? Object.fromEntries(fields.map((f) => [f, null]));
      const patch = Object.fromEntries(fields.filter((f) => (rec[f] ?? null) !== (target[f] ?? null)).map((f) => [f, target[f] ?? null]));
      if (Object.keys(patch).length) await records.update(object, String(rec.id), patch, actor);
    }
  };
  const user = (id: string) => {
    const u = day.users.find((x) => x.id === id);
    return { org_unit_id: u?.org_unit_id ?? null, manager_id: u?.manager_id ?? null };
  };
  const parentField = registry.object('org_unit')?.tree?.parentField ?? 'parent_id';
  const unit = (id: string) => {
    const u = day.units.find((x) => x.id === id);
    return { [parentField]: u?.parent_id ?? null, head_id: u?.head_id ?? null };
  };
  // A deactivated person out of the org keeps the unit and manager they had on their record (a
  // reactivation opens a new span from them); the org, not the record, says they are in none.
  await sync('user', userIds, user, (rec) => rec.active === false && !day.users.some((x) => x.id === String(rec.id)));
  await sync('org_unit', unitIds, unit);
}
