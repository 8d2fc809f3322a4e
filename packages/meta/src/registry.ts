import { MetaValidationError, type MetaIssue } from './errors.ts';
import { apiNameProblem } from './identifiers.ts';
import { metaKinds, type MetaDocBase, type ModuleDoc } from './kinds/index.ts';
import { allFields, findField, type FieldDef, type MetaDoc, type ObjectDef, type ObjectDoc, type RoleDef, type RoleDoc } from './model.ts';
import { normalizeObject } from './normalize-object.ts';
import { assertNoForbiddenKeys } from './parse.ts';
import { describeDocument, validateAgainstMetaSchema } from './validate.ts';

/** A one-to-many relation seen from its parent: customer.orders -> order.customer_id. */
export interface InverseRelation {
  name: string;
  /** The child object's api name. */
  object: string;
  /** The child's ref field pointing at the parent. */
  field: string;
  label: FieldDef['label'];
}

/**
 * The resolved, cross-checked view of one tenant's metadata at one revision. Immutable: a change
 * builds a new registry. Every SQL identifier the platform uses comes from here.
 */
export class Registry {
  /** Every document: the shipped kinds, typed, and the kinds modules registered (`ModuleDoc`). */
  readonly docs: readonly (MetaDoc | ModuleDoc)[];
  readonly revision: number;
  private readonly objectsByName: Map<string, ObjectDef>;
  private readonly objectsById: Map<string, ObjectDef>;
  private readonly rolesByName: Map<string, RoleDef>;
  private readonly inverses: Map<string, InverseRelation[]>;

  private constructor(docs: Array<MetaDoc | ModuleDoc>, objects: ObjectDef[], roles: RoleDef[], revision: number) {
    this.docs = docs;
    this.revision = revision;
    this.objectsByName = new Map(objects.map((o) => [o.name, o]));
    this.objectsById = new Map(objects.map((o) => [o.id, o]));
    this.rolesByName = new Map(roles.map((r) => [r.name, r]));
    this.inverses = inverseRelationsOf(objects);
  }

  /** Validates documents (meta-schema, names, cross references) and builds a registry, or throws with every issue. */
  static fromDocuments(input: readonly unknown[], revision = 0): Registry {
    const result = Registry.tryFromDocuments(input, revision);
    if (!result.ok) throw new MetaValidationError(result.issues);
    return result.registry;
  }

  static tryFromDocuments(input: readonly unknown[], revision = 0): { ok: true; registry: Registry } | { ok: false; issues: MetaIssue[] } {
    const issues: MetaIssue[] = [];
    const docs: Array<MetaDoc | ModuleDoc> = [];
    input.forEach((doc, i) => {
      const docIssues = checkDocument(doc, `document #${i + 1}`);
      if (docIssues.length) issues.push(...docIssues);
      else docs.push(normalized(doc as MetaDoc | ModuleDoc));
    });
    const objects: ObjectDef[] = [];
    const roles: RoleDef[] = [];
    const ids = new Map<string, string>();
    const names = new Map<string, string>();
    for (const doc of docs) {
      const document = describeDocument(doc, doc.id);
      const idOwner = ids.get(doc.id);
      if (idOwner) issues.push({ document, path: '/id', rule: 'duplicate_id', message: `id "${doc.id}" is already used by ${idOwner}` });
      ids.set(doc.id, document);
      const nameKey = `${doc.kind}:${doc.name}`;
      if (names.has(nameKey)) issues.push({ document, path: '/name', rule: 'duplicate_name', message: `another ${doc.kind} is already named "${doc.name}"` });
      names.set(nameKey, document);
      if (doc.kind === 'object') objects.push(normalizeObject(doc, issues));
      else if (doc.kind === 'role') roles.push(normalizeRole(doc, issues));
    }
    const registry = new Registry(docs, objects, roles, revision);
    registry.crossCheck(issues);
    // Every other kind checks its own references, in catalogue order (shipped kinds first).
    for (const def of metaKinds.list()) def.crossCheck?.(registry, issues);
    return issues.length ? { ok: false, issues } : { ok: true, registry };
  }

  private crossCheck(issues: MetaIssue[]): void {
    for (const object of this.objectsByName.values()) {
      const document = `object "${object.name}"`;
      for (const field of object.fields) {
        if (!field.ref) continue;
        if (!this.objectsByName.has(field.ref.object)) {
          issues.push({
            document,
            path: `/schema/properties/${field.name}/x-attain/ref/object`,
            rule: 'unknown_reference',
            message: `refers to object "${field.ref.object}", which does not exist`,
          });
        }
      }
      if (object.tree) {
        const parent = object.fields.find((f) => f.name === object.tree?.parentField);
        if (!parent || parent.ref?.object !== object.name) {
          issues.push({ document, path: '/x-attain/tree/parentField', rule: 'tree_parent', message: `must name a ref field of "${object.name}" pointing at "${object.name}" itself` });
        }
      }
      if (object.owned && !this.objectsByName.has('user')) {
        issues.push({ document, path: '/x-attain/owned', rule: 'unknown_reference', message: 'owned objects need a "user" object to own them' });
      }
      const inverseNames = new Set<string>();
      for (const inv of this.inverses.get(object.name) ?? []) {
        if (inverseNames.has(inv.name) || findField(object, inv.name)) {
          issues.push({
            document: `object "${inv.object}"`,
            path: `/schema/properties/${inv.field}/x-attain/ref/inverse`,
            rule: 'duplicate_name',
            message: `the relation name "${inv.name}" clashes with another field or relation of "${object.name}"`,
          });
        }
        inverseNames.add(inv.name);
      }
    }
    for (const role of this.rolesByName.values()) {
      role.permissions.forEach((perm, i) => {
        if (perm.object === '*') return;
        const object = this.objectsByName.get(perm.object);
        const document = `role "${role.name}"`;
        if (!object) {
          issues.push({ document, path: `/permissions/${i}/object`, rule: 'unknown_reference', message: `refers to object "${perm.object}", which does not exist` });
          return;
        }
        for (const key of ['hiddenFields', 'readOnlyFields'] as const) {
          for (const name of perm[key] ?? []) {
            if (!findField(object, name)) issues.push({ document, path: `/permissions/${i}/${key}`, rule: 'unknown_field', message: `names "${name}", which is not a field of "${object.name}"` });
          }
        }
      });
    }
  }

  get objects(): ObjectDef[] {
    return [...this.objectsByName.values()];
  }

  get roles(): RoleDef[] {
    return [...this.rolesByName.values()];
  }

  object(name: string): ObjectDef | undefined {
    return this.objectsByName.get(name);
  }

  objectById(id: string): ObjectDef | undefined {
    return this.objectsById.get(id);
  }

  role(name: string): RoleDef | undefined {
    return this.rolesByName.get(name);
  }

  /** One-to-many relations whose parent is the named object. */
  inverseRelations(objectName: string): InverseRelation[] {
    return this.inverses.get(objectName) ?? [];
  }

  field(objectName: string, fieldName: string): FieldDef | undefined {
    const object = this.object(objectName);
    return object ? findField(object, fieldName) : undefined;
  }

  allFields(objectName: string): FieldDef[] {
    const object = this.object(objectName);
    return object ? allFields(object) : [];
  }

  /** Documents of one kind, e.g. for export. */
  documentsOf<K extends MetaDoc['kind']>(kind: K): Extract<MetaDoc, { kind: K }>[] {
    return this.docs.filter((d): d is Extract<MetaDoc, { kind: K }> => d.kind === kind);
  }

  /** Documents of any registered kind, including the `<module>.<kind>` kinds modules add. */
  documentsOfKind(kind: string): MetaDocBase[] {
    return this.docs.filter((d) => d.kind === kind) as MetaDocBase[];
  }

  /** A registry with one document added or replaced (matched by id). */
  withDocument(doc: unknown, revision = this.revision): Registry {
    const id = (doc as { id?: unknown } | null)?.id;
    const rest = this.docs.filter((d) => d.id !== id);
    return Registry.fromDocuments([...rest, doc], revision);
  }
}

/** One-to-many relations seen from each parent, from the children's ref fields. */
export function inverseRelationsOf(objects: readonly ObjectDef[]): Map<string, InverseRelation[]> {
  const inverses = new Map<string, InverseRelation[]>();
  for (const child of objects) {
    for (const field of child.fields) {
      if (!field.ref) continue;
      const list = inverses.get(field.ref.object) ?? [];
      list.push({
        name: field.ref.inverse ?? `${child.name}_by_${field.name.replace(/_id$/, '')}`,
        object: child.name,
        field: field.name,
        label: field.ref.inverseLabel ?? child.pluralLabel,
      });
      inverses.set(field.ref.object, list);
    }
  }
  return inverses;
}

function checkDocument(doc: unknown, fallback: string): MetaIssue[] {
  try {
    assertNoForbiddenKeys(doc, describeDocument(doc, fallback));
  } catch (error) {
    if (error instanceof MetaValidationError) return error.issues;
    throw error;
  }
  return validateAgainstMetaSchema(doc, fallback);
}

// A kind's own normalisation (defaults filled, …), once the document is valid.
function normalized(doc: MetaDoc | ModuleDoc): MetaDoc | ModuleDoc {
  const def = metaKinds.get(doc.kind);
  // A kind's normalisation returns a document of the same kind (MetaKindDefinition.normalize).
  return def?.normalize ? (def.normalize(doc) as MetaDoc | ModuleDoc) : doc;
}

function normalizeRole(doc: RoleDoc, issues: MetaIssue[]): RoleDef {
  const problem = apiNameProblem(doc.name);
  if (problem) issues.push({ document: `role "${doc.name}"`, path: '/name', rule: 'reserved_name', message: problem });
  return { id: doc.id, name: doc.name, label: doc.label, admin: doc.admin ?? false, permissions: doc.permissions, doc };
}

export type { ObjectDoc };
