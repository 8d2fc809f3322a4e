import { defineModule } from '../contract.ts';
import { dailyReportRoutes } from './report-routes.ts';
import { dailyBackground } from './schedule.ts';
import { dailySettingsRoutes } from './settings.ts';
import { dailyTables } from './tables.ts';
import { dailyTeamRoutes } from './team-routes.ts';

/**
 * Daily reports (日报): at a set hour of the tenant's day each user of the configured roles gets a
 * draft prefilled from their day (visits, in-radius check-ins, photos, calls, deals moved) to edit
 * and submit; managers see who has reported. Reports are `daily_report` records, so lists, exports
 * and points plans read them. See docs/daily-report.md.
 */
export const daily = defineModule({
  id: 'daily',
  label: { en: 'Daily reports', 'zh-CN': '日报' },
  dependsOn: ['workflow', 'field', 'files'],
  tables: [dailyTables],
  routes: [dailySettingsRoutes, dailyReportRoutes, dailyTeamRoutes],
  jobs: (deps) => dailyBackground(deps),
  screens: ['daily'],
  permissions: [
    { name: 'daily.report', description: "read, edit and submit one's own daily report: roles that may read daily_report" },
    { name: 'daily.team', description: 'who has reported: read on daily_report, in its scope' },
    { name: 'daily.settings', description: 'which roles get a daily report and at which hour: admins' },
  ],
});
