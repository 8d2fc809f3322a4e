import { lazy } from 'react';
import { registerRoutes } from '../../routes.ts';

// Exchange rates and the tenant's base currency and calendar: admins and finance (a role reading every object).
registerRoutes({ path: '/admin/fx-rates', labelKey: 'fx.title', component: lazy(() => import('./ExchangeRates.tsx')), nav: 'admin', icon: 'globe', permission: { allObjects: true, action: 'read' } });
