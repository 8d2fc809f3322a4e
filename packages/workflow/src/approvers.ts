// Who approves: named users, roles, the submitter's manager N levels up, the head of an org
// unit, a user field on the record, the owner or the submitter; then delegations apply. Managers
// and heads come from the effective-dated org service, on the day the approval is routed.
import type { ApproverSpec, Registry } from '@attain/meta';
import { quoteIdent } from '@attain/meta';
import type { Knex } from 'knex';
import { calendar, org } from '@attain/store';
import { T } from './module.ts';

type Q = Knex | Knex.Transaction;

export interface ResolveContext {
  q: Q;
  schema: string;
  registry: Registry;
  record: Record<string, unknown> | null;
  submitterId: string | null;
  now: Date;
  /** The tenant's time zone: the org is read on `now`'s day there, not on the UTC day. */
  timeZone: string;
}

export interface ResolvedApprover {
  approverId: string;
  /** Set when a delegation routed the task away from this user. */
  originalId?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function userTable(ctx: ResolveContext): string {
  const user = ctx.registry.object('user');
  if (!user) return '';
  return `${quoteIdent(ctx.schema)}.${quoteIdent(user.table)}`;
}

const hasField = (ctx: ResolveContext, object: string, field: string) => Boolean(ctx.registry.field(object, field));

/** Live, active users among the ids, in the given order. */
async function liveUsers(ctx: ResolveContext, ids: string[]): Promise<string[]> {
  const wanted = [...new Set(ids.filter((id) => UUID.test(id)).map((id) => id.toLowerCase()))];
  const table = userTable(ctx);
  if (wanted.length === 0 || !table) return [];
  const active = hasField(ctx, 'user', 'active') ? ' and active is not false' : '';
  const res = (await ctx.q.raw(`select id from ${table} where id = any(?::uuid[]) and deleted_at is null${active}`, [wanted])) as { rows: Array<{ id: string }> };
  const found = new Set(res.rows.map((r) => r.id));
  return wanted.filter((id) => found.has(id));
}

/** The org on the approval's day in the tenant's time zone, from the effective-dated org service (read in the caller's transaction). */
async function orgDay(ctx: ResolveContext): Promise<org.OrgDay | undefined> {
  if (!ctx.registry.object('user')) return undefined;
  return org.orgOn({ q: ctx.q, schema: ctx.schema, registry: ctx.registry }, calendar.localToday(ctx.timeZone, ctx.now));
}

async function managerChain(ctx: ResolveContext, fromUser: string, levels: number): Promise<string | undefined> {
  const day = await orgDay(ctx);
  if (!day || !UUID.test(fromUser) || levels < 1) return undefined;
  const chain = org.managerChainIn(day, fromUser.toLowerCase(), levels);
  return chain.length === levels ? chain[levels - 1] : undefined;
}

async function orgHead(ctx: ResolveContext, spec: ApproverSpec): Promise<string | undefined> {
  if (!ctx.registry.object('org_unit') || !hasField(ctx, 'org_unit', 'head_id')) return undefined;
  const day = await orgDay(ctx);
  if (!day) return undefined;
  const submitter = ctx.submitterId?.toLowerCase() ?? null;
  const start = spec.orgUnitId?.toLowerCase() ?? (submitter ? day.users.find((u) => u.id === submitter)?.org_unit_id : undefined);
  // Walk up from the unit; the first head at or above `levelsUp` who is not the submitter
  // approves (a unit head does not approve their own submission).
  return org.headAbove(day, start ?? null, spec.levelsUp ?? 0, submitter) ?? undefined;
}

async function resolveOne(ctx: ResolveContext, spec: ApproverSpec): Promise<string[]> {
  switch (spec.type) {
    case 'user':
      return spec.userId ? [spec.userId] : [];
    case 'role': {
      const table = userTable(ctx);
      if (!table || !hasField(ctx, 'user', 'role')) return [];
      const res = (await ctx.q.raw(`select id from ${table} where role = ? and deleted_at is null order by id`, [spec.role ?? ''])) as { rows: Array<{ id: string }> };
      return res.rows.map((r) => r.id);
    }
    case 'manager': {
      if (!ctx.submitterId) return [];
      const m = await managerChain(ctx, ctx.submitterId, spec.levels ?? 1);
      return m ? [m] : [];
    }
    case 'org_head': {
      const h = await orgHead(ctx, spec);
      return h ? [h] : [];
    }
    case 'field': {
      const v = spec.field ? ctx.record?.[spec.field] : undefined;
      return typeof v === 'string' ? [v] : [];
    }
    case 'owner': {
      const v = ctx.record?.owner_id ?? ctx.record?.created_by;
      return typeof v === 'string' ? [v] : [];
    }
    case 'submitter':
      return ctx.submitterId ? [ctx.submitterId] : [];
    default:
      return [];
  }
}

/** Users the specs name (live and active), without delegation. */
export async function resolveUsers(ctx: ResolveContext, specs: readonly ApproverSpec[]): Promise<string[]> {
  const ids: string[] = [];
  for (const spec of specs) ids.push(...(await resolveOne(ctx, spec)));
  return liveUsers(ctx, ids);
}

/** The delegate standing in for a user at a time, following chains (A→B→C) up to 5 hops. */
export async function delegateOf(q: Q, schema: string, userId: string, at: Date): Promise<string | undefined> {
  let current = userId;
  let hops = 0;
  const seen = new Set([userId]);
  for (;;) {
    const res = (await q.raw(
      `select to_user from ${quoteIdent(schema)}.${T.delegations} where from_user = ? and revoked_at is null and starts_at <= ? and ends_at > ? order by created_at desc limit 1`,
      [current, at, at],
    )) as { rows: Array<{ to_user: string }> };
    const next = res.rows[0]?.to_user;
    if (!next || seen.has(next) || hops >= 5) return current === userId ? undefined : current;
    seen.add(next);
    current = next;
    hops++;
  }
}

/** The delegate standing in for a user, unless the chain ends at the submitter (who never decides their own request). */
async function withDelegation(ctx: ResolveContext, userId: string): Promise<ResolvedApprover> {
  const d = await delegateOf(ctx.q, ctx.schema, userId, ctx.now);
  return d && d !== ctx.submitterId ? { approverId: d, originalId: userId } : { approverId: userId };
}

async function delegated(ctx: ResolveContext, users: readonly string[]): Promise<ResolvedApprover[]> {
  const out = new Map<string, ResolvedApprover>();
  for (const u of users) {
    const r = await withDelegation(ctx, u);
    if (!out.has(r.approverId)) out.set(r.approverId, r);
  }
  return [...out.values()];
}

/** Users whose role is an admin role, live and active, in id order. */
async function admins(ctx: ResolveContext): Promise<string[]> {
  const table = userTable(ctx);
  const roles = ctx.registry
    .documentsOf('role')
    .filter((r) => r.admin === true)
    .map((r) => r.name);
  if (!table || roles.length === 0 || !hasField(ctx, 'user', 'role')) return [];
  const res = (await ctx.q.raw(`select id from ${table} where role = any(?::text[]) and deleted_at is null order by id`, [roles])) as { rows: Array<{ id: string }> };
  return liveUsers(
    ctx,
    res.rows.map((r) => r.id),
  );
}

/**
 * Where a step goes when every approver it names is the submitter: up the submitter's manager
 * chain to the first live user, else to the admins other than the submitter.
 */
async function routeAroundSubmitter(ctx: ResolveContext, submitter: string): Promise<ResolvedApprover[]> {
  for (let level = 1; level <= 20; level++) {
    const m = await managerChain(ctx, submitter, level);
    if (!m) break;
    const [live] = (await liveUsers(ctx, [m])).filter((u) => u !== submitter);
    if (live) return delegated(ctx, [live]);
  }
  return delegated(
    ctx,
    (await admins(ctx)).filter((u) => u !== submitter),
  );
}

/**
 * Approvers for a step: the specs, else the step's fallback, else the flow's; delegations applied.
 * Nobody approves their own request: the submitter is never a candidate, a delegation that would
 * hand the task to the submitter is ignored, and when that leaves nobody the step routes around
 * the submitter (their manager chain, then another admin).
 */
export async function resolveApprovers(ctx: ResolveContext, ...candidates: Array<readonly ApproverSpec[] | undefined>): Promise<ResolvedApprover[]> {
  const submitter = ctx.submitterId?.toLowerCase() ?? null;
  let excluded = false;
  for (const specs of candidates) {
    if (!specs || specs.length === 0) continue;
    const all = await resolveUsers(ctx, specs);
    const users = all.filter((u) => u !== submitter);
    if (users.length < all.length) excluded = true;
    if (users.length > 0) return delegated(ctx, users);
  }
  return excluded && submitter ? routeAroundSubmitter(ctx, submitter) : [];
}
