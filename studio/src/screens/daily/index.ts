import { lazy } from 'react';
import { registerRoutes } from '../../routes.ts';

// Daily reports (日报): the rep's report of the day, and who has reported for managers.
registerRoutes(
  { path: '/daily/mine', labelKey: 'daily.mine', component: lazy(() => import('./MyReport.tsx')), nav: 'main', icon: 'edit', permission: { object: 'daily_report', action: 'read' } },
  { path: '/daily/team', labelKey: 'daily.team', component: lazy(() => import('./TeamStatus.tsx')), nav: 'main', icon: 'check', permission: { object: 'daily_report', action: 'read' } },
);
