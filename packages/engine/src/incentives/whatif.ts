// What-if runs: a copy of a plan (a draft version of the stored plan, or an edited document) is
// calculated over a period's real credits and inputs next to the live plan, with the same code
// the engine uses (measures in SQL, components in the pure calculation) — and nothing is written.
import { ZERO, dec, fmt, isDecText, mul, type Dec } from './decimal.ts';
import type { InputValue } from './calculate.ts';
import { calculateWithFormulas } from './formula-measures.ts';
import { IncentiveError, type IncentiveEngine } from './db/engine.ts';
import { aggKey, emptyAgg, neededScopes, readAggregates } from './db/aggregates.ts';
import { goalTargets, readInputs } from './inputs.ts';
import { lintPlan } from './linter.ts';
import type { PeriodAggregates } from './measures.ts';
import { periodEnd, periodIssue, periodIssueText, periodStart, type FiscalCalendar } from './periods.ts';
import { versionFor, windowFor } from './plan-versions.ts';
import type { IncentivePlanDoc, PlanVersionDef, StatementLine } from './types.ts';

export interface WhatIfRequest {
  period: string;
  planId: string;
  /** Run this version of the stored plan (e.g. a draft not yet effective) as if it applied to the period. */
  version?: number;
  /** An edited copy of the plan (same id); its versions for the period (or `version`) are run. */
  plan?: IncentivePlanDoc;
  payees?: readonly string[];
  /**
   * Quotas changed for the what-if side only: each payee's target of a name (as components name
   * it in `target`) times a factor (decimal text, "1.1" = 10 % higher). The live side keeps them.
   */
  quotas?: Readonly<Record<string, string>>;
}

export interface WhatIfRow {
  payeeId: string;
  component: string | null;
  kind: string;
  live: string;
  whatif: string;
  delta: string;
  livePoints: string;
  whatifPoints: string;
  liveAttainment: string | null;
  whatifAttainment: string | null;
}

export interface WhatIfResult {
  period: string;
  planId: string;
  live: { version: number | null; currency: string | null };
  whatif: { version: number; currency: string };
  rows: WhatIfRow[];
  payees: Array<{ payeeId: string; live: string; whatif: string; delta: string }>;
  totals: { live: string; whatif: string; delta: string; payees: number; up: number; down: number };
  /** Lint warnings of the candidate (errors refuse the run). */
  warnings: Array<{ path: string; rule: string; message: string }>;
}

const decOf = (v: unknown): Dec => dec(String(v ?? '0'));

/**
 * A plan version's measures over one period's credits (and records), in SQL exactly as a
 * recalculation computes them, without storing totals; keyed by payee.
 */
export async function periodAggregates(engine: IncentiveEngine, planId: string, version: PlanVersionDef, period: string, payees: readonly string[] | null): Promise<Map<string, PeriodAggregates>> {
  const h = await engine.ensure();
  const cal = engine.calendar;
  const plan: IncentivePlanDoc = {
    kind: 'incentive_plan',
    id: planId,
    name: planId,
    label: { en: planId },
    versions: [{ ...version, effectiveFrom: periodStart(period, cal), effectiveTo: periodEnd(period, cal) }],
  };
  const scopes = neededScopes([plan], [period], [], engine.baseCurrency, cal);
  const all = await readAggregates(engine.store, engine.tenant, h.knex, h.schema, scopes, payees, false);
  return all.values().next().value ?? new Map();
}

/** The chosen version stretched over the period's whole window, or the plan as it is. */
function candidatePlan(plan: IncentivePlanDoc, period: string, version: number | undefined, cal: FiscalCalendar): IncentivePlanDoc | undefined {
  if (version === undefined) return plan;
  const v = plan.versions.find((x) => x.version === version);
  const w = windowFor({ ...plan, versions: v ? [v] : [] }, period, cal);
  return v && w && { ...plan, versions: [{ ...v, effectiveFrom: w.range.from, effectiveTo: w.range.to }] };
}

/** The targets a version's components (and their gates) name. */
function targetsOf(version: PlanVersionDef): Set<string> {
  const out = new Set<string>();
  for (const c of version.components) {
    if (c.target) out.add(c.target);
    if (c.gate?.target) out.add(c.gate.target);
  }
  return out;
}

/** Refuses a quota change naming no target of the candidate, or whose factor is not a number above 0 and up to 100. */
function checkQuotas(quotas: Readonly<Record<string, string>>, version: PlanVersionDef): Map<string, Dec> {
  const targets = targetsOf(version);
  const out = new Map<string, Dec>();
  const issues: Array<{ path: string; rule: string; message: string }> = [];
  for (const [name, factor] of Object.entries(quotas)) {
    const path = `/quotas/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if (!targets.has(name)) issues.push({ path, rule: 'unknown_reference', message: `no component of the plan has the target "${name.slice(0, 64)}"` });
    else if (typeof factor !== 'string' || !isDecText(factor) || dec(factor) <= ZERO || dec(factor) > dec('100'))
      issues.push({ path, rule: 'range', message: 'must be a factor above 0 and up to 100, as decimal text (1.1 = 10 % higher)' });
    else out.set(name, dec(factor));
  }
  if (issues.length) throw new IncentiveError(400, 'invalid_quotas', 'the quota changes were refused', issues);
  return out;
}

async function runOne(
  engine: IncentiveEngine,
  plan: IncentivePlanDoc,
  period: string,
  payees: readonly string[] | null,
  baseInputs: readonly InputValue[],
  scale: ReadonlyMap<string, Dec> = new Map(),
): Promise<StatementLine[]> {
  const h = await engine.ensure();
  const scopes = neededScopes([plan], [period], [], engine.baseCurrency, engine.calendar);
  const aggs = await readAggregates(engine.store, engine.tenant, h.knex, h.schema, scopes, payees, false);
  const goals = await goalTargets(engine, [plan], [period]);
  const goalNames = new Set(goals.map((g) => g.name));
  // Quotas scale after the goals' targets are merged in, so a target from a goals plan changes too.
  const inputs = [...baseInputs.filter((i) => !goalNames.has(i.name)), ...goals].map((i) => {
    const f = scale.get(i.name);
    return f === undefined || !isDecText(i.value) ? i : { ...i, value: fmt(mul(dec(i.value), f)) };
  });
  const assignments = (await engine.assignments()).filter((a) => a.kind === 'plan' && a.key === plan.id);
  const result = await calculateWithFormulas(engine.store, engine.tenant, {
    plans: [plan],
    credits: [],
    assignments,
    inputs,
    periods: [period],
    baseCurrency: engine.baseCurrency,
    calendar: engine.calendar,
    ...(payees ? { payees } : {}),
    traceCreditLimit: 0,
    aggregate: (payeeId, version, p, ignore, range) => aggs.get(aggKey(plan.id, version, p, ignore, range))?.get(payeeId) ?? { aggs: new Map(), held: emptyAgg() },
  });
  return result.lines;
}

/** Live plan vs. candidate, per payee and component, for one period; writes nothing. */
export async function whatIf(engine: IncentiveEngine, req: WhatIfRequest): Promise<WhatIfResult> {
  await engine.ensure();
  const cal = engine.calendar;
  const issue = periodIssue(req.period, cal);
  if (issue) throw new IncentiveError(400, 'bad_period', periodIssueText(req.period, issue), [{ path: '/period', ...issue }]);
  const plans = await engine.plans();
  const live = plans.find((p) => p.id === req.planId);
  if (req.plan && req.plan.id !== req.planId)
    throw new IncentiveError(400, 'id_mismatch', 'the edited plan must keep the id of the plan it is compared with', [{ path: '/plan/id', rule: 'const', message: `must be "${req.planId}"` }]);
  const source = req.plan ?? live;
  if (!source) throw new IncentiveError(404, 'unknown_plan', `there is no plan "${req.planId}"`, [{ path: '/planId', rule: 'exists', message: 'no such plan' }]);
  const issues = lintPlan(source, {
    plans: [source, ...plans.filter((p) => p.id !== source.id)],
    assignments: [],
    defaultCurrency: engine.baseCurrency,
    calendar: cal,
    ...(await engine.lintFunctions()),
  });
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length) throw new IncentiveError(422, 'plan_invalid', `the what-if plan has ${errors.length} error(s)`, errors);
  const candidate = candidatePlan(source, req.period, req.version, cal);
  const candidateVersion = candidate && versionFor(candidate, req.period, cal);
  if (!candidate || !candidateVersion || !windowFor(candidate, req.period, cal))
    throw new IncentiveError(422, 'no_version', `the plan has no version ${req.version !== undefined ? req.version : `effective in ${req.period}`}`, [
      { path: req.version !== undefined ? '/version' : '/period', rule: 'exists', message: 'no such plan version' },
    ]);
  const scale = req.quotas ? checkQuotas(req.quotas, candidateVersion) : new Map<string, Dec>();
  const payees = req.payees ? [...new Set(req.payees)].sort() : null;
  const base = windowFor(candidate, req.period, cal)?.base ?? req.period;
  const inputs = await readInputs(engine, { period: base, ...(payees ? { payees } : {}) });
  const liveVersion = live && windowFor(live, req.period, cal) ? versionFor(live, req.period, cal) : undefined;
  const liveLines = live && liveVersion ? await runOne(engine, live, req.period, payees, inputs) : [];
  const whatifLines = await runOne(engine, candidate, req.period, payees, inputs, scale);

  const rows = new Map<string, WhatIfRow>();
  const keyOf = (l: StatementLine) => `${l.payeeId}|${l.component ?? ''}|${l.kind}`;
  const add = (l: StatementLine, side: 'live' | 'whatif') => {
    const k = keyOf(l);
    const r = rows.get(k) ?? {
      payeeId: l.payeeId,
      component: l.component,
      kind: l.kind,
      live: '0',
      whatif: '0',
      delta: '0',
      livePoints: '0',
      whatifPoints: '0',
      liveAttainment: null,
      whatifAttainment: null,
    };
    // A period shared by two versions has a line per version: they add up.
    if (side === 'live') Object.assign(r, { live: fmt(decOf(r.live) + l.amount), livePoints: fmt(decOf(r.livePoints) + l.points), liveAttainment: l.trace.attainment ?? r.liveAttainment });
    else Object.assign(r, { whatif: fmt(decOf(r.whatif) + l.amount), whatifPoints: fmt(decOf(r.whatifPoints) + l.points), whatifAttainment: l.trace.attainment ?? r.whatifAttainment });
    rows.set(k, r);
  };
  for (const l of liveLines) if (l.kind !== 'hold') add(l, 'live');
  for (const l of whatifLines) if (l.kind !== 'hold') add(l, 'whatif');
  const sorted = [...rows.values()].sort((a, b) => a.payeeId.localeCompare(b.payeeId) || (a.component ?? '').localeCompare(b.component ?? '') || a.kind.localeCompare(b.kind));
  const perPayee = new Map<string, { live: Dec; whatif: Dec }>();
  for (const r of sorted) {
    const lv = decOf(r.live);
    const wv = decOf(r.whatif);
    r.delta = fmt(wv - lv);
    const p = perPayee.get(r.payeeId) ?? { live: ZERO, whatif: ZERO };
    p.live += lv;
    p.whatif += wv;
    perPayee.set(r.payeeId, p);
  }
  let totalLive = ZERO;
  let totalWhatif = ZERO;
  let up = 0;
  let down = 0;
  const payeeRows = [...perPayee].map(([payeeId, p]) => {
    totalLive += p.live;
    totalWhatif += p.whatif;
    if (p.whatif > p.live) up++;
    if (p.whatif < p.live) down++;
    return { payeeId, live: fmt(p.live), whatif: fmt(p.whatif), delta: fmt(p.whatif - p.live) };
  });
  return {
    period: req.period,
    planId: req.planId,
    live: { version: liveVersion?.version ?? null, currency: liveVersion ? (liveVersion.currency ?? engine.baseCurrency) : null },
    whatif: { version: candidateVersion.version, currency: candidateVersion.currency ?? engine.baseCurrency },
    rows: sorted,
    payees: payeeRows,
    totals: { live: fmt(totalLive), whatif: fmt(totalWhatif), delta: fmt(totalWhatif - totalLive), payees: payeeRows.length, up, down },
    warnings: issues.filter((i) => i.severity === 'warning').map(({ path, rule, message }) => ({ path, rule, message })),
  };
}
