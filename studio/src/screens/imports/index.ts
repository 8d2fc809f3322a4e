import { lazy } from 'react';
import { registerRoutes } from '../../routes.ts';

// Imports of data that are not records (rates, targets, assignments, territories, the org): admins
// and finance open it; the kinds listed are those the caller's role may run.
registerRoutes({
  path: '/admin/imports',
  labelKey: 'dataImport.title',
  component: lazy(() => import('./DataImport.tsx')),
  nav: 'admin',
  icon: 'upload',
  permission: { allObjects: true, action: 'read' },
});
