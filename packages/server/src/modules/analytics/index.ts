import { defineModule } from '../contract.ts';
import { analyticsQuery } from './graphql.ts';
import { dashboardKind } from './dashboard-kind.ts';
import { dashboardRoutes } from './dashboard-routes.ts';
import { analyticsBackground } from './background.ts';
import { analyticsTables } from './dashboard-store.ts';
import { forecastRoutes } from './forecast-routes.ts';
import { forecastTables } from './forecast-store.ts';
import { funnelRoutes } from './funnel-routes.ts';
import { funnelTables } from './funnel-tables.ts';
import { reportKind } from './kind.ts';
import { subscriptionTables } from './subscription-store.ts';
import { analyticsRoutes } from './routes.ts';

/**
 * Analytics: reports as metadata (`analytics.report`), run over the caller's own record scope,
 * with period comparison, pivot, top-N, drill-down and CSV/XLSX export; dashboards as metadata
 * (`analytics.dashboard`): report widgets on a grid with dashboard-wide filters, shared by role,
 * a default per role; the stage funnel (`GET /analytics/funnel`) over a stage history kept from
 * record events (funnel-*.ts); the forecast (forecast-*.ts); dashboard snapshots as PNG/PDF and
 * subscriptions that send them by email or to group robots (snapshot-*.ts, subscription-*.ts).
 */
export const analytics = defineModule({
  id: 'analytics',
  label: { en: 'Analytics', 'zh-CN': '分析' },
  kinds: [reportKind, dashboardKind],
  tables: [analyticsTables, forecastTables, funnelTables, subscriptionTables],
  routes: [analyticsRoutes, dashboardRoutes, forecastRoutes, funnelRoutes],
  jobs: analyticsBackground,
  graphqlQuery: analyticsQuery,
  screens: ['dashboards', 'forecast'],
  permissions: [
    {
      name: 'analytics.dashboard',
      description: "open a dashboard: shared with the caller's role (or with every role); each widget runs as its report does, a widget over an unreadable object answers forbidden alone",
    },
    {
      name: 'analytics.forecast',
      description:
        "the sales forecast: read on opportunity (the list routes' scope; amount, stage, close date, probability and owner visible), a team scope for the team roll-up and overrides; admins map stages to categories",
    },
    { name: 'analytics.report', description: "run a report: read on its object (the list routes' scope and hidden fields); export: also export on it" },
  ],
});
