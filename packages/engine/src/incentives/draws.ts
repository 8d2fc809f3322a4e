// Draws and guarantees of a pay period: the fixed amount of each version in effect, prorated by
// the days it covers (and by the payee's assigned days with day proration), rounded by the plan.
import { ZERO, dec, fmt, mul, round, type Dec } from './decimal.ts';
import { periodEnd, periodRange, periodStart, type FiscalCalendar } from './periods.ts';
import { prorationFor, segmentsIn } from './plan-versions.ts';
import type { Assignment, DrawDef, IncentivePlanDoc, TraceStep } from './types.ts';

export interface PeriodDraw {
  type: DrawDef['type'];
  /** The period's draw or guarantee amount (0 outside the window: a recoverable balance is still recovered). */
  amount: Dec;
  inWindow: boolean;
  /** How the amount was prorated, when it was. */
  steps: TraceStep[];
}

/** The draw window holds the whole pay period. */
export function drawCovers(draw: DrawDef, period: string, cal: FiscalCalendar): boolean {
  return periodStart(period, cal) >= periodStart(draw.from, cal) && periodEnd(period, cal) <= periodEnd(draw.to, cal);
}

export function drawFor(plan: IncentivePlanDoc, period: string, assignments: readonly Assignment[], payeeId: string, cal: FiscalCalendar): PeriodDraw | undefined {
  const segs = segmentsIn(plan, periodRange(period, cal)).filter((s) => s.version.draw);
  const last = segs.at(-1);
  if (!last?.version.draw) return undefined;
  let amount = ZERO;
  let inWindow = false;
  const steps: TraceStep[] = [];
  for (const s of segs) {
    const draw = s.version.draw as DrawDef;
    if (!drawCovers(draw, period, cal)) continue;
    const factor = prorationFor(assignments, plan.id, payeeId, period, s.version, cal, s);
    if (factor === ZERO) continue;
    inWindow = true;
    const part = mul(dec(draw.amount), factor);
    if (segs.length > 1 || part !== dec(draw.amount))
      steps.push({ step: 'prorated', formula: `v${s.version.version} ${draw.amount} × ${fmt(factor)}${s.whole ? '' : ` (${s.from} to ${s.to})`}`, value: fmt(part) });
    amount += part;
  }
  const { scale, mode } = last.version.rounding;
  return { type: last.version.draw.type, amount: round(amount, scale, mode), inWindow, steps };
}
