import { ZERO, dec, div, floorInt, mul, type Dec } from './decimal.ts';
import { matchesFilter } from './crediting.ts';
import { dayNumber, periodRange, within, type DateRange, type FiscalCalendar } from './periods.ts';
import { CALENDAR_YEAR } from '../calendar/fiscal.ts';
import type { ComponentDef, Credit, MeasureDef, PlanVersionDef } from './types.ts';

export interface Aggregate {
  value: Dec;
  count: number;
  creditIds: string[];
  txIds: string[];
}

export interface PeriodAggregates {
  aggs: Map<string, Aggregate>;
  /** Credits of the period waiting for their payout-timing date (value: their amount). */
  held: Aggregate;
}

/** The date that puts a credit into a period under the plan's payout timing (null: held). */
export function timingDate(c: Pick<Credit, 'date' | 'invoiceDate' | 'paidDate'>, timing: PlanVersionDef['payoutTiming']): string | null {
  if (timing === 'invoice') return c.invoiceDate;
  if (timing === 'payment') return c.paidDate;
  return c.date;
}

/** Refunded or cancelled within the plan's clawback window: the credit is taken back. */
export function isClawedBack(c: Pick<Credit, 'date' | 'reversalDate'>, version: PlanVersionDef): boolean {
  if (!version.clawback || !c.reversalDate) return false;
  return dayNumber(c.reversalDate) - dayNumber(c.date) <= version.clawback.days;
}

/** Aggregate key of a credit-based measure or a per-credit component. */
export const measureKey = (name: string) => `m:${name}`;
export const componentKey = (name: string) => `c:${name}`;

/** What one qualifying credit earns in a SPIF or points component, unrounded. */
export function perCreditValue(component: ComponentDef, c: Credit): Dec {
  let value = ZERO;
  if (component.perCredit) value += mul(dec(component.perCredit), div(c.pct, dec(100)));
  if (component.rate) value += mul(c.amount, dec(component.rate));
  if (component.perAmount) value += mul(floorInt(div(c.amount, dec(component.perAmount.every))), dec(component.perAmount.value));
  return value;
}

function creditValue(m: MeasureDef, c: Credit): Dec {
  if (m.type === 'count') return dec(1);
  if (m.field === 'margin') return c.margin;
  if (m.field === 'quantity') return c.quantity;
  return c.amount;
}

/** Measures summed over credits (not over records of an object). */
export const creditMeasures = (version: PlanVersionDef): MeasureDef[] => version.measures.filter((m) => (m.type === 'sum' || m.type === 'count') && !m.source);
/** SPIF and points components paying per credit (not per record of an object). */
export const creditComponents = (version: PlanVersionDef): ComponentDef[] => version.components.filter((c) => (c.type === 'spif' || c.type === 'points') && !c.source);

export interface AggregateOptions {
  ignoreClawback?: boolean;
  /** Credits whose payout-timing date falls in this range (default: the period). */
  range?: DateRange;
  /** Which months make the period when no range is given (default: quarters and years of the calendar year). */
  calendar?: FiscalCalendar;
  /** The credit in the plan's currency; undefined drops it (no exchange rate). */
  convert?: (c: Credit) => Credit | undefined;
  /** Told of each credit of the range that `convert` dropped, so the missing rate is reported. */
  onDropped?: (c: Credit) => void;
}

/**
 * The payee-period aggregates a plan version needs: each credit-based measure, and each SPIF or
 * points component's per-credit total. Held credits (no date for the payout timing yet) and
 * clawed-back ones are reported, not counted.
 */
export function aggregateCredits(credits: readonly Credit[], version: PlanVersionDef, period: string, opts: AggregateOptions = {}): PeriodAggregates {
  const range = opts.range ?? periodRange(period, opts.calendar ?? CALENDAR_YEAR);
  const aggs = new Map<string, Aggregate>();
  const held: Aggregate = { value: ZERO, count: 0, creditIds: [], txIds: [] };
  const bump = (key: string, value: Dec, c: Credit) => {
    const a = aggs.get(key) ?? { value: ZERO, count: 0, creditIds: [], txIds: [] };
    a.value += value;
    a.count += 1;
    a.creditIds.push(c.id);
    if (!a.txIds.includes(c.txId)) a.txIds.push(c.txId);
    aggs.set(key, a);
  };
  const measures = creditMeasures(version);
  const perCredit = creditComponents(version);
  for (const raw of credits) {
    const c = opts.convert ? opts.convert(raw) : raw;
    if (!c) {
      const on = timingDate(raw, version.payoutTiming) ?? raw.date;
      if (opts.onDropped && within(on, range.from, range.to)) opts.onDropped(raw);
      continue;
    }
    const when = timingDate(c, version.payoutTiming);
    if (when === null) {
      if (within(c.date, range.from, range.to)) {
        held.value += c.amount;
        held.count += 1;
        held.creditIds.push(c.id);
        if (!held.txIds.includes(c.txId)) held.txIds.push(c.txId);
      }
      continue;
    }
    if (!within(when, range.from, range.to)) continue;
    if (!opts.ignoreClawback && isClawedBack(c, version)) continue;
    for (const m of measures) if (matchesFilter(m.filter, c)) bump(measureKey(m.name), creditValue(m, c), c);
    for (const comp of perCredit) if (matchesFilter(comp.filter, c)) bump(componentKey(comp.name), perCreditValue(comp, c), c);
  }
  return { aggs, held };
}
