// Plans as metadata-as-code: `incentive_plan` documents applied through the metadata registry
// (export/apply) are taken into the engine's plan table, linted like any saved plan; metadata
// wins over a plan of the same id saved through the API, and the table stays the engine's one read path.
import { validateAgainstMetaSchema, type Registry } from '@attain/meta';
import type { IncentiveEngine } from './db/engine.ts';
import { IncentiveError } from './db/errors.ts';
import type { LintIssue } from './linter.ts';
import type { IncentivePlanDoc } from './types.ts';

/** Incentive plan documents of a metadata registry, as the engine types them. */
export function metadataPlans(registry: Pick<Registry, 'documentsOf'>): IncentivePlanDoc[] {
  return registry.documentsOf('incentive_plan') as unknown as IncentivePlanDoc[];
}

/** Saves every metadata plan that differs from the stored one; returns lint warnings per plan. */
export async function syncPlansFromMetadata(engine: IncentiveEngine, registry: Pick<Registry, 'documentsOf'>): Promise<Record<string, LintIssue[]>> {
  const stored = new Map((await engine.plans()).map((p) => [p.id, stable(p)]));
  const out: Record<string, LintIssue[]> = {};
  for (const plan of metadataPlans(registry)) {
    if (stored.get(plan.id) === stable(plan)) continue;
    try {
      out[plan.id] = await engine.savePlan(plan);
    } catch (error) {
      // Metadata apply refuses invalid plans; one that became invalid since (say, against a
      // changed object) keeps its stored version and is reported, instead of failing the sync.
      if (!(error instanceof IncentiveError)) throw error;
      out[plan.id] = error.details.map((d) => ({ severity: 'error', ...d }));
    }
  }
  return out;
}

/** Stored plans as metadata documents (for `export`), each checked against the meta-schema. */
export async function plansAsMetadata(engine: IncentiveEngine): Promise<{ docs: IncentivePlanDoc[]; issues: ReturnType<typeof validateAgainstMetaSchema> }> {
  const docs = await engine.plans();
  return { docs, issues: docs.flatMap((d) => validateAgainstMetaSchema(d)) };
}

// jsonb reorders keys, so plans are compared with sorted keys.
function stable(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));
}
