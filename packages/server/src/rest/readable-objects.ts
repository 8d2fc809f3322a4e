import type { FastifyInstance } from 'fastify';
import type { FieldSchema, ObjectDef, ObjectDoc } from '@attain/meta';
import { forbidden } from '../http/errors.ts';
import { isAdmin, objectPermission } from '../rbac/permissions.ts';
import { requireAccess } from './request-access.ts';
import { INTEGER, list, OBJECT, replies } from '../http/route-schema.ts';

/**
 * `GET /metadata/readable-objects`: the object documents a signed-in user may work with, for
 * navigation, lists and forms. A separate read model rather than a role-dependent answer from
 * the admin's `GET /metadata/objects`: that one returns the authored documents an admin edits
 * and PUTs back, and a trimmed copy must never be mistaken for one.
 *
 * Non-admins get the objects their role may read or create (the same rule as `/form`), with
 * every field the role may not see removed, together with anything that would name it:
 * `required`, indexes, validation rules, the title field, the tree's parent field, and formula
 * expressions (formula fields stay, read-only). Admins get the documents unchanged.
 */
export async function readableObjectRoutes(app: FastifyInstance): Promise<void> {
  app.get('/metadata/readable-objects', { schema: { response: replies({ 200: list(OBJECT, { revision: INTEGER }) }) } }, async (request) => {
    const access = requireAccess(request);
    const role = access.principal.role;
    const data: ObjectDoc[] = [];
    for (const object of access.registry.objects) {
      if (isAdmin(role)) {
        data.push(object.doc);
        continue;
      }
      const perm = objectPermission(role, object);
      if (!perm.actions.has('read') && !perm.actions.has('create')) continue;
      data.push(redactedDocument(object, perm.hiddenFields));
    }
    return { revision: access.registry.revision, data };
  });

  app.get('/metadata/roles', { schema: { response: replies({ 200: list(OBJECT, { revision: INTEGER }) }) } }, async (request) => {
    const access = requireAccess(request);
    if (!isAdmin(access.principal.role)) throw forbidden('only an admin role may read roles');
    return { revision: access.registry.revision, data: access.registry.documentsOf('role') };
  });
}

/** A copy of the object's document without the hidden fields or any mention of them. */
export function redactedDocument(object: ObjectDef, hidden: ReadonlySet<string>): ObjectDoc {
  const doc = structuredClone(object.doc);
  const mentions = (text: string) => [...hidden].some((name) => new RegExp(`(^|[^A-Za-z0-9_])${name}([^A-Za-z0-9_]|$)`).test(text));
  const properties: Record<string, FieldSchema | undefined> = {};
  for (const [name, field] of Object.entries(doc.schema.properties)) {
    if (!field || hidden.has(name)) continue;
    const x = field['x-attain'];
    if (x.formula) {
      // The expression may name hidden fields; the value is computed by the server anyway.
      delete x.formula;
      x.readOnly = true;
    }
    properties[name] = field;
  }
  doc.schema.properties = properties;
  if (doc.schema.required) doc.schema.required = doc.schema.required.filter((name) => !hidden.has(name));
  const x = doc['x-attain'];
  if (x) {
    if (x.titleField && hidden.has(x.titleField)) delete x.titleField;
    if (x.tree && hidden.has(x.tree.parentField)) delete x.tree;
    if (x.indexes) x.indexes = x.indexes.filter((i) => !i.fields.some((f) => hidden.has(f))) as typeof x.indexes;
    if (x.validationRules) x.validationRules = x.validationRules.filter((r) => !(r.field && hidden.has(r.field)) && !mentions(r.condition));
  }
  return doc;
}
