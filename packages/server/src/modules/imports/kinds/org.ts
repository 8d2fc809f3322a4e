// The org: who is in which unit under which manager from which day (user, unit, manager,
// valid_from, valid_to). Rows go through the org service, which owns the effective-dated timelines:
// its dry run checks them (shape, live users and units, nobody in two places at once) and its
// change writes them from their dates on, emitting the org change. Admins, as POST /org/changes.
import { isAdmin } from '../../../rbac/permissions.ts';
import type { ImportKind, KindContext, TypedRow } from '../kind.ts';
import { toRowDetails } from '../kind.ts';

const FIELD: Record<string, string> = { user_id: 'user', org_unit_id: 'unit', manager_id: 'manager' };

async function change(rows: readonly TypedRow[], { store, access }: KindContext, dryRun: boolean): Promise<void> {
  const memberships = rows.map((r) => ({
    user_id: r.values.user as string,
    org_unit_id: r.values.unit,
    manager_id: r.values.manager,
    valid_from: r.values.valid_from as string,
    valid_to: r.values.valid_to,
  }));
  const org = await store.org(access.tenantName);
  try {
    await org.change({ memberships }, { dryRun, source: 'import', actor: access.actor, paths: { memberships: '/m' } });
  } catch (error) {
    const e = error as { details?: Array<{ path: string; rule: string; message: string }> };
    if (Array.isArray(e.details)) {
      const mapped = toRowDetails(e.details, '/m', (i) => rows[i]?.row).map((d) => ({ ...d, path: d.path.replace(/\/(user_id|org_unit_id|manager_id)$/, (_, f: string) => `/${FIELD[f]}`) }));
      e.details.splice(0, e.details.length, ...mapped);
    }
    throw error;
  }
}

export const orgKind: ImportKind = {
  name: 'org',
  label: { en: 'Org (who reports where)', 'zh-CN': '组织（人员归属）' },
  who: 'an admin',
  allowed: (access) => isAdmin(access.principal.role) && !!access.registry.object('user'),
  columns: [
    { field: 'user', type: 'user', required: true, label: { en: 'User', 'zh-CN': '员工' }, aliases: ['user_id', 'email'] },
    { field: 'unit', type: 'record', object: 'org_unit', label: { en: 'Org unit', 'zh-CN': '部门' }, aliases: ['org_unit', 'org_unit_id'] },
    { field: 'manager', type: 'user', label: { en: 'Manager', 'zh-CN': '上级' }, aliases: ['manager_id', 'manager_email'] },
    { field: 'valid_from', type: 'date', required: true, label: { en: 'Valid from', 'zh-CN': '生效日期' }, aliases: ['from', 'effective_from'] },
    { field: 'valid_to', type: 'date', label: { en: 'Valid to', 'zh-CN': '截止日期' }, aliases: ['to'] },
  ],
  check: (rows, ctx) => change(rows, ctx, true),
  apply: (rows, ctx) => change(rows, ctx, false),
};
