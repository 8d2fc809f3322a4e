import { check, type FormulaField, type FormulaSchema, type FunctionRegistry } from '@attain/formula';
import { exceedsScale, parseDecimal } from '@attain/meta';
import { SCALE, dec, fmt, isDecText, sum } from './decimal.ts';
import { DEFAULT_CURRENCY, currencyOf } from './currency.ts';
import { isCalendarDate, PERIOD_RE, periodEnd, periodIssue, periodStart, type FiscalCalendar } from './periods.ts';
import { CALENDAR_YEAR } from '../calendar/fiscal.ts';
import type { Assignment, CreditingRuleDoc, IncentivePlanDoc, PlanVersionDef, Tier, Transaction } from './types.ts';

export interface LintIssue {
  severity: 'error' | 'warning';
  /** JSON pointer to the offending cell of the document. */
  path: string;
  rule: string;
  message: string;
}

const DAY_BEFORE = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
const overlaps = (a: { from: string; to?: string | null }, b: { from: string; to?: string | null }) => a.from <= (b.to ?? '9999-12-31') && b.from <= (a.to ?? '9999-12-31');

/** Checks a rate table's rows: sorted, contiguous, no overlap, only the last open-ended. */
export function lintTiers(tiers: readonly Tier[], at: string): LintIssue[] {
  const issues: LintIssue[] = [];
  tiers.forEach((t, i) => {
    const here = `${at}/${i}`;
    for (const key of ['from', 'to', 'rate'] as const) {
      const v = t[key];
      if (v !== undefined && v !== null && !isDecText(v))
        issues.push({ severity: 'error', path: `${here}/${key}`, rule: 'number', message: `"${v}" is not a number with at most ${SCALE} decimal places` });
    }
    if (issues.length) return;
    if (t.to !== undefined && t.to !== null && dec(t.to) <= dec(t.from))
      issues.push({ severity: 'error', path: `${here}/to`, rule: 'empty_tier', message: `tier ${i + 1} ends at ${t.to}, not after its start ${t.from}` });
    const prev = tiers[i - 1];
    if (!prev) return;
    if (prev.to === undefined || prev.to === null) {
      issues.push({ severity: 'error', path: `${at}/${i - 1}/to`, rule: 'open_tier_not_last', message: `tier ${i} is open-ended but tier ${i + 1} follows it` });
      return;
    }
    if (dec(t.from) < dec(prev.to))
      issues.push({ severity: 'error', path: `${here}/from`, rule: 'overlapping_tiers', message: `tier ${i + 1} starts at ${t.from}, inside tier ${i} (which runs to ${prev.to})` });
    else if (dec(t.from) > dec(prev.to))
      issues.push({ severity: 'warning', path: `${here}/from`, rule: 'gap_between_tiers', message: `values from ${prev.to} to ${t.from} fall in no tier and earn nothing` });
  });
  return issues;
}

/** The formula schema of a version's formula measures: every other measure is a number field of `measures`. */
export function measureSchema(version: PlanVersionDef): FormulaSchema {
  const fields = new Map<string, FormulaField>(version.measures.filter((m) => m.type !== 'formula').map((m) => [m.name, { name: m.name, column: m.name, type: 'number' }]));
  return {
    object: (name) => (name === 'measures' ? { name: 'measures', table: 'measures', field: (f) => fields.get(f), fieldNames: () => [...fields.keys()] } : undefined),
  };
}

function lintVersion(version: PlanVersionDef, at: string, issues: LintIssue[], cal: FiscalCalendar | undefined, functions?: FunctionRegistry): void {
  const measures = new Map<string, number>();
  version.measures.forEach((m, i) => {
    if (measures.has(m.name)) issues.push({ severity: 'error', path: `${at}/measures/${i}/name`, rule: 'duplicate_name', message: `another measure is already named "${m.name}"` });
    measures.set(m.name, i);
  });
  const ref = (name: string | undefined, path: string, what: string) => {
    if (name !== undefined && !measures.has(name))
      issues.push({ severity: 'error', path, rule: 'unknown_measure', message: `${what} "${name}" is not a measure of this plan version; known: ${[...measures.keys()].join(', ') || 'none'}` });
  };
  const schema = measureSchema(version);
  version.measures.forEach((m, i) => {
    if (m.source && m.type !== 'sum' && m.type !== 'count')
      issues.push({ severity: 'error', path: `${at}/measures/${i}/source`, rule: 'source_not_aggregate', message: `only sum and count measures read records, not a ${m.type}` });
    if (m.source && m.type === 'sum' && !m.source.value)
      issues.push({ severity: 'error', path: `${at}/measures/${i}/source/value`, rule: 'required', message: 'a sum over records needs a value formula' });
    if (m.type === 'kpi' && !m.kpi) issues.push({ severity: 'error', path: `${at}/measures/${i}/kpi`, rule: 'required', message: 'a kpi measure needs the name of a KPI' });
    if (m.type !== 'kpi' && m.kpi !== undefined)
      issues.push({ severity: 'error', path: `${at}/measures/${i}/kpi`, rule: 'kpi_not_allowed', message: `only a kpi measure names a KPI, not a ${m.type}` });
    if (m.type === 'kpi' && (m.source || m.filter || m.field))
      issues.push({
        severity: 'error',
        path: `${at}/measures/${i}/${m.source ? 'source' : m.filter ? 'filter' : 'field'}`,
        rule: 'kpi_measure_own_records',
        message: "a kpi measure reads the KPI's own records, filter and value; it takes no source, filter or field",
      });
    if (m.type === 'ratio') {
      ref(m.numerator, `${at}/measures/${i}/numerator`, 'numerator');
      ref(m.denominator, `${at}/measures/${i}/denominator`, 'denominator');
    }
    if (m.type === 'formula') {
      const result = check(m.expression ?? '', { schema, root: 'measures', ...(functions ? { functions } : {}) });
      if (!result.ok) {
        for (const e of result.errors)
          issues.push({
            severity: 'error',
            path: `${at}/measures/${i}/expression`,
            rule: e.code === 'UNKNOWN_FIELD' ? 'unknown_measure' : e.code === 'PLUGIN_FUNCTION_DISABLED' ? 'plugin_function_disabled' : 'formula',
            message: `line ${e.line}, column ${e.column}: ${e.message.en}`,
          });
      }
    }
  });
  const names = new Set<string>();
  version.components.forEach((c, i) => {
    const here = `${at}/components/${i}`;
    if (names.has(c.name)) issues.push({ severity: 'error', path: `${here}/name`, rule: 'duplicate_name', message: `another component is already named "${c.name}"` });
    names.add(c.name);
    ref(c.measure, `${here}/measure`, 'measure');
    ref(c.score, `${here}/score`, 'score');
    ref(c.gate?.measure, `${here}/gate/measure`, 'gate measure');
    ref(c.multiplier?.measure, `${here}/multiplier/measure`, 'multiplier measure');
    if ((c.type === 'rate' || c.type === 'tiered') && !c.measure) issues.push({ severity: 'error', path: `${here}/measure`, rule: 'required', message: `a ${c.type} component needs a measure` });
    if (c.type === 'rate' && c.rate === undefined) issues.push({ severity: 'error', path: `${here}/rate`, rule: 'required', message: 'a rate component needs a rate' });
    if (c.type === 'tiered') {
      if (!c.tiers?.length) issues.push({ severity: 'error', path: `${here}/tiers`, rule: 'required', message: 'a tiered component needs at least one tier' });
      else issues.push(...lintTiers(c.tiers, `${here}/tiers`));
      if (c.tierBasis === 'attainment' && !c.target) issues.push({ severity: 'error', path: `${here}/target`, rule: 'required', message: 'tiers by attainment need a target' });
      if (c.tiers?.[0] && isDecText(c.tiers[0].from) && dec(c.tiers[0].from) > 0n)
        issues.push({ severity: 'warning', path: `${here}/tiers/0/from`, rule: 'gap_between_tiers', message: `values below ${c.tiers[0].from} fall in no tier and earn nothing` });
    }
    if (c.multiplier) issues.push(...lintTiers(c.multiplier.table, `${here}/multiplier/table`));
    if (c.gate && !c.target && !c.gate.target) issues.push({ severity: 'error', path: `${here}/gate`, rule: 'required', message: 'a gate needs a target to measure attainment against' });
    if (c.cap && c.floor && isDecText(c.cap.amount) && isDecText(c.floor.amount) && dec(c.cap.amount) < dec(c.floor.amount)) {
      issues.push({ severity: 'error', path: `${here}/cap/amount`, rule: 'cap_below_floor', message: `the cap ${c.cap.amount} is below the floor ${c.floor.amount}` });
    }
    if (c.type === 'bonus' && c.amount === undefined) issues.push({ severity: 'error', path: `${here}/amount`, rule: 'required', message: 'a bonus needs a target amount' });
    if (c.source && c.type !== 'spif' && c.type !== 'points')
      issues.push({ severity: 'error', path: `${here}/source`, rule: 'source_not_per_event', message: `only spif and points components take events from records, not a ${c.type}` });
    if (c.source && c.filter)
      issues.push({ severity: 'warning', path: `${here}/filter`, rule: 'filter_ignored', message: "a component reading records uses the source's filter formula; the credit filter is ignored" });
    if ((c.type === 'spif' || c.type === 'points') && !c.perCredit && !c.rate && !c.perAmount)
      issues.push({ severity: 'warning', path: here, rule: 'pays_nothing', message: `the ${c.type} gives nothing per credit: set perCredit, rate or perAmount` });
  });
  const draw = version.draw;
  if (draw) {
    // Without the tenant's calendar (a document checked alone) either name of a quarter passes; the
    // engine checks the window against the tenant's fiscal calendar when the plan is saved.
    for (const key of ['from', 'to'] as const) {
      const issue = cal ? periodIssue(draw[key], cal) : PERIOD_RE.test(draw[key]) ? undefined : { rule: 'pattern', message: '' };
      if (issue)
        issues.push({
          severity: 'error',
          path: `${at}/draw/${key}`,
          rule: issue.rule,
          message: `"${draw[key]}" is not a period (YYYY-MM, YYYY-Qn or YYYY)${issue.message && issue.rule !== 'pattern' ? `: ${issue.message}` : ''}`,
        });
    }
    const c = cal ?? CALENDAR_YEAR;
    if (PERIOD_RE.test(draw.from) && PERIOD_RE.test(draw.to) && periodEnd(draw.to, c) < periodStart(draw.from, c))
      issues.push({ severity: 'error', path: `${at}/draw/to`, rule: 'empty_window', message: `the draw ends (${draw.to}) before it starts (${draw.from})` });
  }
  if (version.advances && (version.frequency ?? 'monthly') === 'monthly')
    issues.push({ severity: 'error', path: `${at}/advances`, rule: 'advances_need_longer_period', message: 'monthly advances need a quarterly or annual plan' });
}

export interface LintContext {
  /** Other plans, to find payees with two active plans paying the same component. */
  plans?: readonly IncentivePlanDoc[];
  /** Effective plan assignments: named and derived from roles (marked `via`). */
  assignments?: readonly Assignment[];
  /** Currency of versions that name none (the engine's base currency). */
  defaultCurrency?: string;
  /** The tenant's fiscal calendar: draw windows name its quarters and years. */
  calendar?: FiscalCalendar;
  /** The tenant's formula functions (built-ins and its plugins'), for formula measures. */
  functions?: FunctionRegistry;
}

/** Kpi measures must name one of the tenant's KPIs (the metadata cross-check does the same for plans applied as metadata). */
export function lintKpiMeasures(plan: IncentivePlanDoc, kpis: readonly string[]): LintIssue[] {
  const known = new Set(kpis);
  return plan.versions.flatMap((v, i) =>
    v.measures.flatMap((m, j) =>
      m.type === 'kpi' && m.kpi !== undefined && !known.has(m.kpi)
        ? [
            {
              severity: 'error' as const,
              path: `/versions/${i}/measures/${j}/kpi`,
              rule: 'unknown_reference',
              message: `refers to kpi "${m.kpi}", which does not exist; known: ${[...known].join(', ') || 'none'}`,
            },
          ]
        : [],
    ),
  );
}

/** Lints a plan before save and activation. Errors refuse it; warnings are shown. */
export function lintPlan(plan: IncentivePlanDoc, ctx: LintContext = {}): LintIssue[] {
  const issues: LintIssue[] = [];
  const versions = plan.versions.map((v, i) => ({ v, i })).sort((a, b) => String(a.v.effectiveFrom).localeCompare(String(b.v.effectiveFrom)));
  const numbers = new Map<number, number>();
  plan.versions.forEach((v, i) => {
    if (numbers.has(v.version)) issues.push({ severity: 'error', path: `/versions/${i}/version`, rule: 'duplicate_version', message: `version ${v.version} appears twice` });
    numbers.set(v.version, i);
    // A version's window is calendar days: 2026-02-30 or year 0000 would reach PostgreSQL as a date.
    if (!isCalendarDate(v.effectiveFrom)) issues.push({ severity: 'error', path: `/versions/${i}/effectiveFrom`, rule: 'format', message: 'must be a calendar date YYYY-MM-DD between 1900 and 2999' });
    if (v.effectiveTo != null && !isCalendarDate(v.effectiveTo))
      issues.push({ severity: 'error', path: `/versions/${i}/effectiveTo`, rule: 'format', message: 'must be a calendar date YYYY-MM-DD between 1900 and 2999' });
    if (v.effectiveTo && v.effectiveTo < v.effectiveFrom)
      issues.push({ severity: 'error', path: `/versions/${i}/effectiveTo`, rule: 'empty_window', message: `ends (${v.effectiveTo}) before it starts (${v.effectiveFrom})` });
    lintVersion(v, `/versions/${i}`, issues, ctx.calendar, ctx.functions);
  });
  const fallback = ctx.defaultCurrency ?? DEFAULT_CURRENCY;
  versions.forEach(({ v, i }, k) => {
    const prev = versions[k - 1];
    if (!prev) return;
    // One plan pays in one currency on one cadence: balances and statements never mix them.
    if (currencyOf(v, fallback) !== currencyOf(prev.v, fallback))
      issues.push({
        severity: 'error',
        path: `/versions/${i}/currency`,
        rule: 'currency_change',
        message: `version ${v.version} pays in ${currencyOf(v, fallback)}, version ${prev.v.version} in ${currencyOf(prev.v, fallback)}; a new payout currency needs a new plan`,
      });
    if ((v.frequency ?? 'monthly') !== (prev.v.frequency ?? 'monthly') || (v.advances ?? null) !== (prev.v.advances ?? null))
      issues.push({
        severity: 'error',
        path: `/versions/${i}/frequency`,
        rule: 'frequency_change',
        message: `version ${v.version} runs ${v.frequency ?? 'monthly'}${v.advances ? ' with monthly advances' : ''}, version ${prev.v.version} ${prev.v.frequency ?? 'monthly'}${prev.v.advances ? ' with monthly advances' : ''}; a new cadence needs a new plan`,
      });
    if ((v.payoutTiming ?? 'booking') !== (prev.v.payoutTiming ?? 'booking'))
      issues.push({
        severity: 'warning',
        path: `/versions/${i}/payoutTiming`,
        rule: 'timing_change',
        message: `version ${v.version} puts credits in periods by their ${v.payoutTiming ?? 'booking'} date, version ${prev.v.version} by their ${prev.v.payoutTiming ?? 'booking'} date: a credit booked under one and paid under the other may count in both or neither`,
      });
    if (overlaps({ from: prev.v.effectiveFrom, to: prev.v.effectiveTo }, { from: v.effectiveFrom, to: v.effectiveTo })) {
      issues.push({
        severity: 'error',
        path: `/versions/${i}/effectiveFrom`,
        rule: 'overlapping_versions',
        message: `version ${v.version} starts ${v.effectiveFrom}, while version ${prev.v.version} is still in effect (${prev.v.effectiveFrom} to ${prev.v.effectiveTo ?? 'open'})`,
      });
    } else if (prev.v.effectiveTo && DAY_BEFORE(v.effectiveFrom) !== prev.v.effectiveTo) {
      issues.push({ severity: 'warning', path: `/versions/${i}/effectiveFrom`, rule: 'gap_between_versions', message: `no version is in effect from ${prev.v.effectiveTo} to ${v.effectiveFrom}` });
    }
  });
  issues.push(...lintDoubleAssignments(plan, ctx));
  return issues;
}

function lintDoubleAssignments(plan: IncentivePlanDoc, ctx: LintContext): LintIssue[] {
  const issues: LintIssue[] = [];
  const assignments = ctx.assignments ?? [];
  const mine = assignments.filter((a) => a.kind === 'plan' && a.key === plan.id);
  const seen = new Set<string>();
  for (const other of ctx.plans ?? []) {
    if (other.id === plan.id) continue;
    plan.versions.forEach((v, vi) => {
      v.components.forEach((c, ci) => {
        for (const ov of other.versions) {
          if (!overlaps({ from: v.effectiveFrom, to: v.effectiveTo }, { from: ov.effectiveFrom, to: ov.effectiveTo })) continue;
          if (!ov.components.some((oc) => oc.name === c.name)) continue;
          for (const a of mine) {
            const b = assignments.find(
              (x) =>
                x.kind === 'plan' &&
                x.key === other.id &&
                x.payeeId === a.payeeId &&
                overlaps(a, x) &&
                overlaps(x, { from: ov.effectiveFrom, to: ov.effectiveTo }) &&
                overlaps(a, { from: v.effectiveFrom, to: v.effectiveTo }),
            );
            const key = `${vi}/${ci}/${a.payeeId}/${other.id}`;
            if (!b || seen.has(key)) continue;
            seen.add(key);
            const how = (x: Assignment) => (x.via ? ` through role "${x.via.role}"${x.via.orgUnitId ? ` in unit ${x.via.orgUnitId}` : ''}` : ' by name');
            issues.push({
              severity: 'error',
              path: `/versions/${vi}/components/${ci}/name`,
              rule: 'double_assignment',
              message: `payee ${a.payeeId} is on this plan${how(a)} and also on plan "${other.name}"${how(b)} from ${b.from}, which pays a component "${c.name}" too`,
            });
          }
        }
      });
    });
  }
  return issues;
}

/** Crediting rules that hand out a sale's primary credit must total 100% at any date; team and overlay rules are declared overlays. */
export function lintCreditingRules(rules: readonly CreditingRuleDoc[]): LintIssue[] {
  const issues: LintIssue[] = [];
  const primary = rules.map((r, i) => ({ r, i })).filter(({ r }) => r.type === 'owner' || r.type === 'split' || r.type === 'assignment');
  const dates = [...new Set(primary.map(({ r }) => r.effectiveFrom))].sort();
  const reported = new Set<number>();
  for (const date of dates) {
    const active = primary.filter(({ r }) => r.effectiveFrom <= date && (!r.effectiveTo || r.effectiveTo >= date) && !r.when);
    if (!active.length) continue;
    const total = sum(active.map(({ r }) => dec(r.pct ?? '100')));
    if (total !== dec(100)) {
      const last = active[active.length - 1] as { r: CreditingRuleDoc; i: number };
      if (reported.has(last.i)) continue;
      reported.add(last.i);
      issues.push({
        severity: 'error',
        path: `/${last.i}/pct`,
        rule: 'split_not_100',
        message: `on ${date} the rules ${active.map(({ r }) => `"${r.name}"`).join(', ')} give ${fmt(total)}% of each sale; primary credit must total 100% (use a team or overlay rule for extra credit)`,
      });
    }
  }
  rules.forEach((r, i) => {
    if (!isCalendarDate(r.effectiveFrom)) issues.push({ severity: 'error', path: `/${i}/effectiveFrom`, rule: 'format', message: 'must be a calendar date YYYY-MM-DD between 1900 and 2999' });
    if (r.effectiveTo != null && !isCalendarDate(r.effectiveTo))
      issues.push({ severity: 'error', path: `/${i}/effectiveTo`, rule: 'format', message: 'must be a calendar date YYYY-MM-DD between 1900 and 2999' });
    if (r.type === 'rollup' && !r.levels?.length) issues.push({ severity: 'error', path: `/${i}/levels`, rule: 'required', message: 'a roll-up rule needs at least one level' });
  });
  return issues;
}

/** A transaction's split rows: primary rows total 100%, extra credit only as declared overlays. */
export function lintSplits(splits: NonNullable<Transaction['splits']>): LintIssue[] {
  const issues: LintIssue[] = [];
  splits.forEach((s, i) => {
    // A share is kept exactly: more digits than crediting keeps is refused, never rounded.
    const d = typeof s.pct === 'string' || typeof s.pct === 'number' ? parseDecimal(typeof s.pct === 'string' ? s.pct.trim() : s.pct) : undefined;
    if (!d) issues.push({ severity: 'error', path: `/splits/${i}/pct`, rule: 'number', message: `"${s.pct}" is not a number` });
    else if (exceedsScale(d, SCALE)) issues.push({ severity: 'error', path: `/splits/${i}/pct`, rule: 'scale', message: `the share "${s.pct}" has more than ${SCALE} decimal places` });
  });
  // One row per payee and kind: two would credit the same person twice under one credit.
  const seen = new Set<string>();
  splits.forEach((s, i) => {
    const k = `${s.payeeId}|${s.overlay ? 1 : 0}`;
    if (seen.has(k))
      issues.push({
        severity: 'error',
        path: `/splits/${i}/payeeId`,
        rule: 'duplicate_payee',
        message: `"${s.payeeId}" already has a${s.overlay ? 'n overlay' : ' primary'} row; put their whole share in one row`,
      });
    seen.add(k);
  });
  if (issues.length) return issues;
  const primary = splits.map((s, i) => ({ s, i })).filter(({ s }) => !s.overlay);
  const total = sum(primary.map(({ s }) => dec(s.pct)));
  if (primary.length && total !== dec(100)) {
    issues.push({
      severity: 'error',
      path: `/splits/${primary[primary.length - 1]?.i ?? 0}/pct`,
      rule: 'split_not_100',
      message: `split credits total ${fmt(total)}%, not 100%; mark extra rows as a declared overlay`,
    });
  }
  return issues;
}
