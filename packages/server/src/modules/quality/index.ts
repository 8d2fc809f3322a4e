import { defineModule } from '../contract.ts';
import { qualityBackground } from './jobs.ts';
import { ruleKind } from './kind.ts';
import { reportRoutes } from './report-routes.ts';
import { qualityRoutes } from './routes.ts';
import { qualityTables } from './tables.ts';

/**
 * Data quality (issue #18, item 5): `quality.rule` documents (completeness, validity, uniqueness,
 * near-duplicates, staleness, referential consistency, plausibility) scanned nightly per tenant
 * over the existing records, one set-based statement per rule; scores per object, owner and team;
 * issues linking to their records inside the caller's scope; owners told of new issues.
 */
export const quality = defineModule({
  id: 'quality',
  label: { en: 'Data quality', 'zh-CN': '数据质量' },
  dependsOn: ['workflow'],
  kinds: [ruleKind],
  tables: [qualityTables],
  routes: [qualityRoutes, reportRoutes],
  jobs: (deps) => qualityBackground(deps),
  screens: ['quality'],
  permissions: [
    { name: 'quality.run', description: 'run the data-quality scan now, and read scores by owner and team: administrators' },
    { name: 'quality.issues', description: "read data-quality issues: on records of objects the caller reads, inside the list routes' scope" },
  ],
});
