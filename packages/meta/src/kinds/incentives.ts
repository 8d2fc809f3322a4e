import incentivePlanSchema from '../../schemas/incentive-plan.schema.json' with { type: 'json' };
import type { MetaKindDefinition } from './kind.ts';

/**
 * Incentive plans: the deep checks (tiers, caps, measures) are the engine's plan linter, run as a
 * document check; here, only what needs the rest of the metadata — KPI measures and goals targets
 * must name a KPI and a target plan that exist.
 */
export const incentivePlanKind: MetaKindDefinition = {
  kind: 'incentive_plan',
  schema: incentivePlanSchema,
  crossCheck(registry, issues) {
    const kpis = new Set(registry.documentsOf('kpi').map((k) => k.name));
    const targetPlans = new Set(registry.documentsOf('target_plan').map((p) => p.name));
    for (const plan of registry.documentsOf('incentive_plan')) {
      const document = `incentive_plan "${plan.name}"`;
      const seen = new Set<number>();
      plan.versions.forEach((v, i) => {
        if (seen.has(v.version)) issues.push({ document, path: `/versions/${i}/version`, rule: 'duplicate_version', message: `version ${v.version} appears twice` });
        seen.add(v.version);
        // A measure that is a KPI reads that KPI's actuals: the KPI must exist.
        v.measures.forEach((m, j) => {
          if (m.type === 'kpi' && m.kpi !== undefined && !kpis.has(m.kpi))
            issues.push({ document, path: `/versions/${i}/measures/${j}/kpi`, rule: 'unknown_reference', message: `refers to kpi "${m.kpi}", which does not exist` });
        });
        if (v.targetSource !== 'goals') return;
        v.components.forEach((c, j) => {
          if (!c.target) return;
          const name = v.targetPlans?.[c.target] ?? c.target;
          if (!targetPlans.has(name))
            issues.push({
              document,
              path: `/versions/${i}/components/${j}/target`,
              rule: 'unknown_reference',
              message: `reads target "${c.target}" from goals, but there is no target_plan "${name}"`,
            });
        });
      });
    }
  },
};
