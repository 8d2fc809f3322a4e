// The effective-dated org service of one tenant: the one owner of "who is in which unit and
// reports to whom, from when to when" (DESIGN.md §10). Record writes feed it through
// `followRecordWrite`; imports and HR connectors call `change`.
import type { Registry } from '@attain/meta';
import type { Knex } from 'knex';
import type { Ctx, TenantRow } from '../context.ts';
import type { Actor } from '../types.ts';
import { emitOrgChange } from './events.ts';
import { managerChainIn, memberships, orgOn, unitHistory, type OrgDay, type OrgMembership, type OrgSource, type OrgUnitSpan } from './read.ts';
import { followRecordWrite } from './record-hook.ts';
import { today } from './timeline.ts';
import { changeOrg, type ChangeOptions, type OrgChange, type OrgChangeResult } from './write.ts';

export interface OrgService {
  memberships(users?: readonly string[]): Promise<OrgMembership[]>;
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

export function orgService(ctx: Ctx, row: TenantRow, registry: Registry): OrgService {
  const src = (q: Knex | Knex.Transaction = ctx.knex): OrgSource => ({ q, schema: row.schema_name, registry });
  return {
    memberships: (users) => memberships(src(), users),
    unitHistory: (units) => unitHistory(src(), units),
    on: (day = today()) => orgOn(src(), day),
    async managerChain(userId, levels, day = today()) {
      return managerChainIn(await orgOn(src(), day), userId.toLowerCase(), levels);
    },
    async change(change, opts = {}) {
      if (opts.dryRun) return changeOrg(src(), change, opts);
      const result = await ctx.knex.transaction(async (trx) => {
        const r = await changeOrg(src(trx), change, opts);
        await emitOrgChange(ctx, trx, row.name, r, opts.actor ?? { userId: null, label: 'org' }, registry.revision);
        return r;
      });
      // Caches keyed by the data version (RBAC team scopes) must see the new org.
      if (result.changes.length || result.unitChanges.length) ctx.changes.bumpData(row.schema_name);
      return result;
    },
  };
}

/** The record service's hook: the org follows a write of users or units, in its transaction. */
export async function orgAfterRecordWrite(ctx: Ctx, trx: Knex.Transaction, row: TenantRow, registry: Registry, object: Parameters<typeof followRecordWrite>[3], ids: readonly string[], before: Array<Record<string, unknown>>): Promise<void> {
  const result = await followRecordWrite(trx, row.schema_name, registry, object, ids, before);
  if (result) await emitOrgChange(ctx, trx, row.name, result, { userId: null, label: 'record' }, registry.revision);
}
