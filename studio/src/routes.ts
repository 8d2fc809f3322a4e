import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import type { Action } from './api/types.ts';

/** Props every screen receives: the path parameters of its route. */
export interface ScreenProps {
  params: Record<string, string>;
}

/**
 * Who may open a route. `admin` needs an admin role; `object`/`action` a permission on an object
 * (`:object` means the object named in the path); `allObjects`/`action` it on every object. No
 * permission: any signed-in user.
 */
export interface RoutePermission {
  admin?: boolean;
  object?: string;
  action?: Action;
  /**
   * With `action`: the action on every object, at scope all — what a role granting it on `*` has
   * (finance). `/auth/me` lists such a grant per object, so `object: '*'` does not find it.
   */
  allObjects?: boolean;
}

export interface RouteDef {
  /** Path pattern with `:params`, e.g. `/o/:object/:id`. More specific routes first. */
  path: string;
  /** i18n key of the label shown in navigation and the page title. */
  labelKey: string;
  component: LazyExoticComponent<ComponentType<ScreenProps>>;
  permission?: RoutePermission;
  /** Where it appears in navigation; omitted = not in navigation (detail pages). */
  nav?: 'main' | 'admin';
  /** Icon name from components/Icon.tsx. */
  icon?: string;
}

const routes: RouteDef[] = [];

/** Adds screens. A later feature calls this from its own module (imported by `screens/index.ts`). */
export function registerRoutes(...defs: RouteDef[]): void {
  for (const def of defs) {
    if (routes.some((r) => r.path === def.path)) throw new Error(`route ${def.path} is registered twice`);
    routes.push(def);
  }
}

export function allRoutes(): readonly RouteDef[] {
  return routes;
}

// Built-in screens. Every component is its own chunk (React.lazy), so the first screen only
// loads the shell and the login form.
registerRoutes(
  { path: '/', labelKey: 'nav.home', component: lazy(() => import('./screens/Home.tsx')), nav: 'main', icon: 'home' },
  { path: '/o/:object', labelKey: 'records.list', component: lazy(() => import('./screens/records/RecordList.tsx')), permission: { object: ':object', action: 'read' } },
  { path: '/o/:object/new', labelKey: 'records.new', component: lazy(() => import('./screens/records/RecordEdit.tsx')), permission: { object: ':object', action: 'create' } },
  { path: '/o/:object/import', labelKey: 'import.title', component: lazy(() => import('./screens/records/ImportWizard.tsx')), permission: { object: ':object', action: 'create' } },
  { path: '/o/:object/:id', labelKey: 'records.detail', component: lazy(() => import('./screens/records/RecordDetail.tsx')), permission: { object: ':object', action: 'read' } },
  { path: '/o/:object/:id/edit', labelKey: 'records.edit', component: lazy(() => import('./screens/records/RecordEdit.tsx')), permission: { object: ':object', action: 'update' } },
  { path: '/admin/objects', labelKey: 'nav.designer', component: lazy(() => import('./screens/designer/ObjectsList.tsx')), permission: { admin: true }, nav: 'admin', icon: 'cube' },
  { path: '/admin/objects/new', labelKey: 'designer.newObject', component: lazy(() => import('./screens/designer/ObjectDesigner.tsx')), permission: { admin: true } },
  { path: '/admin/objects/:object', labelKey: 'designer.editObject', component: lazy(() => import('./screens/designer/ObjectDesigner.tsx')), permission: { admin: true } },
  { path: '/admin/revisions', labelKey: 'nav.revisions', component: lazy(() => import('./screens/designer/Revisions.tsx')), permission: { admin: true }, nav: 'admin', icon: 'history' },
  { path: '/admin/roles', labelKey: 'nav.roles', component: lazy(() => import('./screens/security/Roles.tsx')), permission: { admin: true }, nav: 'admin', icon: 'shield' },
  { path: '/admin/users', labelKey: 'nav.users', component: lazy(() => import('./screens/security/Users.tsx')), permission: { admin: true }, nav: 'admin', icon: 'users' },
  { path: '/admin/org', labelKey: 'nav.org', component: lazy(() => import('./screens/security/OrgTree.tsx')), permission: { admin: true }, nav: 'admin', icon: 'tree' },
);
