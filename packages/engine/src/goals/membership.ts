// Who was in which unit, under which manager, on which day: the org service's answer (goals keep
// no membership of their own). Record writes move it on the day they are made; an import moves it
// from back-dated days on.
import { org, StoreError } from '@attain/store';
import type { GoalsContext } from './context.ts';
import { GoalsError } from './errors.ts';

export const BEGINNING = org.BEGINNING;

export interface MembershipInput {
  user_id: string;
  org_unit_id: string | null;
  manager_id?: string | null;
  valid_from: string;
  valid_to?: string | null;
}

export type Membership = org.OrgMembership;

const source = (ctx: GoalsContext) => ({ q: ctx.knex, schema: ctx.schema, registry: ctx.registry });

export async function memberships(ctx: GoalsContext, users?: string[]): Promise<Membership[]> {
  return org.memberships(source(ctx), users);
}

/** Makes sure the org service has a history for every live user and unit. */
export async function seedMemberships(ctx: GoalsContext): Promise<void> {
  // Users and units written around the records service (a bulk SQL load, an old import) get a
  // history from their record, open since the beginning, as they did before the org service.
  await org.seedMissing(ctx.knex, await org.ensureOrgTables(ctx.knex, ctx.schema, ctx.registry));
}

export interface ImportPreview {
  changes: Array<{ user_id: string; before: Membership[]; after: Membership[] }>;
  /** The earliest date whose credit may move, per user. */
  from: Record<string, string>;
}

/**
 * An org import: rows say "from valid_from (to valid_to) this person is in this unit". Per
 * person, the import replaces their timeline from its earliest date on, through the org service
 * (which tells incentives to re-credit the periods it reaches). Refused, naming the row and
 * field, when a person would be in two units at the same date, a date is invalid, or a user or
 * unit does not exist. `dryRun` returns the diff without changing anything.
 */
export async function importMemberships(ctx: GoalsContext, rows: MembershipInput[], opts: { dryRun?: boolean } = {}): Promise<ImportPreview> {
  const change = { memberships: rows };
  const options = { dryRun: opts.dryRun === true, paths: { memberships: '/rows' }, source: 'import' };
  try {
    const result = ctx.store ? await (await ctx.store.org(ctx.tenant)).change(change, options) : await org.changeOrg(source(ctx), change, options);
    return { changes: result.changes, from: result.from };
  } catch (error) {
    if (error instanceof StoreError && error.code === 'validation_failed') throw new GoalsError('import_invalid', error.message, error.details);
    throw error;
  }
}
