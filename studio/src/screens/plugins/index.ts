import { lazy } from 'react';
import { registerRoutes } from '../../routes.ts';

// Tenant plugins: admins install, consent, configure, enable/disable, roll back and uninstall.
registerRoutes({ path: '/admin/plugins', labelKey: 'plugins.title', component: lazy(() => import('./Plugins.tsx')), nav: 'admin', icon: 'cube', permission: { admin: true } });
