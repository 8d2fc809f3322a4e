import { ONE, ZERO, dec, div, fmt, max, min, mul, sum, type Dec } from './decimal.ts';
import { computeComponents, type ComponentResult } from './components.ts';
import { aggregateCredits, type PeriodAggregates } from './measures.ts';
import { daysIn, overlapDays, periodStart, within } from './periods.ts';
import type { Assignment, Credit, DisputeAdjustment, IncentivePlanDoc, LineKind, LineTrace, MeasureDef, PayoutSummary, PlanVersionDef, StatementLine, TraceStep } from './types.ts';

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
  /** Open periods to compute, any order. */
  periods: readonly string[];
  /** The earliest open period: adjustments for frozen periods land there. Defaults to the least of `periods`. */
  firstOpen?: string;
  frozen?: FrozenState;
  payees?: readonly string[];
  formula?: (payeeId: string, period: string, measure: MeasureDef) => Dec | undefined;
  /** Precomputed aggregates (the database computes them in SQL); else aggregated from `credits`. */
  aggregate?: (payeeId: string, version: PlanVersionDef, period: string, ignoreClawback: boolean) => PeriodAggregates;
  /** Accepted disputes booked as adjustment lines in their (open) posting period. */
  disputes?: readonly DisputeAdjustment[];
  /** Largest number of credit ids kept in a line's trace (the rest are counted). */
  traceCreditLimit?: number;
}

export interface CalcResult {
  lines: StatementLine[];
  payouts: PayoutSummary[];
}

export function versionFor(plan: IncentivePlanDoc, period: string): PlanVersionDef | undefined {
  const start = periodStart(period);
  return plan.versions.find((v) => within(start, v.effectiveFrom, v.effectiveTo));
}

/** Share of the period the payee was assigned to the plan, 0 when not at all. */
export function prorationFor(assignments: readonly Assignment[], planId: string, payeeId: string, period: string, version: PlanVersionDef): Dec {
  const days = assignments.filter((a) => a.kind === 'plan' && a.key === planId && a.payeeId === payeeId).reduce((n, a) => n + overlapDays(period, a.from, a.to), 0);
  if (days === 0) return ZERO;
  const total = daysIn(period);
  if (version.proration !== 'days' || days >= total) return ONE;
  return div(dec(days), dec(total));
}

const lineKey = (planId: string, component: string | null, kind: LineKind, forPeriod?: string) => `${planId}:${component ?? ''}:${kind}:${forPeriod ?? ''}`;

/**
 * The pure calculation: credits, targets and plans in, statement lines with traces and payout
 * summaries out. Open periods are computed from scratch; a frozen period is recomputed only to
 * find what changed, and the difference lands in the first open period as a prior-period
 * adjustment (or a clawback when a refund or cancellation caused it).
 */
export function calculate(input: CalcInput): CalcResult {
  const lines: StatementLine[] = [];
  const payouts: PayoutSummary[] = [];
  const frozen = input.frozen ?? { periods: [], lines: [], payouts: [] };
  const periods = [...new Set(input.periods)].sort();
  const firstOpen = input.firstOpen ?? periods[0];
  const limit = input.traceCreditLimit ?? Number.MAX_SAFE_INTEGER;
  const creditsByPayee = new Map<string, Credit[]>();
  for (const c of input.credits) {
    const list = creditsByPayee.get(c.payeeId) ?? [];
    list.push(c);
    creditsByPayee.set(c.payeeId, list);
  }
  const inputValues = new Map(input.inputs.map((v) => [`${v.payeeId}|${v.period}|${v.name}`, dec(v.value)]));
  const payeeFilter = input.payees ? new Set(input.payees) : undefined;
  const planAssignments = new Map<string, Assignment[]>();
  for (const a of input.assignments) {
    if (a.kind !== 'plan') continue;
    const k = `${a.payeeId}|${a.key}`;
    const list = planAssignments.get(k) ?? [];
    list.push(a);
    planAssignments.set(k, list);
  }
  const pairs = new Set<string>();
  for (const a of input.assignments) {
    if (a.kind === 'plan' && (!payeeFilter || payeeFilter.has(a.payeeId))) pairs.add(`${a.payeeId}|${a.key}`);
  }

  const frozenPayouts = new Map<string, PayoutSummary[]>();
  for (const p of frozen.payouts) {
    const k = `${p.payeeId}|${p.planId}`;
    frozenPayouts.set(k, [...(frozenPayouts.get(k) ?? []), p]);
  }
  const frozenLines = new Map<string, StatementLine[]>();
  for (const l of frozen.lines) {
    const k = `${l.payeeId}|${l.planId}`;
    const list = frozenLines.get(k) ?? [];
    list.push(l);
    frozenLines.set(k, list);
  }
  const plansById = new Map(input.plans.map((p) => [p.id, p]));
  const periodSet = new Set(periods);
  const disputesBy = new Map<string, DisputeAdjustment[]>();
  for (const d of input.disputes ?? []) {
    if (!periodSet.has(d.period) || (payeeFilter && !payeeFilter.has(d.payeeId))) continue;
    const k = `${d.payeeId}|${d.planId}`;
    disputesBy.set(k, [...(disputesBy.get(k) ?? []), d]);
    // A payee no longer on the plan still gets the adjustment: the pair is computed for it.
    if (plansById.has(d.planId)) pairs.add(k);
  }
  for (const pair of [...pairs].sort()) {
    const [payeeId, planId] = pair.split('|') as [string, string];
    const plan = plansById.get(planId);
    if (!plan) continue;
    const credits = creditsByPayee.get(payeeId) ?? [];
    const compute = (period: string, version: PlanVersionDef, proration: Dec, ignoreClawback = false) => {
      const agg = input.aggregate ? input.aggregate(payeeId, version, period, ignoreClawback) : aggregateCredits(credits, version, period, { ignoreClawback });
      const results = computeComponents(version, {
        aggs: agg.aggs,
        proration,
        input: (name) => inputValues.get(`${payeeId}|${period}|${name}`),
        ...(input.formula ? { formula: (m: MeasureDef) => input.formula?.(payeeId, period, m) } : {}),
      });
      return { agg, results };
    };
    const traceOf = (period: string, version: PlanVersionDef, r: Pick<ComponentResult, 'trace'> | null, component: string | null, steps: TraceStep[] = [], extra: Partial<LineTrace> = {}): LineTrace => {
      const base = r?.trace ?? { measures: {}, creditIds: [], sourceRecordIds: [], creditCount: 0, steps: [] };
      return {
        plan: { id: plan.id, name: plan.name, version: version.version },
        component,
        period,
        ...base,
        creditIds: base.creditIds.slice(0, limit),
        sourceRecordIds: base.sourceRecordIds.slice(0, limit),
        creditCount: Math.max(base.creditCount, base.creditIds.length),
        steps: [...base.steps, ...steps],
        ...extra,
      };
    };
    const push = (period: string, version: PlanVersionDef, component: string | null, kind: LineKind, amount: Dec, points: Dec, trace: LineTrace) => {
      const line: StatementLine = { payeeId, period, planId: plan.id, planVersion: version.version, component, kind, amount, points, currency: version.currency, key: lineKey(plan.id, component, kind, trace.forPeriod), trace };
      lines.push(line);
      return line;
    };

    const lastFrozen = (frozenPayouts.get(pair) ?? []).filter((p) => frozen.periods.includes(p.period)).sort((a, b) => a.period.localeCompare(b.period)).pop();
    let balance = lastFrozen?.balanceAfter ?? ZERO;

    /** Accepted disputes of this pair booked in the period: one adjustment line each, keyed by the dispute. */
    const bookDisputes = (period: string, version: PlanVersionDef | undefined): Dec => {
      let total = ZERO;
      for (const d of (disputesBy.get(pair) ?? []).filter((x) => x.period === period)) {
        const v = version ?? { version: d.planVersion, currency: d.currency };
        const trace: LineTrace = {
          plan: { id: plan.id, name: plan.name, version: v.version }, component: d.component, period,
          measures: {}, creditIds: [], sourceRecordIds: [], creditCount: 0,
          steps: [
            { step: 'disputed', formula: `line ${d.dispute.lineKey} of ${d.dispute.period}${d.dispute.raisedBy ? ` by ${d.dispute.raisedBy}` : ''}: ${d.dispute.reason}`, value: '' },
            { step: 'accepted', formula: `by ${d.dispute.decidedBy ?? 'the approval flow'} at ${d.dispute.decidedAt}: ${d.dispute.resolution}`, value: fmt(d.amount) },
          ],
          dispute: d.dispute,
        };
        lines.push({ payeeId, period, planId: plan.id, planVersion: v.version, component: d.component, kind: 'adjustment', amount: d.amount, points: ZERO, currency: v.currency, key: `${plan.id}:${d.component ?? ''}:adjustment:dispute:${d.dispute.id}`, trace });
        total += d.amount;
      }
      return total;
    };

    for (const period of periods) {
      const version = versionFor(plan, period);
      const proration = version ? prorationFor(planAssignments.get(pair) ?? [], plan.id, payeeId, period, version) : ZERO;
      if (!version || proration === ZERO) {
        // Nothing earned here, but an accepted dispute booked in this period is still paid.
        const booked = bookDisputes(period, version);
        const first = (disputesBy.get(pair) ?? []).find((x) => x.period === period);
        if (first) payouts.push({ payeeId, period, planId: plan.id, currency: version?.currency ?? first.currency, earned: ZERO, adjustments: booked, drawAdvance: ZERO, recovery: ZERO, payout: booked, points: ZERO, balanceAfter: balance });
        continue;
      }
      const { agg, results } = compute(period, version, proration);
      let earned = ZERO;
      let points = ZERO;
      for (const r of results) {
        push(period, version, r.component.name, 'earning', r.amount, r.points, traceOf(period, version, r, r.component.name));
        earned += r.amount;
        points += r.points;
      }
      if (agg.held.count) {
        push(period, version, null, 'hold', ZERO, ZERO, traceOf(period, version, null, null, [{ step: 'held', formula: `${agg.held.count} credits wait for their ${version.payoutTiming} date`, value: fmt(agg.held.value) }], {
          creditIds: agg.held.creditIds.slice(0, limit),
          sourceRecordIds: agg.held.txIds.slice(0, limit),
          creditCount: agg.held.count,
        }));
      }
      let adjustments = ZERO;
      if (period === firstOpen) adjustments = adjustFrozen(period, version);
      adjustments += bookDisputes(period, version);
      const net = earned + adjustments;
      let advance = ZERO;
      let recovery = ZERO;
      const draw = version.draw;
      if (draw) {
        const inWindow = period >= draw.from && period <= draw.to;
        const amount = inWindow ? mul(dec(draw.amount), proration) : ZERO;
        if (draw.type === 'recoverable') {
          if (inWindow && net < amount) {
            advance = amount - net;
            balance += advance;
          } else if (balance > ZERO) {
            recovery = min(balance, max(ZERO, net - amount));
            balance -= recovery;
          }
        } else if (inWindow && net < amount) advance = amount - net;
        const kind: LineKind = draw.type === 'recoverable' ? 'draw' : 'guarantee';
        if (advance !== ZERO) {
          push(period, version, null, kind, advance, ZERO, traceOf(period, version, null, null, [
            { step: kind, formula: `${draw.type} ${fmt(amount)} − earned ${fmt(net)}`, value: fmt(advance) },
            ...(draw.type === 'recoverable' ? [{ step: 'balance', formula: 'owed back from future earnings', value: fmt(balance) }] : []),
          ]));
        }
        if (recovery !== ZERO) {
          push(period, version, null, 'recovery', -recovery, ZERO, traceOf(period, version, null, null, [
            { step: 'recovery', formula: `min(balance ${fmt(balance + recovery)}, earned ${fmt(net)} − draw ${fmt(amount)})`, value: fmt(-recovery) },
            { step: 'balance', formula: 'still owed', value: fmt(balance) },
          ]));
        }
      }
      payouts.push({ payeeId, period, planId: plan.id, currency: version.currency, earned, adjustments, drawAdvance: advance, recovery, payout: net + advance - recovery, points, balanceAfter: balance });
    }

    /** Recomputes each frozen period and books what changed since it froze. */
    function adjustFrozen(period: string, version: PlanVersionDef): Dec {
      let total = ZERO;
      for (const f of [...frozen.periods].filter((p) => p < period).sort()) {
        const fVersion = versionFor(plan as IncentivePlanDoc, f);
        if (!fVersion) continue;
        const proration = prorationFor(planAssignments.get(pair) ?? [], planId, payeeId, f, fVersion);
        // A dispute's adjustment is a decision on top of the calculation, never part of its baseline.
        const fLines = (frozenLines.get(pair) ?? []).filter((l) => !l.trace.dispute && ((l.period === f && l.kind === 'earning') || ((l.kind === 'adjustment' || l.kind === 'clawback') && l.trace.forPeriod === f)));
        if (proration === ZERO && fLines.length === 0) continue;
        const now = proration === ZERO ? [] : compute(f, fVersion, proration).results;
        const keep = proration === ZERO || !fVersion.clawback ? now : compute(f, fVersion, proration, true).results;
        const names = [...new Set([...fVersion.components.map((c) => c.name), ...fLines.map((l) => l.component ?? '')])];
        for (const name of names) {
          const current = now.find((r) => r.component.name === name);
          const withoutClawback = keep.find((r) => r.component.name === name);
          const baseline = sum(fLines.filter((l) => l.component === name).map((l) => l.amount));
          const nowAmount = current?.amount ?? ZERO;
          const keepAmount = withoutClawback?.amount ?? ZERO;
          const diff = nowAmount - baseline;
          if (diff === ZERO) continue;
          const clawback = nowAmount - keepAmount;
          const parts: Array<[LineKind, Dec]> = keepAmount === baseline ? [['clawback', diff]] : clawback === ZERO ? [['adjustment', diff]] : [['adjustment', keepAmount - baseline], ['clawback', clawback]];
          for (const [kind, amount] of parts) {
            if (amount === ZERO) continue;
            const steps: TraceStep[] = [
              { step: 'recomputed', formula: `${name} for ${f} with today's data${kind === 'adjustment' && clawback !== ZERO ? ', refunds not taken back' : ''}`, value: fmt(kind === 'adjustment' ? keepAmount : nowAmount) },
              { step: 'already booked', formula: `paid or approved for ${f}${kind === 'clawback' && parts.length > 1 ? ' plus the adjustment above' : ''}`, value: fmt(kind === 'clawback' && parts.length > 1 ? keepAmount : baseline) },
              { step: kind, formula: 'recomputed − already booked', value: fmt(amount) },
            ];
            const trace = traceOf(period, version, current ?? null, name, steps, { forPeriod: f });
            push(period, version, name, kind, amount, ZERO, trace);
            total += amount;
          }
        }
      }
      return total;
    }
  }
  return { lines, payouts };
}

