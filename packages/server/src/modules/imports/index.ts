import { defineModule } from '../contract.ts';
import { payrollRoutes } from './payroll/routes.ts';
import { importRoutes } from './routes.ts';
import { importsTables } from './tables.ts';

/**
 * Imports of data that are not records — exchange rates, targets, plan assignments, territories and
 * the org — from CSV or XLSX, with a column mapping, a dry run and per-row results, each written
 * through the service that owns the data; and payroll files per country that reconcile to the
 * statements. See docs/imports.md and docs/payroll.md.
 */
export const imports = defineModule({
  id: 'imports',
  label: { en: 'Imports and payroll files', 'zh-CN': '导入与工资文件' },
  dependsOn: ['goals', 'incentives'],
  tables: [importsTables],
  routes: [importRoutes, payrollRoutes],
  screens: ['imports'],
  permissions: [
    { name: 'imports.rates', description: 'import exchange rates: finance and admins' },
    { name: 'imports.targets', description: 'import targets (as draft versions): admins and roles approving the KPI object, within what they see' },
    { name: 'imports.assignments', description: 'import plan assignments: admins' },
    { name: 'imports.territories', description: 'import territories: admins' },
    { name: 'imports.org', description: 'import the org (effective-dated memberships): admins' },
    { name: 'imports.history', description: 'read the history of import runs: admins' },
    { name: 'incentives.payroll', description: 'export a period’s payroll file: finance' },
  ],
});
