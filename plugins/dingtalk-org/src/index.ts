import { definePlugin, type Attain, type InboundEvent, type OrgDepartment, type OrgPerson } from 'attain:sdk';
import { call, type Settings } from './client.ts';

/** The root department of every DingTalk organization. */
const ROOT = 1;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const ids = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => String(x)) : []);

/** One department's details (name, parent, dept_manager_userid_list). */
async function department(attain: Attain<Settings>, id: number): Promise<OrgDepartment> {
  const d = ((await call(attain, '/topapi/v2/department/get', { dept_id: id })) ?? {}) as Record<string, unknown>;
  return { id: String(id), name: String(d.name ?? id), parentId: id === ROOT || d.parent_id === undefined ? null : String(d.parent_id), leaderIds: ids(d.dept_manager_userid_list) };
}

/** The whole address book: departments breadth first (listsub), then each one's people (user/list, cursor paging). */
async function snapshot(attain: Attain<Settings>): Promise<{ departments: OrgDepartment[]; people: OrgPerson[] }> {
  const departments: OrgDepartment[] = [];
  const queue = [ROOT];
  for (let i = 0; i < queue.length && i < 20_000; i++) {
    const id = queue[i] as number;
    departments.push(await department(attain, id));
    const subs = ((await call(attain, '/topapi/v2/department/listsub', { dept_id: id })) ?? []) as Array<Record<string, unknown>>;
    for (const s of subs) if (typeof s.dept_id === 'number' && !queue.includes(s.dept_id)) queue.push(s.dept_id);
  }
  const people = new Map<string, OrgPerson>();
  for (const d of departments) {
    let cursor = 0;
    for (let page = 0; page < 1000; page++) {
      const r = ((await call(attain, '/topapi/v2/user/list', { dept_id: Number(d.id), cursor, size: 100 })) ?? {}) as {
        has_more?: boolean;
        next_cursor?: number;
        list?: Array<Record<string, unknown>>;
      };
      for (const u of r.list ?? []) {
        const id = str(u.userid);
        if (!id || people.has(id)) continue;
        const depts = ids(u.dept_id_list);
        people.set(id, {
          id,
          name: String(u.name ?? ''),
          email: str(u.org_email) ?? str(u.email),
          mobile: str(u.mobile),
          title: str(u.title),
          employeeNumber: str(u.job_number),
          departmentIds: depts.length > 0 ? depts : [d.id],
        });
      }
      if (r.has_more !== true || typeof r.next_cursor !== 'number') break;
      cursor = r.next_cursor;
    }
  }
  return { departments, people: [...people.values()] };
}

async function fullSync(attain: Attain<Settings>) {
  const result = await attain.org.sync({ mode: 'full', ...(await snapshot(attain)) });
  attain.log('dingtalk org sync', JSON.stringify(result.counts));
  return result;
}

/**
 * Address-book callbacks (decrypted by the host): people who left (user_leave_org) are
 * deactivated from the event itself; other user and department changes re-read the tree.
 */
async function onEvent(event: InboundEvent, attain: Attain<Settings>) {
  const body = (event.payload ?? {}) as { EventType?: string; UserId?: unknown };
  const type = String(body.EventType ?? '');
  if (type === 'user_leave_org') return attain.org.sync({ mode: 'delta', people: ids(body.UserId).map((id) => ({ id, active: false })) });
  if (type.startsWith('user_') || type.startsWith('org_dept_')) return fullSync(attain);
  return { ignored: type };
}

export default definePlugin<Settings>({
  jobs: { sync: (_event, attain) => fullSync(attain) },
  inbound: onEvent,
});
