// Incentive plans and crediting rules: saved as documents after their checks (shape, lint, record
// sources, version locks), and the plans a run may compute.
import { functionsOf, type Actor } from '@attain/store';
import { planErrors, planShapeIssues } from '../document-check.ts';
import { lintCreditingRules, lintKpiMeasures, lintPlan, type LintIssue } from '../linter.ts';
import type { CalcProblem, CreditingRuleDoc, IncentivePlanDoc } from '../types.ts';
import { versionLockIssues } from '../version-locks.ts';
import { listSummary, planChange, ruleSummary } from './audit-notes.ts';
import type { IncentiveEngine } from './engine.ts';
import type { EngineCore } from './engine-core.ts';
import { IncentiveError } from './errors.ts';
import { replacePlanProblems } from './problems-sql.ts';
import { compileSource, sourcedItems } from './sources-sql.ts';

export class PlanService {
  private readonly core: EngineCore;
  private readonly engine: IncentiveEngine;
  /** Errors of plans by (revision, base currency, plan), see usablePlans. */
  private readonly planChecks = new Map<string, LintIssue[]>();
  private lastPlanProblems: string | undefined;

  constructor(core: EngineCore, engine: IncentiveEngine) {
    this.core = core;
    this.engine = engine;
  }

  /** Saves a plan after its checks; `by`: who saves it (the save is audited in its transaction). */
  async savePlan(plan: IncentivePlanDoc, by?: Actor): Promise<LintIssue[]> {
    await this.core.ensure();
    const { knex, t } = await this.core.db();
    const all = await this.plans();
    const others = all.filter((p) => p.id !== plan.id);
    const before = all.find((p) => p.id === plan.id);
    // A plan of the wrong shape (a rate of "x", a missing rounding) is refused before the linter,
    // which assumes well-formed values, and can never be stored to break a later calculation.
    const shape = planShapeIssues(plan);
    if (shape.length) throw new IncentiveError(422, 'plan_invalid', `the plan "${String(plan.name)}" has ${shape.length} error(s)`, shape);
    const issues = [
      ...lintPlan(plan, {
        plans: [plan, ...others],
        assignments: await this.engine.assignments(),
        defaultCurrency: this.core.baseCurrency,
        calendar: this.core.calendar,
        ...(await this.core.lintFunctions()),
      }),
      ...(await this.lintSources(plan)),
      ...versionLockIssues(before, plan, await this.engine.periods(), this.core.calendar),
    ];
    if (issues.some((i) => i.severity === 'error'))
      throw new IncentiveError(
        422,
        'plan_invalid',
        `the plan "${plan.name}" has ${issues.filter((i) => i.severity === 'error').length} error(s)`,
        issues.filter((i) => i.severity === 'error'),
      );
    await knex.transaction(async (trx) => {
      await trx.raw(`insert into ${t('docs')} (id, kind, doc, updated_at) values (?, 'incentive_plan', ?::jsonb, now()) on conflict (id) do update set doc = excluded.doc, updated_at = now()`, [
        plan.id,
        JSON.stringify(plan),
      ]);
      await this.core.audit(by, planChange(before, plan), trx);
    });
    return issues;
  }

  /** Record sources and KPIs of a plan resolved against the tenant's metadata (objects, fields, formulas, KPIs). */
  async lintSources(plan: IncentivePlanDoc): Promise<LintIssue[]> {
    const issues: LintIssue[] = [];
    const kpis = plan.versions.some((v) => v.measures.some((m) => m.type === 'kpi'));
    if (!kpis && !plan.versions.some((v) => sourcedItems(v).length)) return issues;
    const registry = await this.core.store.registry(this.core.tenant);
    if (kpis)
      issues.push(
        ...lintKpiMeasures(
          plan,
          registry.documentsOf('kpi').map((k) => k.name),
        ),
      );
    const { schema } = await this.core.db();
    plan.versions.forEach((v, i) => {
      for (const item of sourcedItems(v)) for (const x of compileSource(registry, item.source, schema, `/versions/${i}${item.path}`).issues) issues.push({ severity: 'error', ...x });
    });
    return issues;
  }

  /** Replaces the crediting rules; `by`: who saves them (audited in the same transaction). */
  async saveRules(rules: CreditingRuleDoc[], by?: Actor): Promise<LintIssue[]> {
    const issues = lintCreditingRules(rules);
    if (issues.some((i) => i.severity === 'error')) throw new IncentiveError(422, 'rules_invalid', 'the crediting rules have errors', issues);
    const byOrg = (list: readonly CreditingRuleDoc[]) => list.some((r) => r.type === 'rollup' || r.type === 'team');
    const before = await this.rules();
    const followsOrg = byOrg(rules) || byOrg(before);
    const { knex, t } = await this.core.db();
    await knex.transaction(async (trx) => {
      await trx.raw(`delete from ${t('docs')} where kind = 'crediting_rule'`);
      for (const r of rules) await trx.raw(`insert into ${t('docs')} (id, kind, doc, updated_at) values (?, 'crediting_rule', ?::jsonb, now())`, [r.id, JSON.stringify(r)]);
      const note = { action: 'incentives.crediting_rules.update', object: 'crediting_rule', before: listSummary(before.map(ruleSummary)), after: listSummary(rules.map(ruleSummary)) };
      await this.core.audit(by, note, trx);
    });
    // Roll-up and team rules span the org: their chain is rebuilt from the org service.
    if (followsOrg) await this.engine.syncOrg({ force: true });
    return issues;
  }

  async plans(): Promise<IncentivePlanDoc[]> {
    const { knex, t } = await this.core.db();
    const rows = (await knex.raw(`select doc from ${t('docs')} where kind = 'incentive_plan' order by id`)).rows as Array<{ doc: IncentivePlanDoc }>;
    return rows.map((r) => r.doc);
  }

  async rules(): Promise<CreditingRuleDoc[]> {
    const { knex, t } = await this.core.db();
    return ((await knex.raw(`select doc from ${t('docs')} where kind = 'crediting_rule' order by id`)).rows as Array<{ doc: CreditingRuleDoc }>).map((r) => r.doc);
  }

  /**
   * The plans a run can compute. A stored plan that no longer passes its checks (saved before they
   * existed, or made invalid by a metadata change it reads) is set aside and reported as a
   * plan_invalid problem naming its first error; the other plans are computed as usual.
   */
  async usablePlans(all: IncentivePlanDoc[]): Promise<IncentivePlanDoc[]> {
    const { knex, schema } = await this.core.db();
    const usable: IncentivePlanDoc[] = [];
    const problems: CalcProblem[] = [];
    const registry = await this.core.store.registry(this.core.tenant);
    const functions = functionsOf(registry);
    for (const plan of all) {
      // A plan's own errors depend on it, the metadata revision (its record sources), the tenant's
      // plugin functions and the base currency only: checked once per such key, not on every run.
      const key = `${registry.revision}|${functions?.key ?? ''}|${this.core.baseCurrency}|${JSON.stringify(plan)}`;
      let errors = this.planChecks.get(key);
      if (!errors) {
        errors = planErrors(plan, [], this.core.baseCurrency, functions?.registry);
        if (!errors.length) {
          try {
            errors = (await this.lintSources(plan)).filter((i) => i.severity === 'error');
          } catch (error) {
            errors = [{ severity: 'error', path: '/versions', rule: 'source', message: error instanceof Error ? error.message : String(error) }];
          }
        }
        if (this.planChecks.size > 200) this.planChecks.clear();
        this.planChecks.set(key, errors);
      }
      if (!errors.length) {
        usable.push(plan);
        continue;
      }
      const first = errors[0] as LintIssue;
      const from = Array.isArray(plan.versions) ? plan.versions.map((v) => v?.effectiveFrom).find((d) => typeof d === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(d)) : undefined;
      problems.push({
        code: 'plan_invalid',
        txId: '',
        ruleId: '',
        rule: '',
        date: from ?? new Date().toISOString().slice(0, 10),
        planId: String(plan.id),
        message: `plan "${String(plan.name ?? plan.id)}" is not computed: ${first.path || '/'} ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more problem(s))` : ''}`,
      });
    }
    // Written when the set changed since this engine last wrote it (a stale row is replaced on the next change).
    const signature = JSON.stringify(problems);
    if (signature !== this.lastPlanProblems) {
      await replacePlanProblems(knex, schema, problems);
      this.lastPlanProblems = signature;
    }
    return usable;
  }
}
