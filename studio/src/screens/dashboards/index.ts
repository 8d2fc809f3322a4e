import { lazy } from 'react';
import { registerRoutes } from '../../routes.ts';

// Dashboards (analytics.dashboard): the list shared with the user and the viewer; Home shows the role's default.
const screen = lazy(() => import('./Dashboards.tsx'));
registerRoutes({ path: '/dashboards', labelKey: 'dashboards.title', component: screen, nav: 'main', icon: 'chart' }, { path: '/dashboards/:name', labelKey: 'dashboards.title', component: screen });
