import { defineModule } from '../contract.ts';
import { activityLogRoutes } from './activity-log.ts';
import { checkinRoutes } from './checkins.ts';
import { missedVisitJobs } from './missed-visits.ts';
import { planSummaryRoutes } from './plan-summary.ts';
import { planRoutes } from './plans.ts';
import { quarantineRoutes } from './quarantine.ts';
import { fieldSettingsRoutes } from './settings.ts';
import { fieldTables } from './tables.ts';
import { teamDayRoutes } from './team-day.ts';

/**
 * Field sales: check-in and check-out at a customer from the phone (position, accuracy, device
 * time), the distance to the customer's coordinates against the tenant's radius (flagged or
 * refused), impossible reports refused, and the team's day for the manager. Visits are `visit`
 * records written through the caller's record service. See docs/field.md.
 */
export const field = defineModule({
  id: 'field',
  label: { en: 'Field sales', 'zh-CN': '外勤' },
  tables: [fieldTables],
  routes: [fieldSettingsRoutes, checkinRoutes, teamDayRoutes, activityLogRoutes, quarantineRoutes, planSummaryRoutes, planRoutes],
  jobs: missedVisitJobs,
  screens: ['field'],
  permissions: [
    { name: 'field.checkin', description: 'check in and out at a customer: create (check-out: update) on visit, read on the customer' },
    { name: 'field.places', description: "set a customer's coordinates: admins, and roles that may update the customer (in their scope)" },
    { name: 'field.activity_log', description: 'log a call or message at a customer in one tap: create on activity, read on the customer' },
    { name: 'field.inbound_mail', description: 'see and assign quarantined emails of the log address: admins' },
    { name: 'field.plans', description: "plan visits (customer, day) for oneself or a rep in one's visit scope, order a day's route, see plan against actual: read on visit" },
    { name: 'field.settings', description: 'change the radius, the outside-radius rule and the device-time age: admins' },
  ],
});
