import { lazy } from 'react';
import { registerRoutes } from '../../routes.ts';

// The sales forecast: everyone who reads opportunities; a manager also sees the team and overrides.
registerRoutes({ path: '/forecast', labelKey: 'forecast.title', component: lazy(() => import('./Forecast.tsx')), nav: 'main', icon: 'chart', permission: { object: 'opportunity', action: 'read' } });
