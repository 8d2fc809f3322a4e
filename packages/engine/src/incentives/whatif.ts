// What-if runs: a copy of a plan (a draft version of the stored plan, or an edited document) is
// calculated over a period's real credits and inputs next to the live plan, with the same code
// the engine uses (measures in SQL, components in the pure calculation) — and nothing is written.
import { ZERO, dec, fmt, type Dec } from './decimal.ts';
import { calculate, versionFor, type InputValue } from './calculate.ts';
import { IncentiveError, type IncentiveEngine } from './db/engine.ts';
import { measuresSql } from './db/sql.ts';
import { goalTargets, readInputs } from './inputs.ts';
import { lintPlan } from './linter.ts';
import type { Aggregate, PeriodAggregates } from './measures.ts';
import { PERIOD_RE, periodEnd, periodStart } from './periods.ts';
import type { IncentivePlanDoc, PlanVersionDef, StatementLine } from './types.ts';

export interface WhatIfRequest {
  period: string;
  planId: string;
  /** Run this version of the stored plan (e.g. a draft not yet effective) as if it applied to the period. */
  version?: number;
  /** An edited copy of the plan (same id); its version for the period (or `version`) is run. */
  plan?: IncentivePlanDoc;
  payees?: readonly string[];
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

type Row = Record<string, unknown>;
const empty = (): Aggregate => ({ value: ZERO, count: 0, creditIds: [], txIds: [] });

/** Runs the plan's measures for one period in SQL, exactly as a recalculation does. */
export async function periodAggregates(engine: IncentiveEngine, planId: string, version: PlanVersionDef, period: string, payees: readonly string[] | null): Promise<Map<string, PeriodAggregates>> {
  const h = await engine.ensure();
  const { sql, keys } = measuresSql(h.schema, version, period, false, payees, planId);
  const rows = (await h.knex.raw(sql.text, sql.bindings as never[])).rows as Row[];
  const out = new Map<string, PeriodAggregates>();
  for (const row of rows) {
    const aggs = new Map<string, Aggregate>();
    let held = empty();
    keys.forEach((key, i) => {
      const agg: Aggregate = { value: decOf(row[`a${i}`]), count: Number(row[`n${i}`]), creditIds: [], txIds: [] };
      if (key === 'held') held = agg;
      else aggs.set(key, agg);
    });
    out.set(String(row.payee_id), { aggs, held });
  }
  return out;
}

const decOf = (v: unknown): Dec => dec(String(v ?? '0'));

/** The version the candidate runs: a chosen version stretched over the period, or the one effective in it. */
function candidateVersion(plan: IncentivePlanDoc, period: string, version: number | undefined): PlanVersionDef | undefined {
  if (version === undefined) return versionFor(plan, period);
  const v = plan.versions.find((x) => x.version === version);
  return v && { ...v, effectiveFrom: periodStart(period), effectiveTo: periodEnd(period) };
}

async function runOne(engine: IncentiveEngine, plan: IncentivePlanDoc, version: PlanVersionDef, period: string, payees: readonly string[] | null, baseInputs: readonly InputValue[]): Promise<StatementLine[]> {
  const single: IncentivePlanDoc = { ...plan, versions: [version] };
  const aggs = await periodAggregates(engine, plan.id, version, period, payees);
  const goals = await goalTargets(engine, [single], [period]);
  const goalNames = new Set(goals.map((g) => g.name));
  const inputs = [...baseInputs.filter((i) => !goalNames.has(i.name)), ...goals];
  const assignments = (await engine.assignments()).filter((a) => a.kind === 'plan' && a.key === plan.id);
  const result = calculate({
    plans: [single],
    credits: [],
    assignments,
    inputs,
    periods: [period],
    ...(payees ? { payees } : {}),
    traceCreditLimit: 0,
    aggregate: (payeeId) => aggs.get(payeeId) ?? { aggs: new Map(), held: empty() },
  });
  return result.lines;
}

/** Live plan vs. candidate, per payee and component, for one period; writes nothing. */
export async function whatIf(engine: IncentiveEngine, req: WhatIfRequest): Promise<WhatIfResult> {
  if (!PERIOD_RE.test(req.period)) throw new IncentiveError(400, 'bad_period', `"${req.period}" is not a period (YYYY-MM)`, [{ path: '/period', rule: 'pattern', message: 'must be YYYY-MM' }]);
  const plans = await engine.plans();
  const live = plans.find((p) => p.id === req.planId);
  if (req.plan && req.plan.id !== req.planId) throw new IncentiveError(400, 'id_mismatch', 'the edited plan must keep the id of the plan it is compared with', [{ path: '/plan/id', rule: 'const', message: `must be "${req.planId}"` }]);
  const source = req.plan ?? live;
  if (!source) throw new IncentiveError(404, 'unknown_plan', `there is no plan "${req.planId}"`, [{ path: '/planId', rule: 'exists', message: 'no such plan' }]);
  const issues = lintPlan(source, { plans: [source, ...plans.filter((p) => p.id !== source.id)], assignments: [] });
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length) throw new IncentiveError(422, 'plan_invalid', `the what-if plan has ${errors.length} error(s)`, errors);
  const candidate = candidateVersion(source, req.period, req.version);
  if (!candidate) throw new IncentiveError(422, 'no_version', `the plan has no version ${req.version !== undefined ? req.version : `effective in ${req.period}`}`, [{ path: req.version !== undefined ? '/version' : '/period', rule: 'exists', message: 'no such plan version' }]);
  const payees = req.payees ? [...new Set(req.payees)].sort() : null;
  const inputs = await readInputs(engine, { period: req.period, ...(payees ? { payees } : {}) });
  const liveVersion = live ? versionFor(live, req.period) : undefined;
  const liveLines = live && liveVersion ? await runOne(engine, live, liveVersion, req.period, payees, inputs) : [];
  const whatifLines = await runOne(engine, source, candidate, req.period, payees, inputs);

  const rows = new Map<string, WhatIfRow>();
  const keyOf = (l: StatementLine) => `${l.payeeId}|${l.component ?? ''}|${l.kind}`;
  const add = (l: StatementLine, side: 'live' | 'whatif') => {
    const k = keyOf(l);
    const r = rows.get(k) ?? { payeeId: l.payeeId, component: l.component, kind: l.kind, live: '0', whatif: '0', delta: '0', livePoints: '0', whatifPoints: '0', liveAttainment: null, whatifAttainment: null };
    if (side === 'live') Object.assign(r, { live: fmt(l.amount), livePoints: fmt(l.points), liveAttainment: l.trace.attainment ?? null });
    else Object.assign(r, { whatif: fmt(l.amount), whatifPoints: fmt(l.points), whatifAttainment: l.trace.attainment ?? null });
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
    live: { version: liveVersion?.version ?? null, currency: liveVersion?.currency ?? null },
    whatif: { version: candidate.version, currency: candidate.currency },
    rows: sorted,
    payees: payeeRows,
    totals: { live: fmt(totalLive), whatif: fmt(totalWhatif), delta: fmt(totalWhatif - totalLive), payees: payeeRows.length, up, down },
    warnings: issues.filter((i) => i.severity === 'warning').map(({ path, rule, message }) => ({ path, rule, message })),
  };
}
