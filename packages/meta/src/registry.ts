import { MetaValidationError, type MetaIssue } from './errors.ts';
import { apiNameProblem } from './identifiers.ts';
import { allFields, findField, type ApprovalFlowDoc, type WorkflowActionDoc, type FieldDef, type MetaDoc, type ObjectDef, type ObjectDoc, type RoleDef, type RoleDoc } from './model.ts';
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
  readonly docs: readonly MetaDoc[];
  readonly revision: number;
  private readonly objectsByName: Map<string, ObjectDef>;
  private readonly objectsById: Map<string, ObjectDef>;
  private readonly rolesByName: Map<string, RoleDef>;
  private readonly inverses: Map<string, InverseRelation[]>;

  private constructor(docs: MetaDoc[], objects: ObjectDef[], roles: RoleDef[], revision: number) {
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

  static tryFromDocuments(
    input: readonly unknown[],
    revision = 0,
  ): { ok: true; registry: Registry } | { ok: false; issues: MetaIssue[] } {
    const issues: MetaIssue[] = [];
    const docs: MetaDoc[] = [];
    input.forEach((doc, i) => {
      const docIssues = checkDocument(doc, `document #${i + 1}`);
      if (docIssues.length) issues.push(...docIssues);
      else docs.push(doc as MetaDoc);
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
    registry.crossCheckGoals(issues);
    registry.crossCheckWorkflow(issues);
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
          issues.push({ document: `object "${inv.object}"`, path: `/schema/properties/${inv.field}/x-attain/ref/inverse`, rule: 'duplicate_name', message: `the relation name "${inv.name}" clashes with another field or relation of "${object.name}"` });
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

  private crossCheckGoals(issues: MetaIssue[]): void {
    const kpis = new Set<string>();
    for (const kpi of this.documentsOf('kpi')) {
      kpis.add(kpi.name);
      const document = `kpi "${kpi.name}"`;
      const object = this.objectsByName.get(kpi.object);
      if (!object) {
        issues.push({ document, path: '/object', rule: 'unknown_reference', message: `refers to object "${kpi.object}", which does not exist` });
        continue;
      }
      const date = findField(object, kpi.dateField);
      if (!date || (date.storage !== 'date' && date.storage !== 'datetime')) {
        issues.push({ document, path: '/dateField', rule: 'date_field', message: `must name a date or datetime field of "${object.name}"` });
      }
      const owner = findField(object, kpi.ownerField ?? 'owner_id');
      if (!owner || owner.ref?.object !== 'user') {
        issues.push({ document, path: '/ownerField', rule: 'owner_field', message: `must name a reference to user on "${object.name}"` });
      }
      (kpi.dimensions ?? []).forEach((name, i) => {
        if (!findField(object, name)) issues.push({ document, path: `/dimensions/${i}`, rule: 'unknown_field', message: `names "${name}", which is not a field of "${object.name}"` });
      });
      const m = kpi.measure;
      if ((m.aggregate === 'sum' || m.aggregate === 'avg' || m.aggregate === 'ratio') && !m.value) {
        issues.push({ document, path: '/measure/value', rule: 'required', message: `a ${m.aggregate} measure needs a value formula` });
      }
      if (m.aggregate === 'ratio' && !m.denominator) {
        issues.push({ document, path: '/measure/denominator', rule: 'required', message: 'a ratio measure needs a denominator' });
      }
    }
    for (const plan of this.documentsOf('target_plan')) {
      if (!kpis.has(plan.kpi)) issues.push({ document: `target_plan "${plan.name}"`, path: '/kpi', rule: 'unknown_reference', message: `refers to kpi "${plan.kpi}", which does not exist` });
      if (plan.periodMethod === 'weights' && !plan.periodWeights) {
        issues.push({ document: `target_plan "${plan.name}"`, path: '/periodWeights', rule: 'required', message: 'periodMethod "weights" needs 12 periodWeights' });
      }
    }
    // Incentive plans: the deep checks (tiers, caps, measures) are the engine's plan linter; here,
    // only what needs the rest of the metadata — goals targets must name an existing target plan.
    const targetPlans = new Set(this.documentsOf('target_plan').map((p) => p.name));
    for (const plan of this.documentsOf('incentive_plan')) {
      const document = `incentive_plan "${plan.name}"`;
      const seen = new Set<number>();
      plan.versions.forEach((v, i) => {
        if (seen.has(v.version)) issues.push({ document, path: `/versions/${i}/version`, rule: 'duplicate_version', message: `version ${v.version} appears twice` });
        seen.add(v.version);
        // A measure that is a KPI reads that KPI's actuals: the KPI must exist.
        v.measures.forEach((m, j) => {
          if (m.type === 'kpi' && m.kpi !== undefined && !kpis.has(m.kpi)) issues.push({ document, path: `/versions/${i}/measures/${j}/kpi`, rule: 'unknown_reference', message: `refers to kpi "${m.kpi}", which does not exist` });
        });
        if (v.targetSource !== 'goals') return;
        v.components.forEach((c, j) => {
          if (!c.target) return;
          const name = v.targetPlans?.[c.target] ?? c.target;
          if (!targetPlans.has(name)) issues.push({ document, path: `/versions/${i}/components/${j}/target`, rule: 'unknown_reference', message: `reads target "${c.target}" from goals, but there is no target_plan "${name}"` });
        });
      });
    }
  }

  // Approval flows and automation rules must point at objects, fields and flows that exist;
  // their formulas are type-checked by @attain/workflow, which sits above the formula package.
  private crossCheckWorkflow(issues: MetaIssue[]): void {
    const flows = new Set(this.documentsOf('approval_flow').map((f) => f.name));
    const recordFlows = new Set(this.documentsOf('approval_flow').filter((f) => (f.subject ?? 'record') === 'record').map((f) => f.name));
    const checkActions = (document: string, base: string, object: ObjectDef | undefined, actions: WorkflowActionDoc[] | undefined, hasRecord = true) => {
      (actions ?? []).forEach((a, i) => {
        const path = `${base}/${i}`;
        if (a.type === 'start_flow' && a.flow && !flows.has(a.flow)) issues.push({ document, path: `${path}/flow`, rule: 'unknown_reference', message: `refers to approval flow "${a.flow}", which does not exist` });
        if (a.type === 'start_flow' && a.flow && !recordFlows.has(a.flow) && flows.has(a.flow)) issues.push({ document, path: `${path}/flow`, rule: 'subject_mismatch', message: `starts approval flow "${a.flow}", which approves something other than a record` });
        if (a.type === 'start_flow' && !hasRecord) issues.push({ document, path, rule: 'needs_record', message: 'start_flow needs a triggering record' });
        if (a.type === 'update' && !hasRecord) issues.push({ document, path, rule: 'needs_record', message: 'update needs a triggering record' });
        const target = a.type === 'create' ? (a.object ? this.objectsByName.get(a.object) : undefined) : object;
        if (a.type === 'create' && !target) issues.push({ document, path: `${path}/object`, rule: 'unknown_reference', message: `refers to object "${String(a.object)}", which does not exist` });
        if ((a.type === 'update' || a.type === 'create') && target) {
          for (const name of Object.keys(a.set ?? {})) {
            const f = findField(target, name);
            if (!f || f.readOnly) issues.push({ document, path: `${path}/set/${name}`, rule: 'unknown_field', message: `"${name}" is not a writable field of "${target.name}"` });
          }
        }
      });
    };
    const subjectFlows = new Map<string, string>();
    for (const flow of this.documentsOf('approval_flow')) {
      const document = `approval_flow "${flow.name}"`;
      if (flow.subject && flow.subject !== 'record') {
        this.checkSubjectFlow(issues, document, flow, subjectFlows);
        checkActions(document, '/onApprove', undefined, flow.onApprove, false);
        checkActions(document, '/onReject', undefined, flow.onReject, false);
        continue;
      }
      const object = flow.object ? this.objectsByName.get(flow.object) : undefined;
      if (!object) {
        issues.push({ document, path: '/object', rule: 'unknown_reference', message: `refers to object "${flow.object}", which does not exist` });
        continue;
      }
      (flow.lockedFields ?? []).forEach((name, i) => {
        if (name !== '*' && !findField(object, name)) issues.push({ document, path: `/lockedFields/${i}`, rule: 'unknown_field', message: `names "${name}", which is not a field of "${object.name}"` });
      });
      const stepNames = new Set<string>();
      flow.steps.forEach((step, i) => {
        if (stepNames.has(step.name)) issues.push({ document, path: `/steps/${i}/name`, rule: 'duplicate_name', message: `another step is already named "${step.name}"` });
        stepNames.add(step.name);
        step.approvers.forEach((a, j) => {
          if (a.type === 'field' && a.field && findField(object, a.field)?.ref?.object !== 'user') {
            issues.push({ document, path: `/steps/${i}/approvers/${j}/field`, rule: 'unknown_field', message: `must name a reference to user on "${object.name}"` });
          }
          if (a.type === 'role' && a.role && !this.rolesByName.has(a.role)) issues.push({ document, path: `/steps/${i}/approvers/${j}/role`, rule: 'unknown_reference', message: `refers to role "${a.role}", which does not exist` });
        });
      });
      checkActions(document, '/onApprove', object, flow.onApprove);
      checkActions(document, '/onReject', object, flow.onReject);
    }
    for (const rule of this.documentsOf('automation')) {
      const document = `automation "${rule.name}"`;
      const object = rule.object ? this.objectsByName.get(rule.object) : undefined;
      if (rule.object && !object) issues.push({ document, path: '/object', rule: 'unknown_reference', message: `refers to object "${rule.object}", which does not exist` });
      if (rule.trigger.type === 'record' && !rule.object) issues.push({ document, path: '/object', rule: 'required', message: 'a record trigger needs an object' });
      (rule.trigger.changed ?? []).forEach((name, i) => {
        if (object && !findField(object, name)) issues.push({ document, path: `/trigger/changed/${i}`, rule: 'unknown_field', message: `names "${name}", which is not a field of "${object.name}"` });
      });
      checkActions(document, '/actions', object, rule.actions, Boolean(rule.object) || rule.trigger.type === 'record');
    }
  }

  // A flow on a subject owned by another module has no record: nothing in it may read one
  // (step conditions, field and owner approvers), and one active flow at most gates each kind.
  private checkSubjectFlow(issues: MetaIssue[], document: string, flow: ApprovalFlowDoc, seen: Map<string, string>): void {
    const kind = flow.subject ?? 'record';
    if (flow.active !== false) {
      const other = seen.get(kind);
      if (other) issues.push({ document, path: '/subject', rule: 'duplicate_subject', message: `approval flow "${other}" is already the active flow of "${kind}"` });
      else seen.set(kind, flow.name);
    }
    const stepNames = new Set<string>();
    flow.steps.forEach((step, i) => {
      if (stepNames.has(step.name)) issues.push({ document, path: `/steps/${i}/name`, rule: 'duplicate_name', message: `another step is already named "${step.name}"` });
      stepNames.add(step.name);
      if (step.condition) issues.push({ document, path: `/steps/${i}/condition`, rule: 'needs_record', message: `a ${kind} flow has no record for a step condition to read` });
      step.approvers.forEach((a, j) => {
        if (a.type === 'field' || a.type === 'owner') issues.push({ document, path: `/steps/${i}/approvers/${j}/type`, rule: 'needs_record', message: `a ${kind} flow has no record, so "${a.type}" approvers cannot resolve` });
        if (a.type === 'role' && a.role && !this.rolesByName.has(a.role)) issues.push({ document, path: `/steps/${i}/approvers/${j}/role`, rule: 'unknown_reference', message: `refers to role "${a.role}", which does not exist` });
      });
    });
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

function normalizeRole(doc: RoleDoc, issues: MetaIssue[]): RoleDef {
  const problem = apiNameProblem(doc.name);
  if (problem) issues.push({ document: `role "${doc.name}"`, path: '/name', rule: 'reserved_name', message: problem });
  return { id: doc.id, name: doc.name, label: doc.label, admin: doc.admin ?? false, permissions: doc.permissions, doc };
}

export type { ObjectDoc };
