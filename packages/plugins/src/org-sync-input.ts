import { StoreError } from '@attain/store';

/**
 * The input of `attain.org.sync` as the host reads it. Problems with the call as a whole (not an
 * object, unknown mode, a bad effective date, too many items) refuse it; a problem with one
 * department or person fails that item alone, with its reason.
 */
export interface SyncDepartment {
  id: string;
  name: string;
  parentId: string | null;
  leaderIds: string[];
  deleted: boolean;
}

export interface SyncPerson {
  id: string;
  name?: string | null;
  email?: string | null;
  mobile?: string | null;
  title?: string | null;
  employeeNumber?: string | null;
  departmentIds?: string[];
  primaryDepartmentId?: string | null;
  active: boolean;
}

export interface SyncItem {
  kind: 'department' | 'person';
  id: string;
  status: 'created' | 'updated' | 'unchanged' | 'deactivated' | 'deleted' | 'failed';
  attainId: string | null;
  code?: string;
  reason?: string;
}

export interface SyncInput {
  mode: 'full' | 'delta';
  effectiveFrom?: string;
  departments: SyncDepartment[];
  people: SyncPerson[];
  /** Items refused while reading the input. */
  failed: SyncItem[];
}

export const MAX_DEPARTMENTS = 20_000;
export const MAX_PEOPLE = 100_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const ID_MAX = 200;

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const refuse = (path: string, rule: string, message: string): never => {
  throw new StoreError('validation_failed', `org sync: ${path} ${message}`, [{ path, rule, message }]);
};

const vendorId = (v: unknown): string | null => {
  const s = typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : v;
  return typeof s === 'string' && s.length > 0 && s.length <= ID_MAX && !/[\u0000-\u001f]/.test(s) ? s : null;
};

function optText(v: unknown, max: number): string | null | undefined | false {
  if (v === undefined) return undefined;
  if (v === null || v === '') return null;
  return typeof v === 'string' && v.length <= max ? v : false;
}

function idList(v: unknown): string[] | null {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.length > 1000) return null;
  const out: string[] = [];
  for (const x of v) {
    const id = vendorId(x);
    if (id === null) return null;
    if (!out.includes(id)) out.push(id);
  }
  return out;
}

export function readSyncInput(raw: unknown): SyncInput {
  if (!isObj(raw)) return refuse('/', 'type', 'must be an object {mode, departments, people}');
  if (raw.mode !== 'full' && raw.mode !== 'delta') refuse('/mode', 'enum', 'must be "full" or "delta"');
  const out: SyncInput = { mode: raw.mode as 'full' | 'delta', departments: [], people: [], failed: [] };
  if (raw.effectiveFrom !== undefined && raw.effectiveFrom !== null) {
    const d = raw.effectiveFrom;
    if (typeof d !== 'string' || !DAY.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`))) refuse('/effectiveFrom', 'format', 'must be a date YYYY-MM-DD');
    out.effectiveFrom = d as string;
  }
  const list = (key: 'departments' | 'people', max: number): unknown[] => {
    const v = raw[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) return refuse(`/${key}`, 'type', 'must be a list');
    if (v.length > max) refuse(`/${key}`, 'maxItems', `must hold at most ${max} items`);
    return v;
  };
  const fail = (kind: SyncItem['kind'], id: string, code: string, reason: string) => out.failed.push({ kind, id, status: 'failed', attainId: null, code, reason });
  const seenD = new Set<string>();
  list('departments', MAX_DEPARTMENTS).forEach((d, i) => {
    const id = isObj(d) ? vendorId(d.id) : null;
    if (!isObj(d) || id === null) return fail('department', `#${i}`, 'invalid_id', `departments[${i}].id must be a text id of 1 to ${ID_MAX} characters`);
    if (seenD.has(id)) return fail('department', id, 'duplicate', 'the department is listed twice');
    seenD.add(id);
    const deleted = d.deleted === true;
    const name = typeof d.name === 'string' ? d.name.trim() : '';
    if (!deleted && (name.length === 0 || name.length > 200)) return fail('department', id, 'invalid_name', 'name must be 1 to 200 characters');
    const parent = d.parentId === undefined || d.parentId === null || d.parentId === '' ? null : vendorId(d.parentId);
    if (parent === null && d.parentId !== undefined && d.parentId !== null && d.parentId !== '') return fail('department', id, 'invalid_parent', 'parentId must be a text id');
    const leaders = idList(d.leaderIds);
    if (leaders === null) return fail('department', id, 'invalid_leaders', 'leaderIds must be a list of text ids');
    out.departments.push({ id, name, parentId: parent === id ? null : parent, leaderIds: leaders, deleted });
  });
  const seenP = new Set<string>();
  list('people', MAX_PEOPLE).forEach((p, i) => {
    const id = isObj(p) ? vendorId(p.id) : null;
    if (!isObj(p) || id === null) return fail('person', `#${i}`, 'invalid_id', `people[${i}].id must be a text id of 1 to ${ID_MAX} characters`);
    if (seenP.has(id)) return fail('person', id, 'duplicate', 'the person is listed twice');
    seenP.add(id);
    const person: SyncPerson = { id, active: p.active !== false };
    for (const [key, max] of [
      ['name', 200],
      ['email', 254],
      ['mobile', 50],
      ['title', 200],
      ['employeeNumber', 50],
    ] as const) {
      const v = optText(p[key], max);
      if (v === false) return fail('person', id, `invalid_${key}`, `${key} must be text of at most ${max} characters`);
      if (v !== undefined) (person as unknown as Record<string, string | null>)[key] = v;
    }
    if (person.name === null) return fail('person', id, 'invalid_name', 'name may not be empty');
    if (p.departmentIds !== undefined) {
      const depts = idList(p.departmentIds);
      if (depts === null) return fail('person', id, 'invalid_departments', 'departmentIds must be a list of text ids');
      person.departmentIds = depts;
    }
    if (p.primaryDepartmentId !== undefined) {
      const primary = p.primaryDepartmentId === null ? null : vendorId(p.primaryDepartmentId);
      if (primary === null && p.primaryDepartmentId !== null) return fail('person', id, 'invalid_departments', 'primaryDepartmentId must be a text id');
      person.primaryDepartmentId = primary;
    }
    out.people.push(person);
  });
  return out;
}
