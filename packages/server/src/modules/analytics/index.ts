import { defineModule } from '../contract.ts';
import { analyticsQuery } from './graphql.ts';
import { dashboardKind } from './dashboard-kind.ts';
import { dashboardRoutes } from './dashboard-routes.ts';
import { funnelJobs } from './funnel-history.ts';
import { funnelRoutes } from './funnel-routes.ts';
import { funnelTables } from './funnel-tables.ts';
import { reportKind } from './kind.ts';
import { analyticsRoutes } from './routes.ts';

/**
 * Analytics: reports as metadata (`analytics.report`), run over the caller's own record scope,
 * with period comparison, pivot, top-N, drill-down and CSV/XLSX export; dashboards as metadata
 * (`analytics.dashboard`): report widgets on a grid with dashboard-wide filters, shared by role,
 * a default per role; the stage funnel (`GET /analytics/funnel`) over a stage history kept from
 * record events (funnel-*.ts). Forecast comes later.
 */
export const analytics = defineModule({
  id: 'analytics',
  label: { en: 'Analytics', 'zh-CN': '分析' },
  kinds: [reportKind, dashboardKind],
  routes: [analyticsRoutes, dashboardRoutes, funnelRoutes],
  tables: [funnelTables],
  jobs: funnelJobs,
  graphqlQuery: analyticsQuery,
  screens: ['dashboards'],
  permissions: [
    {
      name: 'analytics.dashboard',
      description: "open a dashboard: shared with the caller's role (or with every role); each widget runs as its report does, a widget over an unreadable object answers forbidden alone",
    },
    { name: 'analytics.report', description: "run a report: read on its object (the list routes' scope and hidden fields); export: also export on it" },
  ],
});
