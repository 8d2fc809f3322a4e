// Plan measures of type `kpi`: the goals KPI's value for the payee over the plan period's months,
// read through goals' kpiValues — the very read behind *My goals* and the team board — so a
// statement and attainment agree by construction (DESIGN §10: one measure pipeline).
import type { Store } from '@attain/store';
import { goalsContext, kpiOf, type GoalsContext } from '../../goals/context.ts';
import { GoalsError } from '../../goals/errors.ts';
import type { CompiledKpi } from '../../goals/kpi.ts';
import { kpiRecords, kpiValues, type KpiSums } from '../../goals/kpi-value.ts';
import { ZERO, dec, div, type Dec } from '../decimal.ts';
import type { Aggregate } from '../measures.ts';
import type { DateRange } from '../periods.ts';
import type { MeasureDef, PlanVersionDef } from '../types.ts';
import { IncentiveError } from './errors.ts';

/** The version's measures that are KPIs. */
export const kpiMeasures = (version: PlanVersionDef): Array<MeasureDef & { kpi: string }> =>
  version.measures.filter((m): m is MeasureDef & { kpi: string } => m.type === 'kpi' && typeof m.kpi === 'string');

/**
 * The months a version segment measures. KPI actuals are kept per month, so a month is never
 * split: it belongs to the segment holding its first day, or — when the plan starts within the
 * month — to the earliest segment within it. A whole period is simply its months; with monthly
 * advances the range is the plan period to date, so its months to date.
 */
export function kpiMonths(range: DateRange, segments: readonly DateRange[]): string[] {
  const all = segments.some((s) => s.from === range.from && s.to === range.to) ? segments : [...segments, range];
  // Date strings compare in calendar order; '-31' is past every month's last day.
  const overlapping = (m: string, r: DateRange) => r.from <= `${m}-31` && r.to >= `${m}-01`;
  return span(range).filter((m) => {
    const first = `${m}-01`;
    const holder = all.find((r) => r.from <= first && first <= r.to) ?? all.filter((r) => overlapping(m, r)).sort((a, b) => a.from.localeCompare(b.from))[0];
    return holder !== undefined && holder.from === range.from && holder.to === range.to;
  });
}

/** Every month 'YYYY-MM' a date range touches. */
function span(range: DateRange): string[] {
  const out: string[] = [];
  for (let m = range.from.slice(0, 7); m <= range.to.slice(0, 7); ) {
    out.push(m);
    const [y, mo] = m.split('-').map(Number) as [number, number];
    m = mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`;
  }
  return out;
}

/** The measure from its exact sums: num, or num ÷ den for avg/ratio KPIs (0 without a denominator). */
export function kpiDec(kpi: Pick<CompiledKpi, 'ratio'>, sums: KpiSums): Dec {
  if (!kpi.ratio) return dec(sums.num);
  const den = dec(sums.den);
  return den === ZERO ? ZERO : div(dec(sums.num), den);
}

/** A tenant's KPI reads for one calculation: the goals context once, each (KPI, months) read once. */
export interface KpiReader {
  values(kpi: string, payees: readonly string[] | null, months: readonly string[]): Promise<Map<string, Aggregate>>;
  records(kpi: string, payee: string, months: readonly string[], limit: number): Promise<Array<{ id: string; value: string; date: string; object: string }>>;
}

export function kpiReader(store: Store, tenant: string): KpiReader {
  let ctx: Promise<GoalsContext> | undefined;
  const context = () => (ctx ??= goalsContext(store, tenant));
  const compiled = async (name: string): Promise<{ ctx: GoalsContext; kpi: CompiledKpi }> => {
    const c = await context();
    try {
      return { ctx: c, kpi: kpiOf(c, name) };
    } catch (error) {
      // A KPI removed or broken after the plan was saved: the plan cannot be computed; say which.
      if (error instanceof GoalsError)
        throw new IncentiveError(422, 'plan_invalid', `a kpi measure reads kpi "${name.slice(0, 64)}": ${error.message}`, [{ path: '/measures', rule: 'unknown_reference', message: error.message }]);
      throw error;
    }
  };
  const cache = new Map<string, Promise<Map<string, Aggregate>>>();
  return {
    values(name, payees, months) {
      const key = `${name}|${months.join(',')}|${payees ? [...payees].sort().join(',') : '*'}`;
      let hit = cache.get(key);
      if (!hit) {
        hit = (async () => {
          const { ctx: c, kpi } = await compiled(name);
          const out = new Map<string, Aggregate>();
          for (const [person, v] of await kpiValues(c, kpi, payees, months)) out.set(person, { value: kpiDec(kpi, v.total), count: 0, creditIds: [], txIds: [] });
          return out;
        })();
        cache.set(key, hit);
      }
      return hit;
    },
    async records(name, payee, months, limit) {
      const { ctx: c, kpi } = await compiled(name);
      return (await kpiRecords(c, kpi, payee, months, limit)).map((r) => ({ ...r, object: kpi.object }));
    },
  };
}
