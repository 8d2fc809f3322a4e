import { lazy } from 'react';
import { registerRoutes } from '../../routes.ts';

// Data quality: every signed-in user sees the rules and the issues on records they read; the
// monthly data health report is for administrators.
registerRoutes(
  { path: '/quality', labelKey: 'quality.title', component: lazy(() => import('./Quality.tsx')), nav: 'main', icon: 'check' },
  { path: '/admin/data-health', labelKey: 'quality.report.title', component: lazy(() => import('./HealthReport.tsx')), nav: 'admin', icon: 'chart', permission: { admin: true } },
);
