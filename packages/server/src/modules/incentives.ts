import { disputeSubject, DISPUTE_SUBJECT, incentivePeriodSubject, incentivePlanDocumentCheck, incentivesBackground, INCENTIVES_MODULE, PERIOD_SUBJECT } from '@attain/engine';
import { incentivePlanKind } from '@attain/meta';
import { incentiveRoutes } from '../rest/incentive-routes.ts';
import { defineModule } from './contract.ts';
import { payoutDataset } from './incentive-payout-dataset.ts';

/** Incentives: plans, assignments, crediting, runs, statements, disputes and period close. */
export const incentives = defineModule({
  id: 'incentives',
  label: { en: 'Incentives', 'zh-CN': '激励' },
  // KPI measures and goals targets name goals' documents; periods and disputes are approved by workflow.
  dependsOn: ['workflow', 'goals'],
  kinds: [incentivePlanKind],
  tables: [INCENTIVES_MODULE],
  routes: [incentiveRoutes],
  jobs: ({ store }) => incentivesBackground(store),
  approvalSubjects: {
    [PERIOD_SUBJECT]: ({ store }) => incentivePeriodSubject(store),
    [DISPUTE_SUBJECT]: ({ store }) => disputeSubject(store),
  },
  // The engine's plan linter: no door applies a plan the engine would refuse to run.
  documentChecks: { 'incentives.plans': () => incentivePlanDocumentCheck },
  permissions: [
    { name: 'incentives.finance', description: 'a role reading every object at scope all: runs, approves and pays periods' },
    { name: 'incentives.payee', description: "sees one's own statements; managers their reporting subtree" },
  ],
  screens: ['incentives'],
  // Payout cost on dashboards: the statements' payouts, scoped like the statement routes.
  datasets: [payoutDataset],
});
