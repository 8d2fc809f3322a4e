import { ONE, ZERO, dec, div, fmt, max, min, mul, round, type Dec } from './decimal.ts';
import { componentKey, measureKey, type Aggregate } from './measures.ts';
import type { ComponentDef, LineTrace, MeasureDef, PlanVersionDef, Tier, TraceStep } from './types.ts';

export interface ComponentInputs {
  aggs: ReadonlyMap<string, Aggregate>;
  /** Targets and input measures (MBO scores, manual KPIs) for the payee and period. */
  input(name: string): Dec | undefined;
  /** A target by name (default: `input`); a quarter's or year's target may be its months' sum. */
  target?(name: string): Dec | undefined;
  /** Share of the period the payee was on the plan (1 when not prorated). */
  proration: Dec;
  /**
   * Values of formula measures, evaluated outside (in the sandbox); `value` gives the other
   * measures' values the formula reads (formula-measures.ts batches them across payees).
   */
  formula?(measure: MeasureDef, value: (name: string) => Dec): Dec | undefined;
}

export interface ComponentResult {
  component: ComponentDef;
  amount: Dec;
  points: Dec;
  trace: Pick<LineTrace, 'measures' | 'target' | 'attainment' | 'proration' | 'creditIds' | 'sourceRecordIds' | 'creditCount' | 'steps'>;
}

export class CalcError extends Error {
  readonly pointer: string;
  constructor(message: string, pointer: string) {
    super(message);
    this.pointer = pointer;
  }
}

const EMPTY: Aggregate = { value: ZERO, count: 0, creditIds: [], txIds: [] };

function tierContaining(tiers: readonly Tier[], x: Dec): Tier | undefined {
  return tiers.find((t) => x >= dec(t.from) && (t.to === undefined || t.to === null || x < dec(t.to)));
}

/** Computes every component of a plan version for one payee and period, with formula steps. */
export function computeComponents(version: PlanVersionDef, inputs: ComponentInputs): ComponentResult[] {
  const measures = new Map(version.measures.map((m) => [m.name, m]));
  const resolving = new Set<string>();
  const measureValue = (name: string): { value: Dec; agg: Aggregate } => {
    const m = measures.get(name);
    if (!m) throw new CalcError(`measure "${name}" is not defined`, `/measures`);
    // A kpi measure's value arrives as an aggregate too (read from the goals actuals).
    if (m.type === 'sum' || m.type === 'count' || m.type === 'kpi') {
      const agg = inputs.aggs.get(measureKey(name)) ?? EMPTY;
      return { value: agg.value, agg };
    }
    if (m.type === 'input') return { value: inputs.input(name) ?? ZERO, agg: EMPTY };
    if (resolving.has(name)) throw new CalcError(`measure "${name}" refers to itself`, `/measures`);
    resolving.add(name);
    try {
      if (m.type === 'ratio') {
        const n = measureValue(m.numerator ?? '');
        const d = measureValue(m.denominator ?? '');
        return { value: d.value === ZERO ? ZERO : div(n.value, d.value), agg: EMPTY };
      }
      const v = inputs.formula?.(m, (n) => measureValue(n).value);
      if (v === undefined) throw new CalcError(`formula measure "${name}" has no value`, `/measures`);
      return { value: v, agg: EMPTY };
    } finally {
      resolving.delete(name);
    }
  };

  return version.components.map((component, index) => {
    const steps: TraceStep[] = [];
    const step = (s: string, formula: string, value: Dec) => {
      steps.push({ step: s, formula, value: fmt(value) });
      return value;
    };
    const used: Record<string, { value: string; credits: number }> = {};
    const creditIds: string[] = [];
    const txIds: string[] = [];
    let creditCount = 0;
    const use = (name: string) => {
      const r = measureValue(name);
      used[name] = { value: fmt(r.value), credits: r.agg.count };
      for (const id of r.agg.creditIds) if (!creditIds.includes(id)) creditIds.push(id);
      for (const id of r.agg.txIds) if (!txIds.includes(id)) txIds.push(id);
      creditCount = Math.max(creditCount, r.agg.count);
      return r.value;
    };
    const pointer = `/components/${index}`;
    let target: Dec | undefined;
    let attainment: Dec | undefined;
    const targetOf = (name: string, at: string): Dec => {
      const raw = inputs.target ? inputs.target(name) : inputs.input(name);
      if (raw === undefined) throw new CalcError(`no target "${name}" for this payee and period`, at);
      const t = mul(raw, inputs.proration);
      if (inputs.proration !== ONE) step('prorated target', `${name} ${fmt(raw)} × proration ${fmt(inputs.proration)}`, t);
      return t;
    };
    const value = component.measure ? use(component.measure) : ZERO;
    if (component.target) {
      target = targetOf(component.target, `${pointer}/target`);
      attainment = target === ZERO ? ZERO : div(value, target);
      step('attainment', `${component.measure} ${fmt(value)} ÷ target ${fmt(target)}`, attainment);
    }
    let amount = ZERO;
    let points = ZERO;
    switch (component.type) {
      case 'rate':
        amount = step('commission', `${component.measure} ${fmt(value)} × rate ${component.rate}`, mul(value, dec(component.rate ?? '0')));
        break;
      case 'tiered': {
        const tiers = component.tiers ?? [];
        const byAttainment = component.tierBasis === 'attainment';
        if (byAttainment && target === undefined) throw new CalcError('tiers by attainment need a target', `${pointer}/target`);
        const scale = (bound: Dec) => (byAttainment ? mul(bound, target ?? ZERO) : bound);
        if (component.tierMode === 'step') {
          const x = byAttainment ? (attainment ?? ZERO) : value;
          const tier = tierContaining(tiers, x);
          const rate = tier ? dec(tier.rate) : ZERO;
          amount = step(
            'step tier',
            tier ? `${fmt(value)} × rate ${tier.rate} (tier from ${tier.from}${tier.to ? ` to ${tier.to}` : ''}, applied to the whole)` : 'no tier contains the value',
            mul(value, rate),
          );
        } else {
          for (const tier of tiers) {
            const from = scale(dec(tier.from));
            const to = tier.to === undefined || tier.to === null ? undefined : scale(dec(tier.to));
            if (value <= from) continue;
            const band = (to === undefined ? value : min(value, to)) - from;
            const part = mul(band, dec(tier.rate));
            step(`tier ${tier.from}–${tier.to ?? '∞'}`, `(${fmt(to === undefined ? value : min(value, to))} − ${fmt(from)}) × ${tier.rate}`, part);
            amount += part;
          }
          step('tiers total', 'sum of tier amounts', amount);
        }
        break;
      }
      case 'bonus': {
        const base = mul(dec(component.amount ?? '0'), inputs.proration);
        let score = component.score ? use(component.score) : (attainment ?? ZERO);
        if (component.maxScore) score = min(score, dec(component.maxScore));
        amount = step('bonus', `target bonus ${fmt(base)} × score ${fmt(score)}`, mul(base, score));
        break;
      }
      case 'spif':
      case 'points': {
        const agg = inputs.aggs.get(componentKey(component.name)) ?? EMPTY;
        for (const id of agg.creditIds) creditIds.push(id);
        for (const id of agg.txIds) if (!txIds.includes(id)) txIds.push(id);
        creditCount = Math.max(creditCount, agg.count);
        const parts = [
          component.perCredit ? `${component.perCredit} per credit` : '',
          component.rate ? `${component.rate} × amount` : '',
          component.perAmount ? `${component.perAmount.value} per ${component.perAmount.every}` : '',
        ]
          .filter(Boolean)
          .join(' + ');
        const v = step(component.type, `Σ over ${agg.count} qualifying credits of (${parts})`, agg.value);
        if (component.type === 'points') points = v;
        else amount = v;
        break;
      }
    }
    if (component.multiplier) {
      const kpi = use(component.multiplier.measure);
      const tier = tierContaining(component.multiplier.table, kpi);
      const factor = tier ? dec(tier.rate) : ONE;
      amount = step('multiplier', `× ${fmt(factor)} (${component.multiplier.measure} ${fmt(kpi)})`, mul(amount, factor));
    }
    if (component.floor) {
      const floor = mul(dec(component.floor.amount), inputs.proration);
      if (amount < floor) amount = step('floor', `max(amount, floor ${fmt(floor)})`, max(amount, floor));
    }
    if (component.cap) {
      const cap = mul(dec(component.cap.amount), inputs.proration);
      if (amount > cap) amount = step('cap', `min(amount, cap ${fmt(cap)})`, min(amount, cap));
    }
    if (component.gate) {
      let gateAttainment = attainment;
      if (component.gate.measure || component.gate.target) {
        const v = use(component.gate.measure ?? component.measure ?? '');
        const t = targetOf(component.gate.target ?? component.target ?? '', `${pointer}/gate/target`);
        gateAttainment = t === ZERO ? ZERO : div(v, t);
      }
      const threshold = dec(component.gate.minAttainment);
      if ((gateAttainment ?? ZERO) < threshold) {
        amount = step('gate', `attainment ${fmt(gateAttainment ?? ZERO)} < ${component.gate.minAttainment}: nothing paid`, ZERO);
        points = ZERO;
      }
    }
    const rounded = round(amount, version.rounding.scale, version.rounding.mode);
    const pointsRounded = round(points, version.rounding.scale, version.rounding.mode);
    if (component.type === 'points') step('rounded', `round(${fmt(points)}, ${version.rounding.scale}, ${version.rounding.mode}) points`, pointsRounded);
    else step('rounded', `round(${fmt(amount)}, ${version.rounding.scale}, ${version.rounding.mode})`, rounded);
    return {
      component,
      amount: rounded,
      points: pointsRounded,
      trace: {
        measures: used,
        ...(target !== undefined ? { target: fmt(target) } : {}),
        ...(attainment !== undefined ? { attainment: fmt(attainment) } : {}),
        ...(inputs.proration !== ONE ? { proration: fmt(inputs.proration) } : {}),
        creditIds,
        sourceRecordIds: txIds,
        creditCount,
        steps,
      },
    };
  });
}
