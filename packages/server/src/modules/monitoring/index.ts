import { defineModule } from '../contract.ts';
import { monitoringBackground } from './evaluate.ts';
import { monitoringRoutes } from './routes.ts';
import { monitoringTables } from './tables.ts';

/**
 * API percentile monitoring (issue #18, item 7): every node's request histograms per tenant, route
 * and minute (rolled up to hours and days) merged in the database, read as p50/p95/p99 per route
 * over time; alert thresholds as data, evaluated each minute by a durable job that tells the
 * administrators once per breach and once when it resolves. `/metrics` stays as it was.
 */
export const monitoring = defineModule({
  id: 'monitoring',
  label: { en: 'API monitoring', 'zh-CN': 'API 监控' },
  dependsOn: ['workflow'],
  tables: [monitoringTables],
  routes: [monitoringRoutes],
  jobs: (deps) => monitoringBackground(deps),
  screens: ['monitoring'],
  permissions: [{ name: 'monitoring.latency', description: 'read API response times and change their alert thresholds: administrators' }],
});
