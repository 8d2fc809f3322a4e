import { lazy } from 'react';
import { registerRoutes } from '../../routes.ts';

// Dashboards (analytics.dashboard and those people build): the list shared with the user, the
// viewer and the designer; Home shows the role's default.
const screen = lazy(() => import('./Dashboards.tsx'));
const designer = lazy(() => import('./Designer.tsx'));
registerRoutes(
  { path: '/dashboards', labelKey: 'dashboards.title', component: screen, nav: 'main', icon: 'chart' },
  { path: '/dashboards/new', labelKey: 'dashboards.newTitle', component: designer },
  { path: '/dashboards/:name/edit', labelKey: 'dashboards.editTitle', component: designer },
  { path: '/dashboards/:name', labelKey: 'dashboards.title', component: screen },
);
