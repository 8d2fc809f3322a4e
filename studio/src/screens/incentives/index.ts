import { lazy } from 'react';
import { registerRoutes } from '../../routes.ts';

// Incentives: a payee's statement with the trace of every line, the plan designer (admins) and
// period close (finance: a role reading everything, as the incentives API asks).
registerRoutes(
  { path: '/incentives/me', labelKey: 'incentives.nav.earnings', component: lazy(() => import('./MyEarnings.tsx')), nav: 'main', icon: 'table' },
  { path: '/incentives/periods', labelKey: 'incentives.nav.periods', component: lazy(() => import('./PeriodClose.tsx')), nav: 'main', icon: 'check', permission: { object: '*', action: 'approve' } },
  { path: '/incentives/leaderboard', labelKey: 'incentives.nav.leaderboard', component: lazy(() => import('./Leaderboard.tsx')), nav: 'main', icon: 'table' },
  { path: '/incentives/whatif', labelKey: 'incentives.nav.whatif', component: lazy(() => import('./WhatIf.tsx')), nav: 'main', icon: 'edit', permission: { object: '*', action: 'approve' } },
  { path: '/incentives/plans', labelKey: 'incentives.nav.plans', component: lazy(() => import('./PlanDesigner.tsx')), nav: 'admin', icon: 'edit', permission: { admin: true } },
);
