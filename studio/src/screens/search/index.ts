import { lazy } from 'react';
import { registerRoutes } from '../../routes.ts';

// Global search across every object the user may read.
registerRoutes({ path: '/search', labelKey: 'search.title', component: lazy(() => import('./Search.tsx')) });
