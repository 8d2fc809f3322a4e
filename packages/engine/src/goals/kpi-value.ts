// A KPI's value for people over months, read from the incrementally kept actuals. The one read
// behind *My goals*, the team board (attainment) and an incentive plan measure of type `kpi`, so
// a statement and attainment can never disagree on the same KPI, person and months.
import { quoteIdent } from '@attain/meta';
import { localDateSql } from '../calendar/calendar.ts';
import type { GoalsContext } from './context.ts';
import type { CompiledKpi } from './kpi.ts';

/** Exact sums as PostgreSQL numeric text (never rounded through floating point here). */
export interface KpiSums {
  num: string;
  den: string;
}

export interface PersonKpi {
  /** The sums over all the months asked for. */
  total: KpiSums;
  /** The sums per month 'YYYY-MM' that has actuals. */
  months: Map<string, KpiSums>;
}

/**
 * Per person (user id), the KPI's sums over `months` ('YYYY-MM') and per month. `people` null:
 * everyone with actuals in those months. People without actuals are absent (their value is 0,
 * or none for a ratio).
 */
export async function kpiValues(ctx: GoalsContext, kpi: Pick<CompiledKpi, 'name'>, people: readonly string[] | null, months: readonly string[]): Promise<Map<string, PersonKpi>> {
  const out = new Map<string, PersonKpi>();
  if (!months.length || people?.length === 0) return out;
  // Payee ids are text (not every payee is a user), so compare as text.
  const who = people ? ' AND user_id::text = ANY(?::text[])' : '';
  const rows = (
    await ctx.knex.raw(
      `SELECT user_id::text AS s, to_char(month, 'YYYY-MM') AS m, sum(num)::text AS n, sum(den)::text AS d
     FROM ${ctx.t.actual} WHERE kpi = ? AND month = ANY(?::date[])${who}
     GROUP BY GROUPING SETS ((1, 2), (1))`,
      [kpi.name, months.map((m) => `${m}-01`), ...(people ? [[...people]] : [])],
    )
  ).rows as Array<{ s: string; m: string | null; n: string; d: string }>;
  for (const r of rows) {
    const p = out.get(r.s) ?? { total: { num: '0', den: '0' }, months: new Map<string, KpiSums>() };
    if (r.m === null) p.total = { num: r.n, den: r.d };
    else p.months.set(r.m, { num: r.n, den: r.d });
    out.set(r.s, p);
  }
  return out;
}

/**
 * The KPI's source records of one person in the months (the records of its object that count in
 * its measure), each with its numerator contribution — a plan line's drill-down. Months follow the
 * same bucketing as the actuals (the record's day in the tenant calendar, by month).
 */
export async function kpiRecords(ctx: GoalsContext, kpi: CompiledKpi, person: string, months: readonly string[], limit: number): Promise<Array<{ id: string; value: string; date: string }>> {
  if (!months.length) return [];
  const table = `${quoteIdent(ctx.schema)}.${quoteIdent(kpi.table)}`;
  // The record's day in the tenant calendar, exactly as the actuals bucket it (actuals.ts).
  const day = localDateSql(`t.${quoteIdent(kpi.dateColumn)}`, kpi.dateStorage, ctx.calendar.timeZone);
  const rows = (
    await ctx.knex.raw(
      `SELECT t."id"::text AS id, (${kpi.num.sql})::text AS value, (${day.text})::text AS date FROM ${table} AS t
     WHERE t.deleted_at IS NULL AND t.${quoteIdent(kpi.ownerColumn)}::text = ? AND date_trunc('month', ${day.text})::date = ANY(?::date[])
       AND coalesce((${kpi.counts.sql}), false)
     ORDER BY 3, 1 LIMIT ?`,
      // Formula bindings are plain values compiled by @attain/formula, in the order of the SQL.
      [...kpi.num.bindings, ...day.bindings, person, ...day.bindings, months.map((m) => `${m}-01`), ...kpi.counts.bindings, limit] as never[],
    )
  ).rows as Array<{ id: string; value: string; date: string }>;
  return rows;
}
