// Which dashboards a caller sees: metadata ones shared with their role (every one for admins), and
// those people built — their own, their manager's shared "with my team" when they are in it, and
// any shared with their role by an admin.
import { notFound } from '../../http/errors.ts';
import { isAdmin } from '../../rbac/permissions.ts';
import type { AccessContext } from '../../rbac/context.ts';
import type { Store } from '../../store-port.ts';
import type { DashboardDoc } from './dashboard-schema.ts';
import { userDashboard, userDashboards, type UserDashboard } from './dashboard-store.ts';

export interface VisibleDashboard {
  doc: DashboardDoc;
  /** `metadata`: an admin's or a template's document; `user`: built in the studio. */
  source: 'metadata' | 'user';
  ownerId: string | null;
  team: boolean;
  version: number | null;
  /** The caller may change or delete it (its owner, or an admin; metadata ones through metadata). */
  editable: boolean;
}

/** Admins see every dashboard; others those shared with their role, or with no role named. */
export function sharedWithRole(doc: DashboardDoc, access: AccessContext): boolean {
  const role = access.principal.role;
  if (isAdmin(role)) return true;
  return !doc.sharedWith || (role !== undefined && doc.sharedWith.includes(role.name));
}

async function userVisible(d: UserDashboard, access: AccessContext): Promise<boolean> {
  const me = access.principal.userId;
  if (d.ownerId === me || isAdmin(access.principal.role)) return true;
  if (d.doc.sharedWith && access.principal.role && d.doc.sharedWith.includes(access.principal.role.name)) return true;
  return d.team && (await access.teamOf(d.ownerId)).includes(me);
}

const ofUser = (d: UserDashboard, access: AccessContext): VisibleDashboard => ({
  doc: d.doc,
  source: 'user',
  ownerId: d.ownerId,
  team: d.team,
  version: d.version,
  editable: d.ownerId === access.principal.userId || isAdmin(access.principal.role),
});

export async function visibleDashboards(store: Store, access: AccessContext): Promise<VisibleDashboard[]> {
  const meta = (access.registry.documentsOfKind('analytics.dashboard') as DashboardDoc[])
    .filter((d) => sharedWithRole(d, access))
    .map((doc): VisibleDashboard => ({ doc, source: 'metadata', ownerId: null, team: false, version: null, editable: false }));
  const built: VisibleDashboard[] = [];
  for (const d of await userDashboards(store, access.tenantName)) if (await userVisible(d, access)) built.push(ofUser(d, access));
  return [...meta, ...built];
}

/** One dashboard the caller may see, by name, or undefined (whether it exists is not theirs to learn). */
export async function visibleDashboard(store: Store, access: AccessContext, name: string): Promise<VisibleDashboard | undefined> {
  const meta = (access.registry.documentsOfKind('analytics.dashboard') as DashboardDoc[]).find((d) => d.name === name);
  if (meta) return sharedWithRole(meta, access) ? { doc: meta, source: 'metadata', ownerId: null, team: false, version: null, editable: false } : undefined;
  const built = await userDashboard(store, access.tenantName, name);
  return built && (await userVisible(built, access)) ? ofUser(built, access) : undefined;
}

/** A dashboard the caller may see, else 404 (whether it exists is not theirs to learn). */
export async function seenDashboard(store: Store, access: AccessContext, name: string): Promise<VisibleDashboard> {
  const found = await visibleDashboard(store, access, name);
  if (!found) throw notFound(`there is no dashboard named "${name}"`);
  return found;
}
