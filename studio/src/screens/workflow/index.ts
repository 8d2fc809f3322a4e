import { lazy } from 'react';
import { registerRoutes } from '../../routes.ts';

registerRoutes(
  { path: '/approvals', labelKey: 'workflow.inbox', component: lazy(() => import('./Inbox.tsx')), nav: 'main', icon: 'check' },
  { path: '/approvals/o/:object/:id', labelKey: 'workflow.recordApprovals', component: lazy(() => import('./RecordApproval.tsx')), permission: { object: ':object', action: 'read' } },
  { path: '/admin/flows', labelKey: 'workflow.flows', component: lazy(() => import('./FlowDesigner.tsx')), permission: { admin: true }, nav: 'admin', icon: 'tree' },
  { path: '/admin/flows/:name', labelKey: 'workflow.flows', component: lazy(() => import('./FlowDesigner.tsx')), permission: { admin: true } },
  { path: '/admin/automations', labelKey: 'workflow.automations', component: lazy(() => import('./Automations.tsx')), permission: { admin: true }, nav: 'admin', icon: 'history' },
);
