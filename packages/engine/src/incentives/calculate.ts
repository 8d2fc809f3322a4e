import { dec, type Dec } from './decimal.ts';
import { converter, converts, DEFAULT_CURRENCY, planCurrency, type Conversion } from './currency.ts';
import { aggregateCredits, type PeriodAggregates } from './measures.ts';
import { calculatePair } from './pair.ts';
import { frequencyOf, periodRange, periodStart, type DateRange, type FiscalCalendar } from './periods.ts';
import { CALENDAR_YEAR } from '../calendar/fiscal.ts';
import { CalcError } from './components.ts';
import { cadenceOf } from './plan-versions.ts';
import { planFxMessage, problemKey, sortProblems } from './problems.ts';
import type { Assignment, CalcProblem, Credit, DisputeAdjustment, FxRate, IncentivePlanDoc, MeasureDef, PayoutSummary, PlanVersionDef, StatementLine } from './types.ts';

export { prorationFor, versionFor } from './plan-versions.ts';

export interface InputValue {
  payeeId: string;
  period: string;
  name: string;
  value: string;
}

/** Results of periods that may no longer change (approved, paid or closed). */
export interface FrozenState {
  periods: readonly string[];
  lines: readonly StatementLine[];
  payouts: readonly PayoutSummary[];
}

export interface CalcInput {
  plans: readonly IncentivePlanDoc[];
  credits: readonly Credit[];
  assignments: readonly Assignment[];
  inputs: readonly InputValue[];
  /** Open periods to compute (`YYYY-MM`, `YYYY-Qn`, `YYYY`), any order; each plan computes those of its cadence. */
  periods: readonly string[];
  /** The earliest open period of its frequency: adjustments for frozen periods land there. Defaults to the least open period of each frequency. */
  firstOpen?: string;
  frozen?: FrozenState;
  payees?: readonly string[];
  /** Values of formula measures; `value` gives the measures a formula reads (see formula-measures.ts). */
  formula?: (payeeId: string, period: string, measure: MeasureDef, value: (name: string) => Dec) => Dec | undefined;
  /** Precomputed aggregates (the database computes them in SQL); else aggregated from `credits`. */
  aggregate?: (payeeId: string, version: PlanVersionDef, period: string, ignoreClawback: boolean, range: DateRange) => PeriodAggregates;
  /** Accepted disputes booked as adjustment lines in their (open) posting period. */
  disputes?: readonly DisputeAdjustment[];
  /** Largest number of credit ids kept in a line's trace (the rest are counted). */
  traceCreditLimit?: number;
  /** Currency of credits and of versions that name none (default USD). */
  baseCurrency?: string;
  /** Exchange rates into the base currency, for plans paying in another currency. */
  fx?: readonly FxRate[];
  /** The tenant's fiscal calendar (tenant settings); default: quarters and years of the calendar year. */
  calendar?: FiscalCalendar;
}

export interface CalcResult {
  lines: StatementLine[];
  payouts: PayoutSummary[];
  /** Credits a plan paying in another currency had to leave out for want of a rate (plan_fx_missing). */
  problems: CalcProblem[];
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

/**
 * The pure calculation: credits, targets and plans in, statement lines with traces and payout
 * summaries out. Open periods are computed from scratch; a frozen period is recomputed only to
 * find what changed, and the difference lands in the first open period as a prior-period
 * adjustment (or a clawback when a refund or cancellation caused it).
 */
export function calculate(input: CalcInput): CalcResult {
  const lines: StatementLine[] = [];
  const payouts: PayoutSummary[] = [];
  const problems = new Map<string, CalcProblem>();
  const base = input.baseCurrency ?? DEFAULT_CURRENCY;
  const cal = input.calendar ?? CALENDAR_YEAR;
  const frozen = input.frozen ?? { periods: [], lines: [], payouts: [] };
  const periods = [...new Set(input.periods)].sort();
  const firstOpenOf = (frequency: string) => (input.firstOpen && frequencyOf(input.firstOpen) === frequency ? input.firstOpen : periods.find((p) => frequencyOf(p) === frequency));
  const creditsByPayee = groupBy(input.credits, (c) => c.payeeId);
  const inputValues = new Map(input.inputs.map((v) => [`${v.payeeId}|${v.period}|${v.name}`, dec(v.value)]));
  const payeeFilter = input.payees ? new Set(input.payees) : undefined;
  const planAssignments = groupBy(
    input.assignments.filter((a) => a.kind === 'plan'),
    (a) => `${a.payeeId}|${a.key}`,
  );
  const pairs = new Set<string>();
  for (const k of planAssignments.keys()) if (!payeeFilter || payeeFilter.has(k.split('|')[0] as string)) pairs.add(k);
  const frozenPayouts = groupBy(frozen.payouts, (p) => `${p.payeeId}|${p.planId}`);
  const frozenLines = groupBy(frozen.lines, (l) => `${l.payeeId}|${l.planId}`);
  const plansById = new Map(input.plans.map((p) => [p.id, p]));
  const periodSet = new Set(periods);
  const disputesBy = groupBy(
    (input.disputes ?? []).filter((d) => periodSet.has(d.period) && (!payeeFilter || payeeFilter.has(d.payeeId))),
    (d) => `${d.payeeId}|${d.planId}`,
  );
  // A payee no longer on the plan still gets an accepted dispute's adjustment: the pair is computed for it.
  for (const [k, list] of disputesBy) if (plansById.has(list[0]?.planId ?? '')) pairs.add(k);

  for (const pair of [...pairs].sort()) {
    const [payeeId, planId] = pair.split('|') as [string, string];
    const plan = plansById.get(planId);
    if (!plan) continue;
    const pays = cadenceOf(plan).pays;
    const currency = planCurrency(plan, base);
    const credits = creditsByPayee.get(payeeId) ?? [];
    // Each version and period converts by its own fxRule (the SQL path's scopes do the same).
    const conversions = new Map<string, ((c: Credit) => Credit | undefined) | undefined>();
    const convertFor = (version: PlanVersionDef, period: string) => {
      const conv: Conversion = { currency, rule: version.fxRule ?? 'transaction_date', period: periodRange(period, cal) };
      const key = `${conv.rule}|${period}`;
      if (!conversions.has(key)) conversions.set(key, converts(conv, base) ? converter(input.fx ?? [], base, conv) : undefined);
      return conversions.get(key);
    };
    const onDropped = (c: Credit) => {
      const p: CalcProblem = {
        code: 'plan_fx_missing',
        txId: c.txId,
        ruleId: '',
        rule: '',
        date: c.date,
        currency: currency === base ? c.currency : currency,
        planId: plan.id,
        payeeId,
        message: planFxMessage(plan, currency, c.date),
      };
      problems.set(problemKey(p), p);
    };
    let result: ReturnType<typeof calculatePair>;
    try {
      result = calculatePair({
        payeeId,
        plan,
        assignments: planAssignments.get(pair) ?? [],
        periods: periods.filter((p) => frequencyOf(p) === pays),
        firstOpen: firstOpenOf(pays),
        frozen: {
          periods: frozen.periods.filter((p) => frequencyOf(p) === pays),
          lines: frozenLines.get(pair) ?? [],
          payouts: frozenPayouts.get(pair) ?? [],
        },
        disputes: disputesBy.get(pair) ?? [],
        currency: base,
        calendar: cal,
        traceLimit: input.traceCreditLimit ?? Number.MAX_SAFE_INTEGER,
        aggregate: (version, period, ignore, range) => {
          if (input.aggregate) return input.aggregate(payeeId, version, period, ignore, range);
          const convert = convertFor(version, period);
          return aggregateCredits(credits, version, period, { ignoreClawback: ignore, range, ...(convert ? { convert, onDropped } : {}) });
        },
        input: (period, name) => inputValues.get(`${payeeId}|${period}|${name}`),
        ...(input.formula ? { formula: (period: string, m: MeasureDef, value: (name: string) => Dec) => input.formula?.(payeeId, period, m, value) } : {}),
      });
    } catch (error) {
      // A plan that cannot be computed for this payee (no target for them, a measure without a
      // value): a problem of this plan and payee, and every other pair is still computed.
      if (!(error instanceof CalcError)) throw error;
      const first = periods.find((p) => frequencyOf(p) === pays) ?? periods[0] ?? '';
      const p: CalcProblem = {
        code: 'plan_calc_failed',
        txId: '',
        ruleId: '',
        rule: '',
        date: first ? periodStart(first, cal) : '',
        planId: plan.id,
        payeeId,
        message: `plan "${plan.name}" is not computed for this payee: ${error.message} (${error.pointer})`,
      };
      problems.set(problemKey(p), p);
      continue;
    }
    lines.push(...result.lines);
    payouts.push(...result.payouts);
  }
  return { lines, payouts, problems: sortProblems([...problems.values()]) };
}
