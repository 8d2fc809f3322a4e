import { alertNotifier } from '@attain/workflow';
import { goalsBackground, goalsModule, inAppNotifier, targetPlanSubject, TARGET_PLAN_SUBJECT, type GoalsContext } from '@attain/engine';
import { kpiKind, targetPlanKind } from '@attain/meta';
import { goalsRoutes } from '../rest/goals-routes.ts';
import { defineModule } from './contract.ts';

/** Goals: KPIs, target plans and their split, attainment, pacing and alerts. */
export const goals = defineModule({
  id: 'goals',
  label: { en: 'Goals', 'zh-CN': '目标' },
  dependsOn: ['workflow'],
  kinds: [kpiKind, targetPlanKind],
  tables: [goalsModule],
  routes: [goalsRoutes],
  // Goal alerts reach people through the workflow's inbox and their preferred channels; the
  // goals screens keep reading their own notices, so those are written too.
  jobs: ({ store, workflow }) => goalsBackground(store, { notifier: alertNotifier<GoalsContext>(workflow, { also: inAppNotifier }) }),
  approvalSubjects: { [TARGET_PLAN_SUBJECT]: ({ store }) => targetPlanSubject(store) },
  permissions: [{ name: 'goals.plan', description: 'split targets: admins, and roles that approve records of the KPI object' }],
  screens: ['goals'],
});
