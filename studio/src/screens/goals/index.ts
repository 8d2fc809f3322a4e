import { lazy } from 'react';
import { registerRoutes } from '../../routes.ts';

// Goals: a rep's own attainment and pacing, a manager's team board and the target-split grid.
// Splitting and the board need `approve` on sales records, the same right the goals API asks of
// a planner; reps see only their own goals.
registerRoutes(
  { path: '/goals/me', labelKey: 'goals.nav.mine', component: lazy(() => import('./MyGoals.tsx')), nav: 'main', icon: 'user' },
  { path: '/goals/team', labelKey: 'goals.nav.team', component: lazy(() => import('./TeamBoard.tsx')), nav: 'main', icon: 'users', permission: { object: 'order', action: 'approve' } },
  { path: '/goals/targets', labelKey: 'goals.nav.targets', component: lazy(() => import('./TargetSplit.tsx')), nav: 'main', icon: 'tree', permission: { object: 'order', action: 'approve' } },
  // Admins define what is measured and planned: KPIs and new target plans, as forms.
  { path: '/goals/kpis', labelKey: 'goals.nav.kpis', component: lazy(() => import('./KpiBuilder.tsx')), nav: 'admin', icon: 'edit', permission: { admin: true } },
  { path: '/goals/alerts', labelKey: 'goals.nav.alertRules', component: lazy(() => import('./AlertRules.tsx')), nav: 'admin', icon: 'bell', permission: { admin: true } },
  { path: '/goals/plans/new', labelKey: 'goals.nav.newPlan', component: lazy(() => import('./PlanForm.tsx')), permission: { admin: true } },
);
