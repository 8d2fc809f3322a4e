// Goal alerts: configurable rules (pacing below a threshold from a day of the month on; no
// activity logged for N days) evaluated on a schedule. Each firing is recorded under a key, so a
// re-run (a retried job, a second node) never notifies twice; the person and their manager are
// told through a Notifier in the same transaction.
import type { Knex } from 'knex';
import { quoteIdent } from '@attain/meta';
import { attainment } from './attainment.ts';
import { daysBetween } from './calendar.ts';
import { localDateSql, today } from '../calendar/calendar.ts';
import { kpiOf, type GoalsContext } from './context.ts';
import { GoalsError, type GoalsIssue } from './errors.ts';

export type AlertRule =
  | { name: string; kind: 'pacing_below'; kpi: string; threshold: number; fromDay?: number; pacing?: 'linear' | 'seasonal'; unit?: string; enabled?: boolean }
  | { name: string; kind: 'no_activity'; kpi: string; days: number; unit?: string; enabled?: boolean };

/** One alert to deliver: who it is about, who hears of it, and the values its message names. */
export interface AlertNotice {
  tenant: string;
  key: string;
  rule: string;
  kind: AlertRule['kind'];
  subjectId: string;
  to: string[];
  params: Record<string, string | number>;
}

/** Delivers alerts; `db` is the transaction that records the firing, so both commit together. */
export interface AlertNotifier {
  notify(ctx: GoalsContext, notice: AlertNotice, db: Knex | Knex.Transaction): Promise<void>;
}

export const alertTables = (ctx: GoalsContext) => ({ rule: ctx.port.name('alert_rule'), fired: ctx.port.name('alert'), notice: ctx.port.name('notice') });

const NAME = /^[a-z][a-z0-9_]{0,62}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Checks a rule document; refuses it naming the field. */
export function checkRule(ctx: GoalsContext, raw: unknown): AlertRule {
  const issues: GoalsIssue[] = [];
  const r = (raw && typeof raw === 'object' && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  const num = (key: string, min: number, max: number, required: boolean) => {
    const v = r[key];
    if (v === undefined && !required) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) issues.push({ path: `/${key}`, rule: 'range', message: `must be a number from ${min} to ${max}` });
  };
  if (typeof r.name !== 'string' || !NAME.test(r.name)) issues.push({ path: '/name', rule: 'pattern', message: 'must be an api name (a-z, 0-9, _)' });
  if (r.kind !== 'pacing_below' && r.kind !== 'no_activity') issues.push({ path: '/kind', rule: 'enum', message: 'pacing_below | no_activity' });
  if (typeof r.kpi !== 'string') issues.push({ path: '/kpi', rule: 'required', message: 'names a KPI' });
  else if (!ctx.registry.documentsOf('kpi').some((k) => k.name === r.kpi)) issues.push({ path: '/kpi', rule: 'unknown_reference', message: `there is no kpi named "${r.kpi.slice(0, 64)}"` });
  if (r.kind === 'pacing_below') {
    num('threshold', 0.01, 10, true);
    num('fromDay', 1, 28, false);
    if (r.pacing !== undefined && r.pacing !== 'linear' && r.pacing !== 'seasonal') issues.push({ path: '/pacing', rule: 'enum', message: 'linear | seasonal' });
  }
  if (r.kind === 'no_activity') num('days', 1, 366, true);
  if (r.unit !== undefined && (typeof r.unit !== 'string' || !UUID.test(r.unit))) issues.push({ path: '/unit', rule: 'format', message: 'must be an org unit id' });
  if (r.enabled !== undefined && typeof r.enabled !== 'boolean') issues.push({ path: '/enabled', rule: 'type', message: 'must be true or false' });
  if (issues.length) throw new GoalsError('alert_rule_invalid', 'the alert rule was refused; nothing was changed', issues);
  const keep = ['name', 'kind', 'kpi', 'threshold', 'fromDay', 'pacing', 'days', 'unit', 'enabled'];
  return Object.fromEntries(Object.entries(r).filter(([k]) => keep.includes(k))) as AlertRule;
}

export async function putRule(ctx: GoalsContext, raw: unknown): Promise<AlertRule> {
  const rule = checkRule(ctx, raw);
  await ctx.knex.raw(`INSERT INTO ${alertTables(ctx).rule} (name, rule) VALUES (?, ?::jsonb) ON CONFLICT (name) DO UPDATE SET rule = excluded.rule, updated_at = now()`, [
    rule.name,
    JSON.stringify(rule),
  ]);
  return rule;
}

export async function deleteRule(ctx: GoalsContext, name: string): Promise<boolean> {
  const res = await ctx.knex.raw(`DELETE FROM ${alertTables(ctx).rule} WHERE name = ? RETURNING name`, [name]);
  return (res.rows as unknown[]).length > 0;
}

export async function listRules(ctx: GoalsContext): Promise<AlertRule[]> {
  return ((await ctx.knex.raw(`SELECT rule FROM ${alertTables(ctx).rule} ORDER BY name`)).rows as Array<{ rule: AlertRule }>).map((r) => r.rule);
}

interface Member {
  id: string;
  name: string;
  manager: string | null;
}

/** People in the org on `day` (optionally under one unit), with their manager on that day. */
async function audience(ctx: GoalsContext, day: string, unit?: string): Promise<Member[]> {
  const active = ctx.registry.field('user', 'active') ? 'AND coalesce(u.active, true)' : '';
  const userManager = ctx.registry.field('user', 'manager_id') ? 'u.manager_id' : 'NULL::uuid';
  const bindings: unknown[] = [day, day];
  let under = '';
  if (unit) {
    under = `AND m.org_unit_id IN (WITH RECURSIVE sub(id, depth) AS (SELECT ?::uuid, 0 UNION ALL SELECT o.id, sub.depth + 1 FROM ${ctx.t.orgUnit} o JOIN sub ON o.parent_id = sub.id WHERE sub.depth < 64) SELECT id FROM sub)`;
    bindings.push(unit);
  }
  return (
    await ctx.knex.raw(
      `SELECT u.id::text AS id, u.name, coalesce(m.manager_id, ${userManager})::text AS manager
     FROM ${ctx.t.user} u JOIN ${ctx.t.membership} m ON m.user_id = u.id AND m.valid_from <= ?::date AND (m.valid_to IS NULL OR m.valid_to > ?::date)
     WHERE u.deleted_at IS NULL AND m.org_unit_id IS NOT NULL ${active} ${under} ORDER BY u.id`,
      bindings as never,
    )
  ).rows as Member[];
}

interface Firing {
  key: string;
  who: Member;
  params: Record<string, string | number>;
}

async function pacingFirings(ctx: GoalsContext, rule: Extract<AlertRule, { kind: 'pacing_below' }>, day: string, people: Member[]): Promise<Firing[]> {
  if (Number(day.slice(8, 10)) < (rule.fromDay ?? 15) || !people.length) return [];
  const month = day.slice(0, 7);
  const rows = await attainment(ctx, { kpi: rule.kpi, period: month, asOf: day, subjects: people.map((p) => ({ kind: 'person' as const, id: p.id })), pacing: rule.pacing ?? 'seasonal' });
  const byId = new Map(people.map((p) => [p.id, p]));
  return rows
    .filter((r) => r.pacing !== null && r.pacing < rule.threshold)
    .map((r) => ({
      key: `${rule.name}:${r.subject.id}:${month}`,
      who: byId.get(r.subject.id)!,
      params: { kpi: rule.kpi, period: month, pacing: Math.round(r.pacing! * 10_000) / 10_000, threshold: rule.threshold, actual: r.actual ?? 0, expected: Math.round((r.expected ?? 0) * 100) / 100 },
    }));
}

async function idleFirings(ctx: GoalsContext, rule: Extract<AlertRule, { kind: 'no_activity' }>, day: string, people: Member[]): Promise<Firing[]> {
  if (!people.length) return [];
  const kpi = kpiOf(ctx, rule.kpi);
  const owner = `t.${quoteIdent(kpi.ownerColumn)}`;
  const d = localDateSql(`t.${quoteIdent(kpi.dateColumn)}`, kpi.dateStorage, ctx.calendar.timeZone);
  const date = d.text;
  // Only records the KPI counts (its filter is in `num`), up to the day being evaluated.
  const rows = (
    await ctx.knex.raw(
      `SELECT ${owner}::text AS u, to_char(max(${date}), 'YYYY-MM-DD') AS last FROM ${quoteIdent(ctx.schema)}.${quoteIdent(kpi.table)} AS t
     WHERE t.deleted_at IS NULL AND ${owner} = ANY(?::uuid[]) AND ${date} <= ?::date AND (${kpi.num.sql}) <> 0 GROUP BY 1`,
      [...d.bindings, people.map((p) => p.id), ...d.bindings, day, ...kpi.num.bindings] as never,
    )
  ).rows as Array<{ u: string; last: string }>;
  const last = new Map(rows.map((r) => [r.u, r.last]));
  return (
    people
      .filter((p) => {
        const l = last.get(p.id);
        return l === undefined || daysBetween(l, day) >= rule.days;
      })
      // One alert per idle stretch: a new record starts a new stretch with a new key.
      .map((p) => ({ key: `${rule.name}:${p.id}:${last.get(p.id) ?? 'never'}`, who: p, params: { kpi: rule.kpi, days: rule.days, last: last.get(p.id) ?? '' } }))
  );
}

export interface AlertRun {
  evaluated: number;
  fired: Array<{ rule: string; subject: string; to: string[] }>;
}

/** Evaluates every enabled rule as of `now`; notifies only firings not recorded before. */
export async function evaluateAlerts(ctx: GoalsContext, now: Date, notifier: AlertNotifier): Promise<AlertRun> {
  // The day on the tenant's wall clock: alerts fire for the tenant's today, not UTC's.
  const day = today(ctx.calendar.timeZone, now);
  const rules = (await listRules(ctx)).filter((r) => r.enabled !== false && ctx.registry.documentsOf('kpi').some((k) => k.name === r.kpi));
  const out: AlertRun = { evaluated: rules.length, fired: [] };
  const t = alertTables(ctx);
  for (const rule of rules) {
    const people = await audience(ctx, day, rule.unit);
    const firings = rule.kind === 'pacing_below' ? await pacingFirings(ctx, rule, day, people) : await idleFirings(ctx, rule, day, people);
    for (const f of firings) {
      await ctx.knex.transaction(async (trx) => {
        const fresh = (
          await trx.raw(`INSERT INTO ${t.fired} (key, rule, kind, subject_id, params, fired_at) VALUES (?, ?, ?, ?, ?::jsonb, ?) ON CONFLICT (key) DO NOTHING RETURNING key`, [
            f.key,
            rule.name,
            rule.kind,
            f.who.id,
            JSON.stringify({ ...f.params, person: f.who.name }),
            now.toISOString(),
          ])
        ).rows as unknown[];
        if (!fresh.length) return;
        const to = [...new Set([f.who.id, ...(f.who.manager && f.who.manager !== f.who.id ? [f.who.manager] : [])])];
        await notifier.notify(ctx, { tenant: ctx.tenant, key: f.key, rule: rule.name, kind: rule.kind, subjectId: f.who.id, to, params: { ...f.params, person: f.who.name } }, trx);
        out.fired.push({ rule: rule.name, subject: f.who.id, to });
      });
    }
  }
  return out;
}

/** The in-app inbox of goal alerts: one row per recipient, read by the studio. */
export const inAppNotifier: AlertNotifier = {
  async notify(ctx, notice, db) {
    for (const user of notice.to) {
      await db.raw(`INSERT INTO ${alertTables(ctx).notice} (user_id, kind, rule, subject_id, params, key, created_at) VALUES (?, ?, ?, ?, ?::jsonb, ?, now()) ON CONFLICT (key) DO NOTHING`, [
        user,
        notice.kind,
        notice.rule,
        notice.subjectId,
        JSON.stringify(notice.params),
        `${notice.key}:${user}`,
      ]);
    }
  },
};

export async function noticesFor(ctx: GoalsContext, userId: string, limit = 50): Promise<{ data: Array<Record<string, unknown>>; unread: number }> {
  const t = alertTables(ctx);
  const data = (
    await ctx.knex.raw(`SELECT id::text AS id, kind, rule, subject_id::text AS subject_id, params, created_at, read_at FROM ${t.notice} WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`, [
      userId,
      Math.min(Math.max(1, limit), 200),
    ])
  ).rows as Array<Record<string, unknown>>;
  const unread = Number(((await ctx.knex.raw(`SELECT count(*)::int AS n FROM ${t.notice} WHERE user_id = ? AND read_at IS NULL`, [userId])).rows[0] as { n: number }).n);
  return { data, unread };
}

export async function markNoticesRead(ctx: GoalsContext, userId: string, ids: string[] | 'all'): Promise<number> {
  const t = alertTables(ctx);
  const res =
    ids === 'all'
      ? await ctx.knex.raw(`UPDATE ${t.notice} SET read_at = now() WHERE user_id = ? AND read_at IS NULL`, [userId])
      : await ctx.knex.raw(`UPDATE ${t.notice} SET read_at = now() WHERE user_id = ? AND read_at IS NULL AND id = ANY(?::uuid[])`, [userId, ids.filter((i) => UUID.test(i))]);
  return Number((res as { rowCount?: number }).rowCount ?? 0);
}
