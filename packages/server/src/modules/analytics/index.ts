import { defineModule } from '../contract.ts';
import { analyticsQuery } from './graphql.ts';
import { reportKind } from './kind.ts';
import { analyticsRoutes } from './routes.ts';

/**
 * Analytics: reports as metadata (`analytics.report`), run over the caller's own record scope,
 * with period comparison, pivot, top-N, drill-down and CSV/XLSX export. Dashboards, funnel and
 * forecast come later; a dashboard widget is a report plus a chart type.
 */
export const analytics = defineModule({
  id: 'analytics',
  label: { en: 'Analytics', 'zh-CN': '分析' },
  kinds: [reportKind],
  routes: [analyticsRoutes],
  graphqlQuery: analyticsQuery,
  permissions: [{ name: 'analytics.report', description: "run a report: read on its object (the list routes' scope and hidden fields); export: also export on it" }],
});
