// Which plan version applies when. A version may start on any day: a period it shares with the
// version before is cut into segments, each computed under its own version on the credits dated
// within it, with targets and fixed amounts prorated by the segment's days.
import { ONE, ZERO, dec, div, type Dec } from './decimal.ts';
import { addDays, dayNumber, daysIn, frequencyOf, periodOf, periodRange, periodStart, rangeDays, within, type DateRange, type FiscalCalendar, type Frequency } from './periods.ts';
import type { Assignment, IncentivePlanDoc, PlanVersionDef } from './types.ts';

export interface Cadence {
  /** The period measures accumulate over. */
  frequency: Frequency;
  /** Pay periods: the frequency itself, or monthly advances on a quarterly/annual plan. */
  pays: Frequency;
}

/** A plan's cadence, from its earliest version (the linter keeps all versions on one cadence). */
export function cadenceOf(plan: IncentivePlanDoc): Cadence {
  const first = [...plan.versions].sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom))[0];
  const frequency = first?.frequency ?? 'monthly';
  return { frequency, pays: frequency !== 'monthly' && first?.advances === 'monthly' ? 'monthly' : frequency };
}

/**
 * What a pay period measures: the plan period it belongs to (`base`, whose targets and inputs
 * apply and whose days prorate), and the date range of credits counted — the whole period, or with
 * monthly advances the plan period to date.
 */
export interface CalcWindow {
  period: string;
  base: string;
  range: DateRange;
}

/** The window of a pay period under the plan's cadence; undefined when the plan does not pay in it. */
export function windowFor(plan: IncentivePlanDoc, period: string, cal: FiscalCalendar): CalcWindow | undefined {
  const c = cadenceOf(plan);
  if (frequencyOf(period) !== c.pays) return undefined;
  if (c.pays === c.frequency) return { period, base: period, range: periodRange(period, cal) };
  const base = periodOf(periodStart(period, cal), c.frequency, cal);
  return { period, base, range: { from: periodStart(base, cal), to: periodRange(period, cal).to } };
}

export interface Segment extends DateRange {
  version: PlanVersionDef;
  /** The version covers the whole range asked for. */
  whole: boolean;
}

/** The versions in effect within the range, each clipped to it, in date order. */
export function segmentsIn(plan: IncentivePlanDoc, range: DateRange): Segment[] {
  const out: Segment[] = [];
  for (const v of [...plan.versions].sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom))) {
    const from = v.effectiveFrom > range.from ? v.effectiveFrom : range.from;
    const to = v.effectiveTo && v.effectiveTo < range.to ? v.effectiveTo : range.to;
    if (from > to) continue;
    out.push({ version: v, from, to, whole: from === range.from && to === range.to });
  }
  return out;
}

/** The version in effect on the period's first day, else the first one starting within it. */
export function versionFor(plan: IncentivePlanDoc, period: string, cal: FiscalCalendar): PlanVersionDef | undefined {
  const start = periodStart(period, cal);
  return plan.versions.find((v) => within(start, v.effectiveFrom, v.effectiveTo)) ?? segmentsIn(plan, periodRange(period, cal))[0]?.version;
}

/** Days of the range covered by the payee's assignments to the plan (overlaps counted once). */
export function assignedDays(assignments: readonly Assignment[], planId: string, payeeId: string, range: DateRange): number {
  const spans = assignments
    .filter((a) => a.kind === 'plan' && a.key === planId && a.payeeId === payeeId)
    .map((a) => ({ from: Math.max(dayNumber(a.from), dayNumber(range.from)), to: Math.min(a.to ? dayNumber(a.to) : Number.MAX_SAFE_INTEGER, dayNumber(range.to)) }))
    .filter((s) => s.from <= s.to)
    .sort((a, b) => a.from - b.from);
  let days = 0;
  let end = -Infinity;
  for (const s of spans) {
    const from = Math.max(s.from, end + 1);
    if (s.to >= from) days += s.to - from + 1;
    end = Math.max(end, s.to);
  }
  return days;
}

/**
 * Share of the plan period that counts for the payee in `range` (default: the whole period), 0 when
 * not assigned in it. With day proration it is the assigned days ÷ the period's days; without, the
 * range's days ÷ the period's days (1 for a whole period) as soon as the payee is assigned in it.
 */
export function prorationFor(
  assignments: readonly Assignment[],
  planId: string,
  payeeId: string,
  period: string,
  version: PlanVersionDef,
  cal: FiscalCalendar,
  range: DateRange = periodRange(period, cal),
): Dec {
  const days = assignedDays(assignments, planId, payeeId, range);
  if (days === 0) return ZERO;
  const total = daysIn(period, cal);
  const counted = version.proration === 'days' ? days : rangeDays(range);
  return counted >= total ? ONE : div(dec(counted), dec(total));
}

/** The day before a date (a version ending the day before the next one starts). */
export const dayBefore = (date: string): string => addDays(date, -1);
