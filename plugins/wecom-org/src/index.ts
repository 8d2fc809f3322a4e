import { definePlugin, type Attain, type InboundEvent, type OrgDepartment, type OrgPerson } from 'attain:sdk';
import { get, type Settings } from './client.ts';

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const ids = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => String(x)) : []);
/** Member status: 1 activated, 2 disabled, 4 not activated, 5 left. */
const GONE = new Set([2, 5]);

/** The whole address book: department/list (every department, with department_leader), then user/list per department. */
async function snapshot(attain: Attain<Settings>): Promise<{ departments: OrgDepartment[]; people: OrgPerson[] }> {
  const list = ((await get(attain, '/cgi-bin/department/list', {})).department ?? []) as Array<Record<string, unknown>>;
  const known = new Set(list.map((d) => String(d.id)));
  const departments: OrgDepartment[] = list.map((d) => ({
    id: String(d.id),
    name: String(d.name ?? d.id),
    // The root's parentid is 0, which is no department.
    parentId: known.has(String(d.parentid)) ? String(d.parentid) : null,
    leaderIds: ids(d.department_leader),
  }));
  const people = new Map<string, OrgPerson>();
  for (const d of departments) {
    const users = ((await get(attain, '/cgi-bin/user/list', { department_id: d.id })).userlist ?? []) as Array<Record<string, unknown>>;
    for (const u of users) {
      const id = str(u.userid);
      if (!id || people.has(id)) continue;
      people.set(id, {
        id,
        name: String(u.name ?? ''),
        email: str(u.biz_mail) ?? str(u.email),
        mobile: str(u.mobile),
        title: str(u.position),
        departmentIds: ids(u.department),
        primaryDepartmentId: u.main_department === undefined ? null : String(u.main_department),
        active: !GONE.has(Number(u.status)),
      });
    }
  }
  return { departments, people: [...people.values()] };
}

async function fullSync(attain: Attain<Settings>) {
  const result = await attain.org.sync({ mode: 'full', ...(await snapshot(attain)) });
  attain.log('wecom org sync', JSON.stringify(result.counts));
  return result;
}

/**
 * change_contact callbacks (decrypted by the host into the XML's fields): a deleted member is
 * deactivated from the event itself; other member and department changes re-read the tree.
 */
async function onEvent(event: InboundEvent, attain: Attain<Settings>) {
  const body = (event.payload ?? {}) as Record<string, string>;
  if (body.Event !== 'change_contact') return { ignored: body.Event ?? null };
  if (body.ChangeType === 'delete_user' && body.UserID) return attain.org.sync({ mode: 'delta', people: [{ id: body.UserID, active: false }] });
  return fullSync(attain);
}

export default definePlugin<Settings>({
  jobs: { sync: (_event, attain) => fullSync(attain) },
  inbound: onEvent,
});
