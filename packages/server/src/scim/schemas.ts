// The schema URNs of RFC 7643 and RFC 7644 that Attain serves.
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The key of `obj` naming `name`: SCIM attribute names are case-insensitive (RFC 7643 §2.1). */
export function keyOf(obj: Json, name: string): string {
  const lower = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower) ?? name;
}

/** Splits a leading schema URN off an attribute path: `urn:…:User:manager.value` → [urn, 'manager.value']. */
export function splitUrn(path: string): [string | undefined, string] {
  for (const urn of [ENTERPRISE_SCHEMA, USER_SCHEMA, GROUP_SCHEMA]) {
    if (path.length > urn.length && path.toLowerCase().startsWith(`${urn.toLowerCase()}:`)) return [urn, path.slice(urn.length + 1)];
    if (path.toLowerCase() === urn.toLowerCase()) return [urn, ''];
  }
  return [undefined, path];
}
