import { lazy } from 'react';
import { registerRoutes } from '../../routes.ts';

// Field sales on the phone: a rep's day (check in, photos, check out), visit plans, and the team's day for managers.
registerRoutes(
  { path: '/field/today', labelKey: 'field.today', component: lazy(() => import('./Today.tsx')), nav: 'main', icon: 'map', permission: { object: 'visit', action: 'create' } },
  { path: '/field/plans', labelKey: 'field.plans.title', component: lazy(() => import('./Plans.tsx')), nav: 'main', icon: 'table', permission: { object: 'visit', action: 'read' } },
  { path: '/field/inbound-mail', labelKey: 'field.inbound.title', component: lazy(() => import('./Inbound.tsx')), nav: 'admin', icon: 'bell', permission: { admin: true } },
  { path: '/field/team', labelKey: 'field.teamDay', component: lazy(() => import('./Team.tsx')), nav: 'main', icon: 'users', permission: { object: 'visit', action: 'read' } },
);
