// One payee on one plan over the open pay periods: segments per version, statement lines with
// traces, monthly advances against the plan period to date, prior-period adjustments, draws.
import { ZERO, dec, fmt, max, min, sum, type Dec } from './decimal.ts';
import { computeComponents, type ComponentResult } from './components.ts';
import { currencyOf } from './currency.ts';
import { drawFor } from './draws.ts';
import type { PeriodAggregates } from './measures.ts';
import { frequencyOf, monthsOf, periodEnd, periodOf, periodStart, type DateRange, type FiscalCalendar } from './periods.ts';
import { cadenceOf, prorationFor, segmentsIn, windowFor, type CalcWindow, type Segment } from './plan-versions.ts';
import type { Assignment, DisputeAdjustment, IncentivePlanDoc, LineKind, LineTrace, MeasureDef, PayoutSummary, PlanVersionDef, StatementLine, TraceStep } from './types.ts';

export interface PairInput {
  payeeId: string;
  plan: IncentivePlanDoc;
  /** The payee's assignments to the plan. */
  assignments: readonly Assignment[];
  /** Open pay periods of the plan's cadence, in order. */
  periods: readonly string[];
  /** The earliest open pay period of the plan's cadence: adjustments for frozen periods land there. */
  firstOpen: string | undefined;
  /** Frozen pay periods of the plan's cadence, with the pair's lines and payouts. */
  frozen: { periods: readonly string[]; lines: readonly StatementLine[]; payouts: readonly PayoutSummary[] };
  disputes: readonly DisputeAdjustment[];
  /** Currency of versions that name none. */
  currency: string;
  /** The tenant's fiscal calendar: which months make the plan's quarters and years. */
  calendar: FiscalCalendar;
  traceLimit: number;
  aggregate(version: PlanVersionDef, period: string, ignoreClawback: boolean, range: DateRange): PeriodAggregates;
  input(period: string, name: string): Dec | undefined;
  formula?: (period: string, measure: MeasureDef, value: (name: string) => Dec) => Dec | undefined;
}

interface Part {
  seg: Segment;
  factor: Dec;
  agg: PeriodAggregates;
  results: ComponentResult[];
}

const EMPTY_TRACE = { measures: {}, creditIds: [], sourceRecordIds: [], creditCount: 0, steps: [] };

/**
 * Per measure: what the `plus` traces count less what the `minus` traces count. A prior-period
 * line's measures say what it moved (a late 10.00 order: revenue 10.00; a refund taken back:
 * revenue −1,234.56), so they add up to the credits its drill-down lists (the rows that changed).
 */
function measureChange(plus: ReadonlyArray<Pick<LineTrace, 'measures'>>, minus: ReadonlyArray<Pick<LineTrace, 'measures'>>): LineTrace['measures'] {
  const out = new Map<string, { value: Dec; credits: number }>();
  const add = (traces: ReadonlyArray<Pick<LineTrace, 'measures'>>, sign: 1 | -1) => {
    for (const t of traces) {
      for (const [name, m] of Object.entries(t.measures)) {
        const e = out.get(name) ?? { value: ZERO, credits: 0 };
        e.value += sign === 1 ? dec(m.value) : -dec(m.value);
        e.credits += sign * m.credits;
        out.set(name, e);
      }
    }
  };
  add(plus, 1);
  add(minus, -1);
  return Object.fromEntries([...out].map(([name, e]) => [name, { value: fmt(e.value), credits: e.credits }]));
}
export const lineKey = (planId: string, component: string | null, kind: LineKind, forPeriod?: string, from?: string) =>
  `${planId}:${component ?? ''}:${kind}:${forPeriod ?? ''}${from ? `@${from}` : ''}`;

export function calculatePair(p: PairInput): { lines: StatementLine[]; payouts: PayoutSummary[] } {
  const { payeeId, plan, calendar: cal } = p;
  const lines: StatementLine[] = [];
  const payouts: PayoutSummary[] = [];
  const advances = cadenceOf(plan).pays !== cadenceOf(plan).frequency;

  const parts = (w: CalcWindow, ignore = false): Part[] =>
    segmentsIn(plan, w.range).flatMap((seg) => {
      const factor = prorationFor(p.assignments, plan.id, payeeId, w.base, seg.version, cal, seg);
      if (factor === ZERO) return [];
      const agg = p.aggregate(seg.version, w.period, ignore, { from: seg.from, to: seg.to });
      const results = computeComponents(seg.version, {
        aggs: agg.aggs,
        proration: factor,
        input: (name) => p.input(w.base, name),
        target: (name) => targetFor(w.base, name),
        ...(p.formula ? { formula: (m: MeasureDef, value: (name: string) => Dec) => p.formula?.(w.base, m, value) } : {}),
      });
      return [{ seg, factor, agg, results }];
    });

  /** A plan period's target, else the sum of its months' targets when every month has one. */
  const targetFor = (base: string, name: string): Dec | undefined => {
    const own = p.input(base, name);
    if (own !== undefined || frequencyOf(base) === 'monthly') return own;
    const months = monthsOf(base, cal).map((m) => p.input(m, name));
    return months.every((v) => v !== undefined) ? sum(months as Dec[]) : undefined;
  };

  const traceOf = (period: string, version: PlanVersionDef, r: Pick<ComponentResult, 'trace'> | null, component: string | null, steps: TraceStep[] = [], extra: Partial<LineTrace> = {}): LineTrace => {
    const base = r?.trace ?? EMPTY_TRACE;
    return {
      plan: { id: plan.id, name: plan.name, version: version.version },
      component,
      period,
      ...base,
      creditIds: base.creditIds.slice(0, p.traceLimit),
      sourceRecordIds: base.sourceRecordIds.slice(0, p.traceLimit),
      creditCount: Math.max(base.creditCount, base.creditIds.length),
      steps: [...base.steps, ...steps],
      ...extra,
    };
  };
  const push = (period: string, version: PlanVersionDef, component: string | null, kind: LineKind, amount: Dec, points: Dec, trace: LineTrace, from?: string) => {
    const line: StatementLine = {
      payeeId,
      period,
      planId: plan.id,
      planVersion: version.version,
      component,
      kind,
      amount,
      points,
      currency: currencyOf(version, p.currency),
      key: lineKey(plan.id, component, kind, trace.forPeriod, from),
      trace,
    };
    lines.push(line);
    return line;
  };
  /** Where a line's version applied, when not the whole window, and the plan period measured to date. */
  const where = (w: CalcWindow, seg: Segment): Partial<LineTrace> => ({
    ...(seg.whole ? {} : { span: { from: seg.from, to: seg.to } }),
    ...(advances ? { basePeriod: w.base } : {}),
  });

  const lastFrozen = p.frozen.payouts
    .filter((x) => p.frozen.periods.includes(x.period))
    .sort((a, b) => a.period.localeCompare(b.period))
    .pop();
  let balance = lastFrozen?.balanceAfter ?? ZERO;

  /** Accepted disputes booked in the period: one adjustment line each, keyed by the dispute. */
  const bookDisputes = (period: string, version: PlanVersionDef | undefined): Dec => {
    let total = ZERO;
    for (const d of p.disputes.filter((x) => x.period === period)) {
      const v = { version: version?.version ?? d.planVersion, currency: version ? currencyOf(version, p.currency) : d.currency };
      const trace: LineTrace = {
        plan: { id: plan.id, name: plan.name, version: v.version },
        component: d.component,
        period,
        measures: {},
        creditIds: [],
        sourceRecordIds: [],
        creditCount: 0,
        steps: [
          { step: 'disputed', formula: `line ${d.dispute.lineKey} of ${d.dispute.period}${d.dispute.raisedBy ? ` by ${d.dispute.raisedBy}` : ''}: ${d.dispute.reason}`, value: '' },
          { step: 'accepted', formula: `by ${d.dispute.decidedBy ?? 'the approval flow'} at ${d.dispute.decidedAt}: ${d.dispute.resolution}`, value: fmt(d.amount) },
        ],
        dispute: d.dispute,
      };
      lines.push({
        payeeId,
        period,
        planId: plan.id,
        planVersion: v.version,
        component: d.component,
        kind: 'adjustment',
        amount: d.amount,
        points: ZERO,
        currency: v.currency,
        key: `${plan.id}:${d.component ?? ''}:adjustment:dispute:${d.dispute.id}`,
        trace,
      });
      total += d.amount;
    }
    return total;
  };

  /** With monthly advances: what the earlier months of the plan period already paid, per component. */
  const paidToDate = (w: CalcWindow): Map<string, { amount: Dec; points: Dec; months: string[] }> => {
    const out = new Map<string, { amount: Dec; points: Dec; months: string[] }>();
    const earlier = new Set(monthsOf(w.base, cal).filter((m) => m < w.period));
    for (const l of [...p.frozen.lines, ...lines]) {
      if (!earlier.has(l.period) || l.trace.dispute || (l.kind !== 'earning' && l.kind !== 'paid_to_date') || l.component === null) continue;
      const e = out.get(l.component) ?? { amount: ZERO, points: ZERO, months: [] };
      e.amount += l.amount;
      e.points += l.points;
      if (!e.months.includes(l.period)) e.months.push(l.period);
      out.set(l.component, e);
    }
    return out;
  };

  for (const period of p.periods) {
    const w = windowFor(plan, period, cal);
    const now = w ? parts(w) : [];
    const last = now.at(-1)?.seg.version;
    if (!w || !last) {
      // Nothing earned here, but an accepted dispute booked in this period is still paid.
      const booked = bookDisputes(period, undefined);
      const first = p.disputes.find((x) => x.period === period);
      if (first)
        payouts.push({
          payeeId,
          period,
          planId: plan.id,
          currency: first.currency,
          earned: ZERO,
          adjustments: booked,
          drawAdvance: ZERO,
          recovery: ZERO,
          payout: booked,
          points: ZERO,
          balanceAfter: balance,
        });
      continue;
    }
    let earned = ZERO;
    let points = ZERO;
    for (const part of now) {
      const v = part.seg.version;
      const from = part.seg.whole ? undefined : part.seg.from;
      for (const r of part.results) {
        push(period, v, r.component.name, 'earning', r.amount, r.points, traceOf(period, v, r, r.component.name, [], where(w, part.seg)), from);
        earned += r.amount;
        points += r.points;
      }
      const held = part.agg.held;
      if (held.count) {
        push(
          period,
          v,
          null,
          'hold',
          ZERO,
          ZERO,
          traceOf(period, v, null, null, [{ step: 'held', formula: `${held.count} credits wait for their ${v.payoutTiming} date`, value: fmt(held.value) }], {
            ...where(w, part.seg),
            creditIds: held.creditIds.slice(0, p.traceLimit),
            sourceRecordIds: held.txIds.slice(0, p.traceLimit),
            creditCount: held.count,
          }),
          from,
        );
      }
    }
    if (w.base !== w.period) {
      for (const [component, paid] of [...paidToDate(w)].sort(([a], [b]) => a.localeCompare(b))) {
        if (paid.amount === ZERO && paid.points === ZERO) continue;
        push(
          period,
          last,
          component,
          'paid_to_date',
          -paid.amount,
          -paid.points,
          traceOf(period, last, null, component, [{ step: 'paid to date', formula: `${component} already paid for ${w.base} in ${paid.months.sort().join(', ')}`, value: fmt(-paid.amount) }], {
            basePeriod: w.base,
          }),
        );
        earned -= paid.amount;
        points -= paid.points;
      }
    }
    let adjustments = ZERO;
    if (period === p.firstOpen) adjustments = adjustFrozen(period, last);
    adjustments += bookDisputes(period, last);
    const net = earned + adjustments;
    const d = drawFor(plan, period, p.assignments, payeeId, cal);
    let advance = ZERO;
    let recovery = ZERO;
    if (d) {
      if (d.type === 'recoverable') {
        if (d.inWindow && net < d.amount) {
          advance = d.amount - net;
          balance += advance;
        } else if (balance > ZERO) {
          recovery = min(balance, max(ZERO, net - d.amount));
          balance -= recovery;
        }
      } else if (d.inWindow && net < d.amount) advance = d.amount - net;
      const kind: LineKind = d.type === 'recoverable' ? 'draw' : 'guarantee';
      if (advance !== ZERO) {
        push(
          period,
          last,
          null,
          kind,
          advance,
          ZERO,
          traceOf(period, last, null, null, [
            ...d.steps,
            { step: kind, formula: `${d.type} ${fmt(d.amount)} − earned ${fmt(net)}`, value: fmt(advance) },
            ...(d.type === 'recoverable' ? [{ step: 'balance', formula: 'owed back from future earnings', value: fmt(balance) }] : []),
          ]),
        );
      }
      if (recovery !== ZERO) {
        push(
          period,
          last,
          null,
          'recovery',
          -recovery,
          ZERO,
          traceOf(period, last, null, null, [
            { step: 'recovery', formula: `min(balance ${fmt(balance + recovery)}, earned ${fmt(net)} − draw ${fmt(d.amount)})`, value: fmt(-recovery) },
            { step: 'balance', formula: 'still owed', value: fmt(balance) },
          ]),
        );
      }
    }
    payouts.push({
      payeeId,
      period,
      planId: plan.id,
      currency: currencyOf(last, p.currency),
      earned,
      adjustments,
      drawAdvance: advance,
      recovery,
      payout: net + advance - recovery,
      points,
      balanceAfter: balance,
    });
  }

  /**
   * Recomputes each frozen period (with advances: each plan period wholly before the current one)
   * and books what changed since it froze, as an adjustment, or a clawback when refunds caused it.
   */
  function adjustFrozen(period: string, version: PlanVersionDef): Dec {
    let total = ZERO;
    const current = windowFor(plan, period, cal);
    const units = advances
      ? [...new Set(p.frozen.periods.map((f) => windowFor(plan, f, cal)?.base).filter((b): b is string => !!b && !!current && periodEnd(b, cal) < periodStart(current.base, cal)))].sort()
      : [...p.frozen.periods].filter((f) => f < period).sort();
    for (const unit of units) {
      // With advances the plan period is settled at its last month; its lines are every month's.
      const f = advances ? periodOf(periodEnd(unit, cal), 'monthly', cal) : unit;
      const w = windowFor(plan, f, cal);
      if (!w) continue;
      const covered = new Set(advances ? monthsOf(unit, cal) : [f]);
      const booked = p.frozen.lines.filter(
        (l) =>
          !l.trace.dispute &&
          (((l.kind === 'earning' || l.kind === 'paid_to_date') && covered.has(l.period)) || ((l.kind === 'adjustment' || l.kind === 'clawback') && covered.has(l.trace.forPeriod ?? ''))),
      );
      const now = parts(w);
      if (!now.length && !booked.length) continue;
      const keep = now.some((x) => x.seg.version.clawback) ? parts(w, true) : now;
      const names = [...new Set([...segmentsIn(plan, w.range).flatMap((s) => s.version.components.map((c) => c.name)), ...booked.map((l) => l.component ?? '')])];
      const amountOf = (list: Part[], name: string) => sum(list.flatMap((x) => x.results.filter((r) => r.component.name === name).map((r) => r.amount)));
      const tracesOf = (list: Part[], name: string) => list.flatMap((x) => x.results.filter((r) => r.component.name === name).map((r) => r.trace));
      for (const name of names) {
        const latest = now
          .flatMap((x) => x.results)
          .filter((r) => r.component.name === name)
          .at(-1);
        // What was booked for f itself: its earning lines as frozen (with advances, the plan period
        // to date at its last month) and the adjustments and clawbacks booked for it since.
        const bookedFor = booked
          .filter((l) => l.component === name && ((l.kind === 'earning' && l.period === f) || ((l.kind === 'adjustment' || l.kind === 'clawback') && l.trace.forPeriod === f)))
          .map((l) => l.trace);
        const baseline = sum(booked.filter((l) => l.component === name).map((l) => l.amount));
        const nowAmount = amountOf(now, name);
        const keepAmount = amountOf(keep, name);
        const diff = nowAmount - baseline;
        if (diff === ZERO) continue;
        const clawback = nowAmount - keepAmount;
        const parts2: Array<[LineKind, Dec]> =
          keepAmount === baseline
            ? [['clawback', diff]]
            : clawback === ZERO
              ? [['adjustment', diff]]
              : [
                  ['adjustment', keepAmount - baseline],
                  ['clawback', clawback],
                ];
        for (const [kind, amount] of parts2) {
          if (amount === ZERO) continue;
          const what = advances ? unit : f;
          const steps: TraceStep[] = [
            {
              step: 'recomputed',
              formula: `${name} for ${what} with today's data${kind === 'adjustment' && clawback !== ZERO ? ', refunds not taken back' : ''}`,
              value: fmt(kind === 'adjustment' ? keepAmount : nowAmount),
            },
            {
              step: 'already booked',
              formula: `paid or approved for ${what}${kind === 'clawback' && parts2.length > 1 ? ' plus the adjustment above' : ''}`,
              value: fmt(kind === 'clawback' && parts2.length > 1 ? keepAmount : baseline),
            },
            { step: kind, formula: 'recomputed − already booked', value: fmt(amount) },
          ];
          // An adjustment moved f from what was booked to today's figures (refunds not taken back); a clawback takes those refunds back.
          const measures = kind === 'adjustment' ? measureChange(tracesOf(keep, name), bookedFor) : measureChange(tracesOf(now, name), tracesOf(keep, name));
          push(period, version, name, kind, amount, ZERO, traceOf(period, version, latest ?? null, name, steps, { forPeriod: f, measures, ...(advances ? { basePeriod: unit } : {}) }));
          total += amount;
        }
      }
    }
    return total;
  }

  return { lines, payouts };
}
