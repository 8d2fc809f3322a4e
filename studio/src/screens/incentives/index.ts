import { lazy } from 'react';
import { registerRoutes } from '../../routes.ts';

// Incentives: a payee's statement with the trace of every line, the plan designer (admins) and
// period close and what-if (finance: a role reading everything, as the incentives API asks; the
// server decides what each may do there).
registerRoutes(
  { path: '/incentives/me', labelKey: 'incentives.nav.earnings', component: lazy(() => import('./MyEarnings.tsx')), nav: 'main', icon: 'table' },
  { path: '/incentives/periods', labelKey: 'incentives.nav.periods', component: lazy(() => import('./PeriodClose.tsx')), nav: 'main', icon: 'check', permission: { allObjects: true, action: 'read' } },
  { path: '/incentives/leaderboard', labelKey: 'incentives.nav.leaderboard', component: lazy(() => import('./Leaderboard.tsx')), nav: 'main', icon: 'table' },
  { path: '/incentives/whatif', labelKey: 'incentives.nav.whatif', component: lazy(() => import('./WhatIf.tsx')), nav: 'main', icon: 'edit', permission: { allObjects: true, action: 'read' } },
  // Territory and specialist assignments: admins edit, finance (a role reading every object) reads.
  {
    path: '/incentives/territories',
    labelKey: 'incentives.nav.territories',
    component: lazy(() => import('./Territories.tsx')),
    nav: 'main',
    icon: 'globe',
    permission: { allObjects: true, action: 'read' },
  },
  { path: '/incentives/plans', labelKey: 'incentives.nav.plans', component: lazy(() => import('./PlanDesigner.tsx')), nav: 'admin', icon: 'edit', permission: { admin: true } },
);
