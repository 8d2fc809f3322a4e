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
}

/** Today in the tenant's time zone (its settings; UTC when it has none). */
export async function tenantToday(ctx: Ctx, q: Knex | Knex.Transaction, tenantId: string): Promise<string> {
  const row = (await ctx.table(q, 'tenants').where({ id: tenantId }).first('time_zone')) as { time_zone?: string | null } | undefined;
  return today(new Date(), row?.time_zone ?? null);
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
      await showOnRecords(ctx, row, registry, result, opts.actor ?? { userId: null, label: 'org' });
      return result;
    },
  };
}

/** The record service's hook: the org follows a write of users or units, in its transaction. */
export async function orgAfterRecordWrite(ctx: Ctx, trx: Knex.Transaction, row: TenantRow, registry: Registry, object: Parameters<typeof followRecordWrite>[3], ids: readonly string[], before: Array<Record<string, unknown>>, day?: string): Promise<void> {
  if (object.name !== 'user' && object.name !== 'org_unit') return;
  const result = await followRecordWrite(trx, row.schema_name, registry, object, ids, before, day ?? (await tenantToday(ctx, trx, row.id)));
  if (result) await emitOrgChange(ctx, trx, row.name, result, { userId: null, label: 'record' }, registry.revision);
}

/**
 * The user and org_unit records show today's answer: after a change through the service, records
 * whose org fields differ from today's spans are updated through the records service (audited,
 * with their record events). The org service then sees a write that matches today and moves
 * nothing. A change dated after today reaches the record only when it is next written.
 */
async function showOnRecords(ctx: Ctx, row: TenantRow, registry: Registry, result: OrgChangeResult, actor: Actor): Promise<void> {
  const day = await orgOn({ q: ctx.knex, schema: row.schema_name, registry }, await tenantToday(ctx, ctx.knex, row.id));
  const records = recordService(ctx, row, registry);
  const sync = async (object: string, ids: string[], want: (id: string) => Record<string, string | null> | undefined) => {
    if (!ids.length || !registry.object(object)) return;
    const fields = Object.keys(want(ids[0]!) ?? {}).filter((f) => registry.field(object, f));
    for (const rec of await records.getMany(object, ids)) {
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
  const moved = (id: string) => id in result.from;
  await sync('user', result.changes.map((c) => c.user_id).filter(moved), user);
  await sync('org_unit', result.unitChanges.map((c) => c.unit_id).filter(moved), unit);
}
