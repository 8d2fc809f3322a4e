// The aggregates a run needs, read from the database: measure totals per scope (one plan version
// over one credit date range) and, for measures and points taken from records, one GROUP BY over
// the object's table per sourced item and range.
import type { ModuleHandle, Store } from '@attain/store';
import { ZERO, dec } from '../decimal.ts';
import { planCurrency } from '../currency.ts';
import { componentKey, measureKey, type Aggregate, type PeriodAggregates } from '../measures.ts';
import { frequencyOf, periodEnd, periodOf, periodStart, type DateRange, type FiscalCalendar } from '../periods.ts';
import { cadenceOf, segmentsIn, windowFor } from '../plan-versions.ts';
import type { IncentivePlanDoc, PlanVersionDef } from '../types.ts';
import { compileSource, sourceAggregateSql, sourcedItems } from './sources-sql.ts';
import { tenantCalendar } from '../../calendar/calendar.ts';
import { scope as scopeOf, selectTotalsSql, totalKeys, type Scope } from './totals-sql.ts';
import { IncentiveError } from './errors.ts';
import { kpiMeasures, kpiMonths, kpiReader, type KpiReader } from './kpi-measures.ts';
import { quoteIdent } from '@attain/meta';

type Knex = ModuleHandle['knex'];
type Row = Record<string, unknown>;

export const emptyAgg = (): Aggregate => ({ value: ZERO, count: 0, creditIds: [], txIds: [] });
export const aggKey = (planId: string, version: PlanVersionDef, period: string, ignore: boolean, range: DateRange) => `${planId}|${version.version}|${period}|${ignore}|${range.from}|${range.to}`;

/**
 * Scopes of a run: every version segment of each open pay period, and of the frozen periods a
 * prior-period adjustment recomputes (with clawback taken back and not) — with monthly advances,
 * the whole plan period of each frozen month.
 */
export function neededScopes(plans: readonly IncentivePlanDoc[], open: readonly string[], frozen: readonly string[], base: string, cal: FiscalCalendar): Scope[] {
  const out = new Map<string, Scope>();
  for (const plan of plans) {
    const c = cadenceOf(plan);
    const currency = planCurrency(plan, base);
    const mine = open.filter((p) => frequencyOf(p) === c.pays).sort();
    const first = mine[0];
    const add = (period: string, withClawback: boolean) => {
      const w = windowFor(plan, period, cal);
      if (!w) return;
      for (const seg of segmentsIn(plan, w.range)) {
        for (const ignore of withClawback && seg.version.clawback ? [false, true] : [false]) {
          const s = scopeOf(plan.id, seg.version, period, ignore, { from: seg.from, to: seg.to }, cal, currency, base);
          out.set(s.key, s);
        }
      }
    };
    for (const p of mine) add(p, false);
    // Frozen periods are recomputed only for adjustments, booked in the first open period.
    if (!first) continue;
    for (const f of frozen.filter((p) => frequencyOf(p) === c.pays && p < first)) {
      if (c.pays === c.frequency) add(f, true);
      // With advances only plan periods wholly before the first open month's are recomputed.
      else {
        const planPeriod = periodOf(periodStart(f, cal), c.frequency, cal);
        if (periodEnd(planPeriod, cal) < periodStart(periodOf(periodStart(first, cal), c.frequency, cal), cal)) add(periodOf(periodEnd(planPeriod, cal), 'monthly', cal), true);
      }
    }
  }
  return [...out.values()];
}

/** Reads stored totals of the scopes, then adds the record-sourced measures and points, and the KPI measures (from the goals actuals). */
export async function readAggregates(
  store: Store,
  tenant: string,
  knex: Knex,
  schema: string,
  scopes: readonly Scope[],
  payees: readonly string[] | null,
  stored = true,
): Promise<Map<string, Map<string, PeriodAggregates>>> {
  const out = new Map<string, Map<string, PeriodAggregates>>();
  const totals = `${quoteIdent(schema)}."attain_incentives_totals"`;
  let registry: Awaited<ReturnType<Store['registry']>> | undefined;
  const sourceCache = new Map<string, Map<string, Aggregate>[]>();
  let kpis: KpiReader | undefined;
  // Records read as sources are dated in the tenant's time zone (read once, outside any transaction).
  let timeZone: string | undefined;
  for (const s of scopes) {
    const keys = totalKeys(s.version);
    const rows = stored
      ? ((
          await knex.raw(`select payee_id, vals::text[] as vals, cnts::text[] as cnts from ${totals} where scope = ? and n > 0 ${payees ? 'and payee_id = any(?::text[])' : ''}`, [
            s.key,
            ...(payees ? [payees] : []),
          ] as never[])
        ).rows as Array<{ payee_id: string; vals: string[]; cnts: string[] }>)
      : await (async () => {
          const sql = selectTotalsSql(schema, s, payees);
          return (await knex.raw(sql.text, sql.bindings as never[])).rows as Array<{ payee_id: string; vals: string[]; cnts: string[] }>;
        })();
    const byPayee = new Map<string, PeriodAggregates>();
    for (const row of rows) {
      const aggs = new Map<string, Aggregate>();
      let held = emptyAgg();
      keys.forEach((key, i) => {
        const agg: Aggregate = { value: dec(String(row.vals[i] ?? '0')), count: Number(row.cnts[i] ?? 0), creditIds: [], txIds: [] };
        if (key === 'held') held = agg;
        else aggs.set(key, agg);
      });
      byPayee.set(String(row.payee_id), { aggs, held });
    }
    const items = sourcedItems(s.version);
    if (items.length) {
      registry ??= await store.registry(tenant);
      const ck = `${s.planId}|${s.version.version}|${JSON.stringify(s.version)}|${s.range.from}|${s.range.to}`;
      let sourced = sourceCache.get(ck);
      if (!sourced) {
        sourced = [];
        for (const item of items) {
          const { compiled, issues } = compileSource(registry, item.source, schema, item.path);
          if (!compiled) throw new IncentiveError(422, 'plan_invalid', `plan "${s.planId}" v${s.version.version}: ${issues[0]?.message ?? 'invalid record source'}`, issues);
          timeZone ??= (await tenantCalendar(store, tenant)).timeZone;
          const sql = sourceAggregateSql(schema, compiled, item, s.range, payees, timeZone);
          const byP = new Map<string, Aggregate>();
          for (const r of (await knex.raw(sql.text, sql.bindings as never[])).rows as Row[]) {
            const ids = (r.ids as string[] | null) ?? [];
            byP.set(String(r.payee_id), { value: dec(String(r.v)), count: Number(r.n), creditIds: [], txIds: ids });
          }
          sourced.push(byP);
        }
        sourceCache.set(ck, sourced);
      }
      items.forEach((item, i) => {
        const key = item.measure ? measureKey(item.measure.name) : componentKey((item.component as { name: string }).name);
        for (const [payee, agg] of sourced?.[i] ?? []) {
          const pa = byPayee.get(payee) ?? { aggs: new Map<string, Aggregate>(), held: emptyAgg() };
          pa.aggs.set(key, agg);
          byPayee.set(payee, pa);
        }
      });
    }
    const kms = kpiMeasures(s.version);
    if (kms.length) {
      kpis ??= kpiReader(store, tenant);
      const months = kpiMonths(
        s.range,
        scopes.filter((o) => o.planId === s.planId && o.period === s.period && o.ignore === s.ignore).map((o) => o.range),
      );
      for (const m of kms) {
        for (const [payee, agg] of await kpis.values(m.kpi, payees, months)) {
          const pa = byPayee.get(payee) ?? { aggs: new Map<string, Aggregate>(), held: emptyAgg() };
          pa.aggs.set(measureKey(m.name), agg);
          byPayee.set(payee, pa);
        }
      }
    }
    out.set(aggKey(s.planId, s.version, s.period, s.ignore, s.range), byPayee);
  }
  return out;
}
