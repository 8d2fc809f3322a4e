import { definePlugin, type Attain, type InboundEvent, type OrgDepartment, type OrgPerson } from 'attain:sdk';
import { all, get, type Settings } from './client.ts';

const ROOT = '0';
const IDS = { department_id_type: 'open_department_id', user_id_type: 'open_id' };

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** The whole contact tree the app may see: departments (contact v3 children, recursive) and their people. */
async function snapshot(attain: Attain<Settings>): Promise<{ departments: OrgDepartment[]; people: OrgPerson[] }> {
  const depts = await all(attain, `/open-apis/contact/v3/departments/${ROOT}/children`, { ...IDS, fetch_child: 'true' });
  // The root ("0") is the company: its leader needs the app's contact scope to be all members.
  const root = ((await get(attain, `/open-apis/contact/v3/departments/${ROOT}`, IDS).catch(() => ({}))) as { department?: Record<string, unknown> }).department ?? {};
  const departments: OrgDepartment[] = [
    { id: ROOT, name: attain.settings.rootName || str(root.name) || 'Company', parentId: null, leaderIds: str(root.leader_user_id) ? [String(root.leader_user_id)] : [] },
  ];
  for (const d of depts) {
    const id = str(d.open_department_id);
    if (!id) continue;
    departments.push({ id, name: String(d.name ?? id), parentId: str(d.parent_department_id) ?? ROOT, leaderIds: str(d.leader_user_id) ? [String(d.leader_user_id)] : [] });
  }
  const people = new Map<string, OrgPerson>();
  for (const d of departments) {
    for (const u of await all(attain, '/open-apis/contact/v3/users/find_by_department', { ...IDS, department_id: d.id })) {
      const id = str(u.open_id);
      if (!id || people.has(id)) continue;
      const status = (u.status ?? {}) as Record<string, unknown>;
      const orders = Array.isArray(u.orders) ? (u.orders as Array<Record<string, unknown>>) : [];
      people.set(id, {
        id,
        name: String(u.name ?? ''),
        email: str(u.enterprise_email) ?? str(u.email),
        mobile: str(u.mobile),
        title: str(u.job_title),
        employeeNumber: str(u.employee_no),
        departmentIds: Array.isArray(u.department_ids) ? (u.department_ids as string[]) : [d.id],
        primaryDepartmentId: str(orders.find((o) => o.is_primary_dept === true)?.department_id) ?? null,
        active: status.is_resigned !== true && status.is_frozen !== true && status.is_exited !== true,
      });
    }
  }
  return { departments, people: [...people.values()] };
}

async function fullSync(attain: Attain<Settings>) {
  const result = await attain.org.sync({ mode: 'full', ...(await snapshot(attain)) });
  attain.log('feishu org sync', JSON.stringify(result.counts));
  return result;
}

/**
 * Feishu contact events (event subscription v2, verified by the host): a person who left is
 * deactivated at once from the event itself; any other contact change re-reads the tree.
 */
async function onEvent(event: InboundEvent, attain: Attain<Settings>) {
  const body = (event.payload ?? {}) as { header?: { event_type?: string }; event?: { object?: Record<string, unknown> } };
  const type = body.header?.event_type ?? '';
  if (!type.startsWith('contact.')) return { ignored: type };
  const leaver = str(body.event?.object?.open_id);
  if (type === 'contact.user.deleted_v3' && leaver) return attain.org.sync({ mode: 'delta', people: [{ id: leaver, active: false }] });
  return fullSync(attain);
}

export default definePlugin<Settings>({
  jobs: { sync: (_event, attain) => fullSync(attain) },
  inbound: onEvent,
});
