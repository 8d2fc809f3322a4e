import { lazy } from 'react';
import { registerRoutes } from '../../routes.ts';

// Industry templates: admins install, upgrade (three-way merge), roll back and uninstall them.
registerRoutes({ path: '/admin/templates', labelKey: 'templates.title', component: lazy(() => import('./Templates.tsx')), nav: 'admin', icon: 'layers', permission: { admin: true } });
