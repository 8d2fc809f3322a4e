// Incentive plans are checked whole before they can be stored, from every door: the plan API
// (savePlan), the metadata plan/apply (a registered document check) and each calculation (a plan
// that slipped in before these checks is set aside and reported, never a failed run).
import { validateAgainstMetaSchema, type Registry } from '@attain/meta';
import type { FunctionRegistry } from '@attain/formula';
import { functionsOf, type DocumentCheck, type ErrorDetail } from '@attain/store';
import { lintPlan, type LintIssue } from './linter.ts';
import { metadataPlans } from './metadata-plans.ts';
import type { IncentivePlanDoc } from './types.ts';

/** Shape and value problems (the meta-schema: decimals as decimal strings, dates, periods, enums). */
export function planShapeIssues(plan: unknown): LintIssue[] {
  return validateAgainstMetaSchema(plan, 'incentive_plan').map((i) => ({ severity: 'error', path: i.path, rule: i.rule, message: i.message }));
}

/** Every error a plan has on its own: its shape first (the linter assumes a well-formed plan), then the linter's. */
export function planErrors(plan: IncentivePlanDoc, others: readonly IncentivePlanDoc[] = [], defaultCurrency?: string, functions?: FunctionRegistry): LintIssue[] {
  const shape = planShapeIssues(plan);
  if (shape.length) return shape;
  return lintPlan(plan, { plans: [plan, ...others], ...(defaultCurrency ? { defaultCurrency } : {}), ...(functions ? { functions } : {}) }).filter((i) => i.severity === 'error');
}

/** The metadata plan's check of `incentive_plan` documents (the meta-schema already ran). */
export const incentivePlanDocumentCheck: DocumentCheck = (registry: Registry): ErrorDetail[] => {
  const plans = metadataPlans(registry);
  // Formula measures may call the tenant's plugin functions (a disabled plugin's are refused).
  const functions = functionsOf(registry)?.registry;
  return plans.flatMap((plan) =>
    lintPlan(plan, { plans, ...(functions ? { functions } : {}) })
      .filter((i) => i.severity === 'error')
      .map((i) => ({ document: `incentive_plan "${plan.name}"`, path: i.path, rule: i.rule, message: i.message })),
  );
};
