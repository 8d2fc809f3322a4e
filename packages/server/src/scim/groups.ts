// SCIM Group ↔ Attain `org_unit` record; a Group's members are the users whose `org_unit_id` is
// the unit, so membership is written on the user records and the org service follows it.
import type { Rec } from '@attain/store';
import { invalidValue } from './errors.ts';
import type { AttributeMap } from './filter.ts';
import { GROUP_SCHEMA, isObject, keyOf, type Json } from './schemas.ts';

const iso = (v: unknown) => (typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : undefined);

export function toScimGroup(r: Rec, members: readonly Rec[] | undefined, base: string): Json {
  return {
    schemas: [GROUP_SCHEMA],
    id: r.id,
    ...(typeof r.external_id === 'string' ? { externalId: r.external_id } : {}),
    displayName: r.name,
    ...(members ? { members: members.map((m) => ({ value: m.id, $ref: `${base}/Users/${m.id}`, display: m.name, type: 'User' })) } : {}),
    meta: { resourceType: 'Group', created: iso(r.created_at), lastModified: iso(r.updated_at), location: `${base}/Groups/${r.id}`, version: `W/"${r.version}"` },
  };
}

/** The unit fields a full Group states, and the member ids it lists (undefined: members not stated). */
export function fromScimGroup(body: Json): { data: Record<string, unknown>; members: string[] | undefined } {
  const name = body[keyOf(body, 'displayName')];
  if (typeof name !== 'string' || name.trim() === '' || name.length > 100) throw invalidValue('/displayName', 'required', 'displayName must be a non-empty text of at most 100 characters');
  const data: Record<string, unknown> = { name: name.trim() };
  const externalId = body[keyOf(body, 'externalId')];
  if (externalId !== undefined) {
    if (externalId !== null && (typeof externalId !== 'string' || externalId.length > 255)) throw invalidValue('/externalId', 'type', 'externalId must be a text of at most 255 characters');
    data.external_id = externalId === '' ? null : externalId;
  }
  const list = body[keyOf(body, 'members')];
  if (list === undefined || list === null) return { data, members: list === null ? [] : undefined };
  if (!Array.isArray(list) || list.length > 10_000) throw invalidValue('/members', 'type', 'members must be a list of at most 10000 members');
  const members = list.map((m, i) => {
    const value = isObject(m) ? m[keyOf(m, 'value')] : undefined;
    if (typeof value !== 'string' || value === '') throw invalidValue(`/members/${i}/value`, 'required', 'a member needs the value (id) of a User');
    return value.toLowerCase();
  });
  return { data, members: [...new Set(members)] };
}

const GROUP_FILTERS: Record<string, NonNullable<ReturnType<AttributeMap>>> = {
  id: { field: 'id', type: 'string' },
  displayname: { field: 'name', type: 'string' },
  externalid: { field: 'external_id', type: 'string' },
  'meta.lastmodified': { field: 'updated_at', type: 'datetime' },
  'meta.created': { field: 'created_at', type: 'datetime' },
};

export const groupAttributes: AttributeMap = (path) => {
  const lower = path.toLowerCase();
  const prefix = `${GROUP_SCHEMA.toLowerCase()}:`;
  return GROUP_FILTERS[lower.startsWith(prefix) ? lower.slice(prefix.length) : lower];
};
