// Points, badges and leaderboards. Points come from `points` components (per qualifying credit:
// a visit 2 points; a won deal 10 points plus 1 per 10,000) and are stored on the payouts the
// calculation wrote, so a leaderboard is a read of live results, never a second calculation.
import { ZERO, dec, fmt, type Dec } from './decimal.ts';
import { versionFor } from './calculate.ts';
import type { IncentiveEngine } from './db/engine.ts';
import { periodEnd, periodStart, type FiscalCalendar } from './periods.ts';
import type { BadgeDef, IncentivePlanDoc } from './types.ts';
import { org } from '@attain/store';

type Row = Record<string, unknown>;

export interface LeaderboardRow {
  rank: number;
  payeeId: string;
  points: string;
  badges: Array<Pick<BadgeDef, 'id' | 'label'>>;
  /** Pay of the period; present only for payees whose pay the caller may see. */
  payout?: string;
  currency?: string;
}

export interface Leaderboard {
  period: string;
  team: string | null;
  rows: LeaderboardRow[];
}

/** Badges a payee earns in a period from one plan: every badge whose threshold the points reach. */
export function badgesFor(plan: IncentivePlanDoc, period: string, points: Dec, cal: FiscalCalendar): BadgeDef[] {
  const v = versionFor(plan, period, cal);
  return (v?.badges ?? []).filter((b) => points >= dec(b.minPoints)).sort((a, b) => (dec(a.minPoints) < dec(b.minPoints) ? -1 : 1));
}

/** Standard competition ranking (1, 1, 3) by points, ties ordered by payee id for a stable list. */
export function rankByPoints<T extends { payeeId: string; points: Dec }>(rows: readonly T[]): Array<T & { rank: number }> {
  const sorted = [...rows].sort((a, b) => (a.points === b.points ? a.payeeId.localeCompare(b.payeeId) : a.points > b.points ? -1 : 1));
  let rank = 0;
  return sorted.map((r, i) => {
    if (i === 0 || (sorted[i - 1] as T).points !== r.points) rank = i + 1;
    return { ...r, rank };
  });
}

/**
 * Where team membership is read: the tenant's org service (half-open spans) when the tenant has
 * users, else the org the engine was given with `setOrg` (inclusive spans).
 */
async function membershipTable(engine: IncentiveEngine): Promise<string> {
  const h = await engine.ensure();
  const registry = await engine.store.registry(engine.tenant);
  if (registry.object('user')) {
    const t = await org.ensureOrgTables(h.knex, h.schema, registry);
    return `(select user_id::text as user_id, org_unit_id::text as org_unit_id, valid_from, valid_to - 1 as valid_to from ${t.membership} where org_unit_id is not null)`;
  }
  return h.name('members');
}

/** The org unit a payee belongs to at the end of the period, or null. */
export async function teamOf(engine: IncentiveEngine, payeeId: string, period: string): Promise<string | null> {
  const h = await engine.ensure();
  const table = await membershipTable(engine);
  const end = periodEnd(period, engine.calendar);
  const row = (
    await h.knex.raw(`select org_unit_id from ${table} m where user_id = ? and valid_from <= ?::date and (valid_to is null or valid_to >= ?::date) order by valid_from desc limit 1`, [
      payeeId,
      end,
      end,
    ])
  ).rows[0] as Row | undefined;
  return row ? String(row.org_unit_id) : null;
}

/** Members of an org unit at any time during the period. */
export async function teamMembers(engine: IncentiveEngine, team: string, period: string): Promise<string[]> {
  const h = await engine.ensure();
  const table = await membershipTable(engine);
  const rows = (
    await h.knex.raw(`select distinct user_id from ${table} m where org_unit_id = ? and valid_from <= ?::date and (valid_to is null or valid_to >= ?::date) order by user_id`, [
      team,
      periodEnd(period, engine.calendar),
      periodStart(period, engine.calendar),
    ])
  ).rows as Row[];
  return rows.map((r) => String(r.user_id));
}

/**
 * A period's leaderboard, of one team or of everyone with points. `showPay` says whose pay the
 * caller may see; everyone else's row carries rank, points and badges only.
 */
export async function leaderboard(engine: IncentiveEngine, opts: { period: string; team?: string | null; showPay: (payeeId: string) => boolean; limit?: number }): Promise<Leaderboard> {
  const h = await engine.ensure();
  const members = opts.team ? await teamMembers(engine, opts.team, opts.period) : null;
  if (members && !members.length) return { period: opts.period, team: opts.team ?? null, rows: [] };
  const rows = (
    await h.knex.raw(
      `select payee_id, plan_id, currency, points::text as points, payout::text as payout from ${h.name('payouts')} where period = ? ${members ? 'and payee_id = any(?::text[])' : ''} order by payee_id, plan_id`,
      [opts.period, ...(members ? [members] : [])] as never[],
    )
  ).rows as Row[];
  const plans = new Map((await engine.plans()).map((p) => [p.id, p]));
  const byPayee = new Map<string, { payeeId: string; points: Dec; pay: Map<string, Dec>; badges: BadgeDef[] }>();
  for (const id of members ?? []) byPayee.set(id, { payeeId: id, points: ZERO, pay: new Map(), badges: [] });
  for (const r of rows) {
    const id = String(r.payee_id);
    const e = byPayee.get(id) ?? { payeeId: id, points: ZERO, pay: new Map<string, Dec>(), badges: [] };
    const points = dec(String(r.points));
    e.points += points;
    e.pay.set(String(r.currency), (e.pay.get(String(r.currency)) ?? ZERO) + dec(String(r.payout)));
    const plan = plans.get(String(r.plan_id));
    if (plan) for (const b of badgesFor(plan, opts.period, points, engine.calendar)) if (!e.badges.some((x) => x.id === b.id)) e.badges.push(b);
    byPayee.set(id, e);
  }
  const ranked = rankByPoints([...byPayee.values()].filter((e) => members || e.points !== ZERO)).slice(0, opts.limit ?? 500);
  return {
    period: opts.period,
    team: opts.team ?? null,
    rows: ranked.map((e) => {
      const row: LeaderboardRow = { rank: e.rank, payeeId: e.payeeId, points: fmt(e.points), badges: e.badges.map((b) => ({ id: b.id, label: b.label })) };
      if (opts.showPay(e.payeeId)) {
        const [currency, amount] = [...e.pay].sort()[0] ?? [];
        if (currency !== undefined && amount !== undefined) Object.assign(row, { payout: fmt(amount), currency });
      }
      return row;
    }),
  };
}
