// SCIM User ↔ Attain `user` record. The record is the one truth: userName is the login email,
// displayName the name, the enterprise manager the `manager_id` the org service follows.
import type { Rec } from '@attain/store';
import { invalidValue } from './errors.ts';
import type { AttributeMap } from './filter.ts';
import { ENTERPRISE_SCHEMA, isObject, keyOf, USER_SCHEMA, type Json } from './schemas.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface UserContext {
  base: string;
  /** Unit names by id, for `department` and `groups`. */
  unitName: (id: string) => string | undefined;
  /** Whether the tenant's user object has an `employee_number` field. */
  employeeNumber: boolean;
  /** Whether the tenant's user object has `given_name` and `family_name` fields. */
  nameParts: boolean;
}

const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/**
 * name.givenName/familyName: the record's `given_name`/`family_name` when the tenant keeps them,
 * else read off `name` (family name after the last space), so Okta's required name parts are
 * never empty for a two-part name.
 */
function nameOf(r: Rec, parts: boolean): Json {
  const full = String(r.name ?? '');
  const cut = full.trim().lastIndexOf(' ');
  const given = (parts ? str(r.given_name) : undefined) ?? (cut > 0 ? full.slice(0, cut).trim() : str(full));
  const family = (parts ? str(r.family_name) : undefined) ?? (cut > 0 ? full.slice(cut + 1) : undefined);
  return { formatted: r.name, ...(given ? { givenName: given } : {}), ...(family ? { familyName: family } : {}) };
}

const iso = (v: unknown) => (typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : undefined);

export function toScimUser(r: Rec, ctx: UserContext): Json {
  const unit = typeof r.org_unit_id === 'string' ? r.org_unit_id : undefined;
  const unitName = unit ? ctx.unitName(unit) : undefined;
  const enterprise: Json = {};
  if (typeof r.manager_id === 'string') enterprise.manager = { value: r.manager_id, $ref: `${ctx.base}/Users/${r.manager_id}` };
  if (unitName) enterprise.department = unitName;
  if (ctx.employeeNumber && typeof r.employee_number === 'string') enterprise.employeeNumber = r.employee_number;
  return {
    schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
    id: r.id,
    ...(typeof r.external_id === 'string' ? { externalId: r.external_id } : {}),
    userName: r.email,
    name: nameOf(r, ctx.nameParts),
    displayName: r.name,
    active: r.active !== false,
    emails: typeof r.email === 'string' ? [{ value: r.email, type: 'work', primary: true }] : [],
    groups: unit ? [{ value: unit, $ref: `${ctx.base}/Groups/${unit}`, ...(unitName ? { display: unitName } : {}) }] : [],
    [ENTERPRISE_SCHEMA]: enterprise,
    meta: { resourceType: 'User', created: iso(r.created_at), lastModified: iso(r.updated_at), location: `${ctx.base}/Users/${r.id}`, version: `W/"${r.version}"` },
  };
}

/** Entra ID sends booleans as "True"/"False" text; anything else is refused, never guessed. */
export function scimBoolean(value: unknown, path: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw invalidValue(path, 'type', `${path} must be true or false`);
}

function text(value: unknown, path: string, max = 320): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) throw invalidValue(path, 'type', `${path} must be a non-empty text of at most ${max} characters`);
  return value.trim();
}

function field(obj: Json, name: string): unknown {
  return obj[keyOf(obj, name)];
}

function primaryEmail(emails: unknown): string | undefined {
  if (!Array.isArray(emails)) return undefined;
  const list = emails.filter(isObject);
  const pick = list.find((e) => e.primary === true || e.primary === 'True' || e.primary === 'true') ?? list.find((e) => String(e.type ?? '').toLowerCase() === 'work') ?? list[0];
  return typeof pick?.value === 'string' ? pick.value : undefined;
}

/**
 * The record fields a full SCIM User states (POST, PUT, and PATCH after its operations). Fields
 * it does not state are left out, so the write leaves them as they are; `unitByName` resolves
 * `department` to an org unit.
 */
export function fromScimUser(body: Json, ctx: { unitByName: (name: string) => string | undefined; employeeNumber: boolean; nameParts?: boolean }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const userName = text(field(body, 'userName'), '/userName');
  const email = EMAIL.test(userName) ? userName : primaryEmail(field(body, 'emails'));
  if (!email || !EMAIL.test(email)) throw invalidValue('/userName', 'format', 'userName must be an email address, or emails must carry one (Attain signs people in by email)');
  out.email = email.toLowerCase();
  const nameObj = field(body, 'name');
  const displayName = field(body, 'displayName');
  const formatted = isObject(nameObj) ? field(nameObj, 'formatted') : undefined;
  const parts = isObject(nameObj) ? [field(nameObj, 'givenName'), field(nameObj, 'familyName')].filter((p): p is string => typeof p === 'string' && p.trim() !== '') : [];
  const name = [displayName, formatted, parts.join(' ')].find((v): v is string => typeof v === 'string' && v.trim() !== '') ?? userName;
  out.name = text(name, '/displayName', 100);
  if (ctx.nameParts && isObject(nameObj)) {
    // A stated part is kept as sent; an empty one clears it (a PUT without it states none).
    const given = field(nameObj, 'givenName');
    const family = field(nameObj, 'familyName');
    out.given_name = typeof given === 'string' && given.trim() !== '' ? text(given, '/name/givenName', 100) : null;
    out.family_name = typeof family === 'string' && family.trim() !== '' ? text(family, '/name/familyName', 100) : null;
  }
  const active = field(body, 'active');
  if (active !== undefined && active !== null) out.active = scimBoolean(active, '/active');
  const externalId = field(body, 'externalId');
  // A full resource without externalId states none (PUT replaces; a PATCH removed it).
  out.external_id = externalId === undefined || externalId === null || externalId === '' ? null : text(externalId, '/externalId', 255);
  const ext = field(body, ENTERPRISE_SCHEMA);
  if (isObject(ext)) {
    const manager = field(ext, 'manager');
    const managerId = isObject(manager) ? field(manager, 'value') : manager;
    // The extension without a manager states "no manager" (a PATCH remove, or a PUT leaving it out).
    out.manager_id = managerId === undefined || managerId === null || managerId === '' ? null : text(managerId, `/${ENTERPRISE_SCHEMA}/manager/value`, 100);
    const department = field(ext, 'department');
    if (typeof department === 'string' && department.trim() !== '') {
      const unit = ctx.unitByName(department.trim());
      if (!unit) throw invalidValue(`/${ENTERPRISE_SCHEMA}/department`, 'unknown_reference', `no org unit (Group) is named ${JSON.stringify(department.slice(0, 100))}; create the Group first`);
      out.org_unit_id = unit;
    }
    const employeeNumber = field(ext, 'employeeNumber');
    if (ctx.employeeNumber && employeeNumber !== undefined)
      out.employee_number = employeeNumber === null || employeeNumber === '' ? null : text(employeeNumber, `/${ENTERPRISE_SCHEMA}/employeeNumber`, 100);
  }
  return out;
}

/** Filterable User attributes (lower case, schema URN stripped). */
const USER_FILTERS: Record<string, NonNullable<ReturnType<AttributeMap>>> = {
  id: { field: 'id', type: 'string' },
  username: { field: 'email', type: 'string', lower: true },
  emails: { field: 'email', type: 'string', lower: true },
  'emails.value': { field: 'email', type: 'string', lower: true },
  // The one email Attain keeps is the work one (Entra filters emails[type eq "work"]).
  'emails.type': { field: 'email', type: 'string', constant: 'work' },
  externalid: { field: 'external_id', type: 'string' },
  displayname: { field: 'name', type: 'string' },
  'name.formatted': { field: 'name', type: 'string' },
  // Without name-part fields, a part is looked for in the one name (`co`/`sw` find it there).
  'name.givenname': { field: 'name', type: 'string' },
  'name.familyname': { field: 'name', type: 'string' },
  active: { field: 'active', type: 'boolean' },
  'meta.lastmodified': { field: 'updated_at', type: 'datetime' },
  'meta.created': { field: 'created_at', type: 'datetime' },
  'manager.value': { field: 'manager_id', type: 'string' },
  manager: { field: 'manager_id', type: 'string' },
};

/** The filterable attributes; name parts land on their own fields when the tenant keeps them, else on the name. */
export const userAttributesFor =
  (nameParts: boolean): AttributeMap =>
  (path) => {
    const lower = path.toLowerCase().replace(`${USER_SCHEMA.toLowerCase()}:`, '');
    if (nameParts && lower === 'name.givenname') return { field: 'given_name', type: 'string' };
    if (nameParts && lower === 'name.familyname') return { field: 'family_name', type: 'string' };
    return userAttributes(path);
  };

export const userAttributes: AttributeMap = (path) => {
  const lower = path.toLowerCase();
  const bare = lower.startsWith(`${ENTERPRISE_SCHEMA.toLowerCase()}:`)
    ? lower.slice(ENTERPRISE_SCHEMA.length + 1)
    : lower.startsWith(`${USER_SCHEMA.toLowerCase()}:`)
      ? lower.slice(USER_SCHEMA.length + 1)
      : lower;
  return USER_FILTERS[bare];
};
