// Plan-time checking: every formula field and validation rule of the next metadata must type-check
// against that metadata, or the change is refused before anything runs.
import type { Registry } from '@attain/meta';
import type { DocumentChecks } from '../document-checks.ts';
import { StoreError, type ErrorDetail } from '../errors.ts';
import { checkFormula, fitsStorage, SQL_ONLY } from './compiled.ts';
import { describeFormulaError, ruleOf } from './describe.ts';
import { metadataSourceProblems } from './source-check.ts';

export { describeFormulaError };

export function formulaProblems(registry: Registry): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  for (const object of registry.objects) {
    const document = `object "${object.name}"`;
    for (const field of object.fields) {
      if (!field.formula) continue;
      const path = `/schema/properties/${field.name}/x-attain/formula/expression`;
      const r = checkFormula(registry, object.name, field.formula.expression, undefined, field.formula.stored ? SQL_ONLY.stored : undefined);
      if (!r.ok) {
        for (const e of r.errors) out.push({ path, rule: ruleOf(e.code), message: describeFormulaError(e), document });
        continue;
      }
      const fit = fitsStorage(r.checked.type, field);
      if (!fit.ok) {
        out.push({ path, rule: 'formula_type', message: `the formula gives ${r.checked.type}, but "${field.name}" (${field.storage}) needs ${fit.expected}`, document });
      }
    }
    object.validationRules.forEach((rule, i) => {
      const path = `/x-attain/validationRules/${i}/condition`;
      const r = checkFormula(registry, object.name, rule.condition, undefined, SQL_ONLY.rules);
      if (!r.ok) {
        for (const e of r.errors) out.push({ path, rule: ruleOf(e.code), message: describeFormulaError(e), document });
      } else if (r.checked.type !== 'boolean') {
        out.push({
          path,
          rule: 'formula_type',
          message: `the condition of rule "${rule.name}" gives ${r.checked.type}; a validation rule must be true/false (line 1, column 1) — compare a value, e.g. amount >= 0`,
          document,
        });
      }
    });
  }
  return out;
}

/**
 * Throws `metadata_invalid` listing every formula problem of the next metadata: formula fields and
 * validation rules, KPI measures and plan record sources, and what registered module checks find.
 */
export function assertFormulas(registry: Registry, checks?: DocumentChecks): void {
  const problems = [...formulaProblems(registry), ...metadataSourceProblems(registry), ...(checks?.run(registry) ?? [])];
  if (problems.length === 0) return;
  const first = problems[0] as ErrorDetail;
  throw new StoreError('metadata_invalid', problems.length === 1 ? `${first.document}: ${first.message}` : `${problems.length} problems in the metadata; nothing was changed`, problems);
}
