import type { ObjectDef, Registry, RoleDef } from '@attain/meta';

export type Action = 'read' | 'create' | 'update' | 'delete' | 'export' | 'approve';
export type Scope = 'own' | 'team' | 'all';

const ALL_ACTIONS: readonly Action[] = ['read', 'create', 'update', 'delete', 'export', 'approve'];
const SCOPE_RANK: Record<Scope, number> = { own: 0, team: 1, all: 2 };

/** What one role may do with one object. */
export interface ObjectPermission {
  actions: ReadonlySet<Action>;
  /** Record scope; always `all` for objects without owners. */
  scope: Scope;
  hiddenFields: ReadonlySet<string>;
  readOnlyFields: ReadonlySet<string>;
}

const NONE: ObjectPermission = { actions: new Set(), scope: 'own', hiddenFields: new Set(), readOnlyFields: new Set() };

/**
 * Resolves a role's permission on an object. Entries naming the object win over `*` entries;
 * several entries of the same kind are merged (actions united, widest scope, a field hidden or
 * read-only only if every entry says so). A missing scope means `own`: least privilege.
 */
export function objectPermission(role: RoleDef | undefined, object: ObjectDef): ObjectPermission {
  if (!role) return NONE;
  // Role and object definitions belong to one registry (one tenant revision) and never change,
  // so the answer is memoized on them and dies with the registry.
  let byObject = memo.get(role);
  if (!byObject) {
    byObject = new WeakMap();
    memo.set(role, byObject);
  }
  let perm = byObject.get(object);
  if (!perm) {
    perm = resolvePermission(role, object);
    byObject.set(object, perm);
  }
  return perm;
}

const memo = new WeakMap<RoleDef, WeakMap<ObjectDef, ObjectPermission>>();

function resolvePermission(role: RoleDef, object: ObjectDef): ObjectPermission {
  if (role.admin) return { actions: new Set(ALL_ACTIONS), scope: 'all', hiddenFields: new Set(), readOnlyFields: new Set() };
  const specific = role.permissions.filter((p) => p.object === object.name);
  const entries = specific.length ? specific : role.permissions.filter((p) => p.object === '*');
  if (!entries.length) return NONE;
  const actions = new Set<Action>();
  let scope: Scope = 'own';
  let hidden: Set<string> | undefined;
  let readOnly: Set<string> | undefined;
  for (const [i, entry] of entries.entries()) {
    for (const a of entry.actions) actions.add(a);
    const s = entry.scope ?? 'own';
    if (i === 0 || SCOPE_RANK[s] > SCOPE_RANK[scope]) scope = s;
    hidden = intersect(hidden, entry.hiddenFields ?? []);
    readOnly = intersect(readOnly, entry.readOnlyFields ?? []);
  }
  // A `*` entry may name fields other objects do not have; keep only this object's.
  const known = (names: Set<string> | undefined) => new Set([...(names ?? [])].filter((n) => object.fields.some((f) => f.name === n) || object.systemFields.some((f) => f.name === n)));
  return {
    actions,
    scope: object.owned ? scope : 'all',
    hiddenFields: known(hidden),
    readOnlyFields: known(readOnly),
  };
}

function intersect(acc: Set<string> | undefined, next: readonly string[]): Set<string> {
  if (!acc) return new Set(next);
  return new Set(next.filter((n) => acc.has(n)));
}

export function isAdmin(role: RoleDef | undefined): boolean {
  return role?.admin === true;
}

/** Objects a role can read at all (for listings such as OpenAPI or GraphQL entry points). */
export function readableObjects(registry: Registry, role: RoleDef | undefined): ObjectDef[] {
  return registry.objects.filter((o) => objectPermission(role, o).actions.has('read'));
}
