// Plan preview for the designer: the payout curve of each component (payout vs attainment, or vs
// the measure when there is no target) and the plan run on sample payees — the same component code
// the statements use, on measure values typed in instead of credits.
import { ONE, ZERO, dec, div, fmt, isDecText, mul, type Dec } from './decimal.ts';
import { CalcError, computeComponents } from './components.ts';
import { componentKey, measureKey, type Aggregate } from './measures.ts';
import type { PlanVersionDef, TraceStep } from './types.ts';

export interface PreviewSample {
  name: string;
  /** Measure values (sum/count/input measures) and targets, as decimal text. */
  values: Record<string, string>;
}

export interface PreviewCurve {
  component: string;
  /** attainment: x is a fraction of target (1 = 100%); value: x is the measure itself. */
  basis: 'attainment' | 'value';
  measure: string;
  target: string | null;
  points: Array<{ x: string; amount: string }>;
}

export interface PreviewResult {
  curves: PreviewCurve[];
  samples: Array<{
    name: string;
    total: string;
    lines: Array<{ component: string; amount: string; points: string; attainment: string | null; steps: TraceStep[] }>;
    error?: { path: string; message: string };
  }>;
}

const agg = (value: Dec): Aggregate => ({ value, count: 0, creditIds: [], txIds: [] });

function run(version: PlanVersionDef, values: Record<string, string>) {
  const num = (v: string | undefined) => (v !== undefined && isDecText(v) ? dec(v) : undefined);
  const aggs = new Map<string, Aggregate>();
  for (const m of version.measures) if (m.type === 'sum' || m.type === 'count' || m.type === 'kpi') aggs.set(measureKey(m.name), agg(num(values[m.name]) ?? ZERO));
  // SPIFs and points count qualifying credits: a sample names their value by component.
  for (const c of version.components) if (c.type === 'spif' || c.type === 'points') aggs.set(componentKey(c.name), agg(num(values[c.name]) ?? ZERO));
  return computeComponents(version, { aggs, input: (name) => num(values[name]), proration: ONE });
}

/** Largest bound a curve should show: twice the last finite tier bound, at least 150% of target. */
function span(version: PlanVersionDef, index: number, target: Dec | undefined): { basis: 'attainment' | 'value'; max: Dec } {
  const c = version.components[index]!;
  const bounds = (c.tiers ?? [])
    .flatMap((t) => [t.from, t.to])
    .filter((b): b is string => typeof b === 'string' && isDecText(b))
    .map(dec);
  const last = bounds.length ? bounds.reduce((a, b) => (b > a ? b : a)) : ZERO;
  if (target !== undefined && target > ZERO) {
    const byAtt = c.tierBasis === 'attainment' ? last : div(last, target);
    const top = (byAtt * 3n) / 2n > dec('2') ? (byAtt * 3n) / 2n : dec('2');
    return { basis: 'attainment', max: top };
  }
  const cap = c.cap && isDecText(c.cap.amount) && c.rate && isDecText(c.rate) && dec(c.rate) > ZERO ? div(dec(c.cap.amount), dec(c.rate)) : ZERO;
  const top = last > ZERO ? last * 2n : cap > ZERO ? (cap * 3n) / 2n : dec('100000');
  return { basis: 'value', max: top };
}

/**
 * Runs a plan version on samples and traces each measured component's curve over `steps` points,
 * holding the other inputs at the first sample's values (or the given base).
 */
export function previewPlan(version: PlanVersionDef, samples: readonly PreviewSample[], opts: { steps?: number } = {}): PreviewResult {
  const steps = Math.min(Math.max(opts.steps ?? 40, 4), 200);
  const base = samples[0]?.values ?? {};
  const curves: PreviewCurve[] = [];
  version.components.forEach((c, i) => {
    if (!c.measure || c.type === 'spif' || c.type === 'points') return;
    const rawTarget = c.target ? base[c.target] : undefined;
    const target = rawTarget !== undefined && isDecText(rawTarget) ? dec(rawTarget) : undefined;
    if (c.target && target === undefined) return;
    const { basis, max } = span(version, i, target);
    const points: PreviewCurve['points'] = [];
    try {
      for (let k = 0; k <= steps; k++) {
        const x = (max * BigInt(k)) / BigInt(steps);
        const measureValue = basis === 'attainment' ? mul(x, target ?? ZERO) : x;
        const result = run(version, { ...base, [c.measure]: fmt(measureValue) })[i];
        points.push({ x: fmt(x), amount: fmt(result?.amount ?? ZERO) });
      }
    } catch (error) {
      if (!(error instanceof CalcError)) throw error;
      return;
    }
    curves.push({ component: c.name, basis, measure: c.measure, target: target === undefined ? null : fmt(target), points });
  });
  const out: PreviewResult['samples'] = samples.map((s) => {
    try {
      const results = run(version, s.values);
      const total = results.reduce((a, r) => a + r.amount, ZERO);
      return {
        name: s.name,
        total: fmt(total),
        lines: results.map((r) => ({ component: r.component.name, amount: fmt(r.amount), points: fmt(r.points), attainment: r.trace.attainment ?? null, steps: r.trace.steps })),
      };
    } catch (error) {
      if (!(error instanceof CalcError)) throw error;
      return { name: s.name, total: '0', lines: [], error: { path: error.pointer, message: error.message } };
    }
  });
  return { curves, samples: out };
}
