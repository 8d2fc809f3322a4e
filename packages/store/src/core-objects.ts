// The objects, fields and role the platform itself reads: logins and RBAC read `user`, the org
// service, team scope and approval chains read `user` and `org_unit`, and only an admin role may
// change metadata. Once a tenant has them, no plan, apply, rollback or CLI apply may remove,
// hide, rename or replace them, or everyone could be locked out of the tenant for good.
import type { Registry } from '@attain/meta';
import { StoreError, type ErrorDetail } from './errors.ts';

/** Core object name → the fields of it the server and engines depend on. */
export const CORE_OBJECTS: Readonly<Record<string, readonly string[]>> = {
  user: ['name', 'email', 'role', 'active', 'org_unit_id', 'manager_id'],
  org_unit: ['name', 'parent_id', 'head_id'],
};

const WHY: Readonly<Record<string, string>> = {
  user: 'logins, roles and approvals read it',
  org_unit: 'the org hierarchy, team scope and approval chains read it',
};

interface RawDoc {
  kind?: unknown;
  id?: unknown;
  name?: unknown;
  admin?: unknown;
  schema?: { properties?: Record<string, { 'x-attain'?: { id?: unknown } } | undefined> };
}

const raw = (docs: readonly unknown[]): RawDoc[] => docs.filter((d): d is RawDoc => Boolean(d) && typeof d === 'object' && !Array.isArray(d));

/**
 * What the next documents drop of the core that `current` has (by name, kept under the same id).
 * It reads the documents as sent, before they are validated, so removing a core object is named
 * as such rather than as the dangling references it leaves behind.
 */
export function coreProblems(current: Registry, nextDocs: readonly unknown[]): ErrorDetail[] {
  const docs = raw(nextDocs);
  const problems: ErrorDetail[] = [];
  for (const [name, fields] of Object.entries(CORE_OBJECTS)) {
    const before = current.object(name);
    if (!before) continue;
    const after = docs.find((d) => d.kind === 'object' && d.name === name);
    if (!after || after.id !== before.id) {
      problems.push({ path: `/objects/${name}`, rule: 'core_object_required', message: `the core object "${name}" (id "${before.id}") cannot be removed, renamed or replaced: ${WHY[name]}` });
      continue;
    }
    const properties = after.schema?.properties ?? {};
    for (const field of fields) {
      const was = before.fields.find((f) => f.name === field);
      if (!was) continue;
      const now = Object.hasOwn(properties, field) ? properties[field]?.['x-attain']?.id : undefined;
      if (now !== was.id) {
        problems.push({
          path: `/objects/${name}/fields/${field}`,
          rule: 'core_object_required',
          message: `the field "${field}" of the core object "${name}" (id "${was.id}") cannot be removed, renamed or replaced: ${WHY[name]}`,
        });
      }
    }
  }
  // Only an admin role may change metadata: the tenant keeps every admin role it has.
  for (const role of current.documentsOf('role').filter((r) => r.admin === true)) {
    if (!docs.some((d) => d.kind === 'role' && d.name === role.name && d.admin === true)) {
      problems.push({
        path: `/roles/${role.name}`,
        rule: 'core_object_required',
        message: `the admin role "${role.name}" cannot be removed or lose admin rights: without it nobody can administer the tenant`,
      });
    }
  }
  return problems;
}

export function assertCoreKept(current: Registry, nextDocs: readonly unknown[]): void {
  const problems = coreProblems(current, nextDocs);
  if (problems.length === 0) return;
  throw new StoreError(
    'core_object_required',
    problems.length === 1 && problems[0] ? `Refused: ${problems[0].message}; nothing was changed` : `Refused: ${problems.length} changes would remove what the platform needs; nothing was changed`,
    problems,
  );
}
