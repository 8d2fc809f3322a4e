import { lazy } from 'react';
import { registerRoutes } from '../../routes.ts';

// API response times (administrators): p50/p95/p99 per route over time and the alert thresholds.
// Lazy: the page and its chart load only when opened, never with the first screen.
registerRoutes({ path: '/admin/api-times', labelKey: 'monitoring.title', component: lazy(() => import('./ApiTimes.tsx')), nav: 'admin', icon: 'chart', permission: { admin: true } });
