import { lazy } from 'react';
import { registerRoutes } from '../../routes.ts';

// ERP and finance integrations (administrators): the inbound secret and received events, outbound
// subscriptions and the dead letters to replay.
registerRoutes({ path: '/admin/integrations', labelKey: 'nav.integrations', component: lazy(() => import('./Integrations.tsx')), nav: 'admin', icon: 'globe', permission: { admin: true } });
