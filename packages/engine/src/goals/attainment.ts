// Reading attainment: actual (from the incrementally kept sums), target (active plan versions),
// pacing against expected-to-date, run-rate projection and rank among peers.
import { addMonths, daysBetween, daysInMonth, monthStart, parsePeriod, type Period } from './calendar.ts';
import { kpiOf, type GoalsContext } from './context.ts';
import { GoalsError } from './errors.ts';
import { measureValue } from './kpi.ts';
import { kpiValues } from './kpi-value.ts';
import { localDateSql } from '../calendar/calendar.ts';
import { org } from '@attain/store';

export interface AttainmentRow {
  subject: { kind: 'person' | 'unit'; id: string; name: string };
  kpi: string;
  period: string;
  actual: number | null;
  target: number | null;
  attainment: number | null;
  /** Target expected by `asOf`, following the monthly targets (seasonality) within the period. */
  expected: number | null;
  pacing: number | null;
  projection: number | null;
  rank?: number;
  monthly: Array<{ month: string; actual: number | null; target: number | null }>;
}

export function periodOf(key: string, firstMonth = 1): Period {
  const p = parsePeriod(key, { firstMonth });
  if (!p || !p.months.length)
    throw new GoalsError(
      'invalid_period',
      `"${key.slice(0, 40)}" is not a month, quarter or year`,
      [{ path: '/period', rule: 'format', message: 'use 2026-03, 2026-Q1, 2026, FY2026 or FY2026-Q1' }],
      400,
    );
  return p;
}

/** Fraction of a month elapsed by `asOf` (0..1). */
function elapsed(month: string, asOf: string): number {
  const start = monthStart(month);
  const end = monthStart(addMonths(month, 1));
  if (asOf >= end) return 1;
  if (asOf < start) return 0;
  return (daysBetween(start, asOf) + 1) / daysInMonth(month);
}

export interface AttainmentQuery {
  kpi: string;
  period: string;
  subjects: Array<{ kind: 'person' | 'unit'; id: string }>;
  asOf: string;
  firstMonth?: number;
  /** `linear`: expected grows evenly over the period's days; `seasonal` (default): along the monthly targets. */
  pacing?: 'linear' | 'seasonal';
  /** False: the subjects' names are not read (each row is named by its id), e.g. for a rank only. */
  names?: boolean;
}

export async function attainment(ctx: GoalsContext, q: AttainmentQuery): Promise<AttainmentRow[]> {
  const kpi = kpiOf(ctx, q.kpi);
  const period = periodOf(q.period, q.firstMonth ?? ctx.calendar.firstMonth);
  const monthDates = period.months.map((m) => `${m}-01`);
  const people = q.subjects.filter((s) => s.kind === 'person').map((s) => s.id);
  const units = q.subjects.filter((s) => s.kind === 'unit').map((s) => s.id);
  const actual = new Map<string, { num: number; den: number }>();
  const put = (k: string, num: string, den: string) => actual.set(k, { num: Number(num), den: Number(den) });
  // Targets of active versions of every plan on this KPI; a person's target sums their nodes.
  const plans = ctx.registry
    .documentsOf('target_plan')
    .filter((p) => p.kpi === kpi.name)
    .map((p) => p.name);
  // The reads are independent: they go to the database together, not one after another.
  const [personValues, unitRows, targetRows, names] = await Promise.all([
    // People's actuals come from the read an incentive plan's kpi measure makes too (kpiValues).
    people.length ? kpiValues(ctx, kpi, people, period.months) : Promise.resolve(undefined),
    units.length
      ? ctx.knex
          .raw(
            `SELECT org_unit_id::text AS s, to_char(month, 'YYYY-MM') AS m, num::text AS n, den::text AS d FROM ${ctx.t.unitActual} WHERE kpi = ? AND org_unit_id = ANY(?::uuid[]) AND month = ANY(?::date[])`,
            [kpi.name, units, monthDates],
          )
          .then((r) => r.rows as Array<{ s: string; m: string; n: string; d: string }>)
      : Promise.resolve([]),
    plans.length
      ? ctx.knex
          .raw(
            `SELECT CASE WHEN t.kind = 'person' THEN 'person|' || t.user_id::text ELSE 'unit|' || t.node END AS s, to_char(t.month, 'YYYY-MM') AS m, sum(t.amount)::text AS a
       FROM ${ctx.t.target} t JOIN ${ctx.t.planVersion} v ON v.id = t.version_id
       WHERE v.status = 'active' AND v.plan = ANY(?::text[]) AND t.month = ANY(?::date[])
         AND ((t.kind = 'person' AND t.user_id = ANY(?::uuid[])) OR (t.kind = 'unit' AND t.node = ANY(?::text[])))
       GROUP BY 1, 2`,
            [plans, monthDates, people, units],
          )
          .then((r) => r.rows as Array<{ s: string; m: string; a: string }>)
      : Promise.resolve([]),
    q.names === false ? Promise.resolve(new Map<string, string>()) : subjectNames(ctx, people, units),
  ]);
  // A person's actual is the exact total of that read (summed in SQL, as the statement sums it).
  const personTotal = new Map<string, { num: number; den: number }>();
  for (const [s, p] of personValues ?? []) {
    for (const [m, v] of p.months) put(`person|${s}|${m}`, v.num, v.den);
    personTotal.set(s, { num: Number(p.total.num), den: Number(p.total.den) });
  }
  unitRows.forEach((r) => put(`unit|${r.s}|${r.m}`, r.n, r.d));
  const target = new Map<string, number>();
  targetRows.forEach((r) => target.set(`${r.s}|${r.m}`, Number(r.a)));
  const totalDays = daysBetween(period.start, period.end);
  const passed = Math.max(0, Math.min(totalDays, daysBetween(period.start, q.asOf) + 1));
  const out = q.subjects.map((s): AttainmentRow => {
    let num = 0;
    let den = 0;
    let tgt: number | null = null;
    let expected: number | null = null;
    const monthly = period.months.map((m) => {
      const a = actual.get(`${s.kind}|${s.id}|${m}`);
      const t = target.get(`${s.kind}|${s.id}|${m}`);
      if (a) {
        num += a.num;
        den += a.den;
      }
      if (t !== undefined) {
        tgt = (tgt ?? 0) + t;
        expected = (expected ?? 0) + t * elapsed(m, q.asOf);
      }
      return { month: m, actual: a ? measureValue(kpi, a.num, a.den) : kpi.ratio ? null : 0, target: t ?? null };
    });
    const exact = s.kind === 'person' ? personTotal.get(s.id) : undefined;
    const value = exact ? measureValue(kpi, exact.num, exact.den) : measureValue(kpi, num, den);
    if (q.pacing === 'linear' && tgt !== null) expected = (tgt * passed) / totalDays;
    const att = value !== null && tgt ? value / tgt : null;
    const pacing = value !== null && expected ? value / expected : null;
    const projection = value === null ? null : kpi.ratio ? value : passed > 0 ? (value * totalDays) / passed : 0;
    return {
      subject: { ...s, name: names.get(s.id) ?? s.id },
      kpi: kpi.name,
      period: period.key,
      actual: value,
      target: tgt,
      attainment: att,
      expected,
      pacing,
      projection,
      monthly,
    };
  });
  // Rank among the peers asked for together, by attainment (or by actual without targets).
  const score = (r: AttainmentRow) => (r.attainment ?? (r.target === null ? r.actual : null) ?? -Infinity) * (kpi.lowerIsBetter ? -1 : 1);
  [...out].sort((a, b) => score(b) - score(a)).forEach((r, i) => (r.rank = i + 1));
  return out;
}

/** Rows read with `names: false`, named as `attainment` names them. */
export async function attainmentNames(ctx: GoalsContext, rows: AttainmentRow[]): Promise<AttainmentRow[]> {
  const ids = (kind: 'person' | 'unit') => rows.filter((r) => r.subject.kind === kind).map((r) => r.subject.id);
  const names = await subjectNames(ctx, ids('person'), ids('unit'));
  return rows.map((r) => ({ ...r, subject: { ...r.subject, name: names.get(r.subject.id) ?? r.subject.id } }));
}

async function subjectNames(ctx: GoalsContext, people: string[], units: string[]): Promise<Map<string, string>> {
  if (!people.length && !units.length) return new Map();
  // People's and units' names in one read.
  const rows = (
    await ctx.knex.raw(`SELECT id::text AS id, name FROM ${ctx.t.user} WHERE id = ANY(?::uuid[]) UNION ALL SELECT id::text AS id, name FROM ${ctx.t.orgUnit} WHERE id = ANY(?::uuid[])`, [
      people,
      units,
    ])
  ).rows as Array<{ id: string; name: string }>;
  return new Map(rows.map((r) => [r.id, r.name]));
}

/**
 * A team board's subjects and the viewer's own unit, in one read: the unit's direct sub-units
 * (by id, as the org service's childUnitsOn lists them) and members on `asOf`, as the org had them
 * that day, then the viewer's unit as `unitOf(userId)` answers it.
 */
export async function boardOf(ctx: GoalsContext, unitId: string, userId: string, asOf: string): Promise<{ subjects: Array<{ kind: 'person' | 'unit'; id: string }>; myUnit: string | null }> {
  const covers = org.coversSql('', '?::date');
  const rows = (
    await ctx.knex.raw(
      `(SELECT 'unit' AS k, unit_id::text AS id FROM ${ctx.t.units} WHERE parent_id = ?::uuid AND ${covers} ORDER BY unit_id)
       UNION ALL (SELECT DISTINCT 'person' AS k, user_id::text AS id FROM ${ctx.t.membership} WHERE org_unit_id = ?::uuid AND ${covers})
       UNION ALL (SELECT 'mine' AS k, org_unit_id::text AS id FROM ${ctx.t.membership} WHERE user_id = ? AND valid_from <= ? AND (valid_to IS NULL OR valid_to > ?) LIMIT 1)`,
      [unitId.toLowerCase(), asOf, asOf, unitId, asOf, asOf, userId, asOf, asOf],
    )
  ).rows as Array<{ k: 'unit' | 'person' | 'mine'; id: string | null }>;
  const of = (k: 'unit' | 'person') => rows.filter((r) => r.k === k && r.id !== null).map((r) => ({ kind: k, id: r.id as string }));
  return { subjects: [...of('unit'), ...of('person')], myUnit: rows.find((r) => r.k === 'mine')?.id ?? null };
}

/**
 * The user's unit on a day and that unit's people on that day, in one read (My goals ranks the
 * caller among them).
 */
export async function peersOf(ctx: GoalsContext, userId: string, asOf: string): Promise<{ unit: string | null; people: string[] }> {
  const rows = (
    await ctx.knex.raw(
      `WITH mine AS (SELECT org_unit_id FROM ${ctx.t.membership} WHERE user_id = ? AND valid_from <= ? AND (valid_to IS NULL OR valid_to > ?) LIMIT 1)
       SELECT 'mine' AS k, org_unit_id::text AS id FROM mine
       UNION ALL (SELECT DISTINCT 'person' AS k, user_id::text AS id FROM ${ctx.t.membership} WHERE org_unit_id = (SELECT org_unit_id FROM mine) AND ${org.coversSql('', '?::date')})`,
      [userId, asOf, asOf, asOf, asOf],
    )
  ).rows as Array<{ k: 'mine' | 'person'; id: string | null }>;
  return { unit: rows.find((r) => r.k === 'mine')?.id ?? null, people: rows.filter((r) => r.k === 'person' && r.id !== null).map((r) => r.id as string) };
}

/** The user's unit on a day, from the effective-dated membership. */
export async function unitOf(ctx: GoalsContext, userId: string, asOf: string): Promise<string | null> {
  const row = (await ctx.knex.raw(`SELECT org_unit_id::text AS u FROM ${ctx.t.membership} WHERE user_id = ? AND valid_from <= ? AND (valid_to IS NULL OR valid_to > ?) LIMIT 1`, [userId, asOf, asOf]))
    .rows[0] as { u: string | null } | undefined;
  return row?.u ?? null;
}

/**
 * The measure computed live in SQL for any date range (weeks, custom ranges) and any org node
 * (the node's subtree, by the membership on each record's date), optionally by a dimension.
 */
export async function measureLive(
  ctx: GoalsContext,
  q: { kpi: string; start: string; end: string; unit?: string; user?: string; dimension?: string },
): Promise<Array<{ key: string | null; value: number | null; num: number; den: number }>> {
  const kpi = kpiOf(ctx, q.kpi);
  const dim = q.dimension ? kpi.dimensions.find((d) => d.name === q.dimension) : undefined;
  if (q.dimension && !dim)
    throw new GoalsError(
      'unknown_dimension',
      `kpi "${kpi.name}" has no dimension "${q.dimension.slice(0, 64)}"`,
      [{ path: '/dimension', rule: 'enum', message: `one of ${kpi.dimensions.map((d) => d.name).join(', ')}` }],
      400,
    );
  const { quoteIdent } = await import('@attain/meta');
  const table = `${quoteIdent(ctx.schema)}.${quoteIdent(kpi.table)}`;
  const owner = `t.${quoteIdent(kpi.ownerColumn)}`;
  const day = localDateSql(`t.${quoteIdent(kpi.dateColumn)}`, kpi.dateStorage, ctx.calendar.timeZone);
  const date = day.text;
  const bindings: unknown[] = [...kpi.num.bindings, ...kpi.den.bindings, ...day.bindings, q.start, ...day.bindings, q.end];
  let where = `t.deleted_at IS NULL AND ${date} >= ?::date AND ${date} < ?::date`;
  let join = '';
  if (q.user) {
    where += ` AND ${owner} = ?`;
    bindings.push(q.user);
  }
  if (q.unit) {
    join = `JOIN ${ctx.t.membership} m ON m.user_id = ${owner} AND m.valid_from <= ${date} AND (m.valid_to IS NULL OR ${date} < m.valid_to)`;
    // The join's day expressions come before the WHERE's in the text: their bindings go first.
    bindings.splice(kpi.num.bindings.length + kpi.den.bindings.length, 0, ...day.bindings, ...day.bindings);
    where += ` AND m.org_unit_id IN (WITH RECURSIVE sub(id, depth) AS (SELECT ?::uuid, 0 UNION ALL SELECT o.id, sub.depth + 1 FROM ${ctx.t.orgUnit} o JOIN sub ON o.parent_id = sub.id WHERE sub.depth < 64) SELECT id FROM sub)`;
    bindings.push(q.unit);
  }
  const keyExpr = dim ? `(t.${quoteIdent(dim.column)})::text` : 'NULL::text';
  const rows = (
    await ctx.knex.raw(
      `SELECT ${keyExpr} AS key, sum(${kpi.num.sql})::text AS n, sum(${kpi.den.sql})::text AS d FROM ${table} AS t ${join} WHERE ${where} GROUP BY 1 ORDER BY 1`,
      // Bindings are plain values; the measure's come first because its SQL is in the select list.
      bindings as never,
    )
  ).rows as Array<{ key: string | null; n: string | null; d: string | null }>;
  return rows.map((r) => ({ key: r.key, num: Number(r.n ?? 0), den: Number(r.d ?? 0), value: measureValue(kpi, Number(r.n ?? 0), Number(r.d ?? 0)) }));
}
