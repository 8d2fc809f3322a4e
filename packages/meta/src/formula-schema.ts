// The adapter from a tenant's registry to what the formula type checker resolves names against.
// Meta sits below @attain/formula, so the shapes are declared here structurally; they are
// assignable to @attain/formula's FormulaSchema / FormulaObject / FormulaField.
import type { MetaIssue } from './errors.ts';
import type { FieldDef, ObjectDef, ObjectDoc, Storage } from './model.ts';
import { normalizeObject } from './normalize-object.ts';
import { inverseRelationsOf, type InverseRelation } from './registry.ts';

/** What the formula schema reads: a Registry, or objects normalised from plain documents. */
export interface FormulaSource {
  object(name: string): ObjectDef | undefined;
  inverseRelations(name: string): InverseRelation[];
}

export type FormulaValueType = 'number' | 'money' | 'percent' | 'integer' | 'text' | 'boolean' | 'date' | 'datetime';

export interface FormulaSchemaField {
  name: string;
  column: string;
  type: FormulaValueType;
  /** Target object of a many-to-one reference. */
  ref?: string;
  /** A formula field's expression (the checker uses it in place of the field). */
  formula?: string;
}

export interface FormulaSchemaObject {
  name: string;
  table: string;
  field(name: string): FormulaSchemaField | undefined;
  children(name: string): { object: string; foreignKey: string } | undefined;
  fieldNames(): string[];
  childNames(): string[];
}

export interface FormulaSchema {
  object(name: string): FormulaSchemaObject | undefined;
  /** Rate tables (TIER/LOOKUP) are not in the metadata yet. */
  rateTable(name: string): undefined;
}

const TYPE_OF: Record<Storage, FormulaValueType | undefined> = {
  text: 'text',
  long_text: 'text',
  email: 'text',
  phone: 'text',
  url: 'text',
  enum: 'text',
  ref: 'text',
  integer: 'integer',
  decimal: 'number',
  money: 'money',
  percent: 'percent',
  boolean: 'boolean',
  date: 'date',
  datetime: 'datetime',
  // A list of values has no formula type.
  multi_enum: undefined,
};

/** The formula type a field's storage reads as, or undefined when formulas cannot use it. */
export function formulaTypeOfStorage(storage: Storage): FormulaValueType | undefined {
  return TYPE_OF[storage];
}

/**
 * Fields a formula may read. A formula field is offered with its expression, which the checker puts
 * in its place: a non-stored one has no column, and a stored one is recomputed in the same
 * statement as the others, so reading its column would see the old value. Ref fields are readable
 * as their id and, under the name without `_id`, as a hop (`customer.name` for `customer_id`).
 */
function formulaFields(object: ObjectDef): Map<string, FormulaSchemaField> {
  const out = new Map<string, FormulaSchemaField>();
  const add = (f: FieldDef) => {
    const type = TYPE_OF[f.storage];
    if (!type) return;
    const entry: FormulaSchemaField = { name: f.name, column: f.column, type, ...(f.ref ? { ref: f.ref.object } : {}), ...(f.formula ? { formula: f.formula.expression } : {}) };
    out.set(f.name, entry);
  };
  for (const f of object.systemFields) add(f);
  for (const f of object.fields) add(f);
  for (const f of [...object.systemFields, ...object.fields]) {
    if (!f.ref || f.formula || !f.name.endsWith('_id')) continue;
    const alias = f.name.slice(0, -3);
    if (alias && !out.has(alias)) out.set(alias, { name: alias, column: f.column, type: 'text', ref: f.ref.object });
  }
  return out;
}

/**
 * The formula schema over object documents that have not been through a Registry (the studio holds
 * documents trimmed to what the user may read). Same rules as on the server, so the editor's check
 * and the plan-time check agree.
 */
export function formulaSchemaForDocs(docs: readonly ObjectDoc[]): FormulaSchema {
  const ignored: MetaIssue[] = [];
  const objects = docs.map((doc) => normalizeObject(doc, ignored));
  const byName = new Map(objects.map((o) => [o.name, o]));
  const inverses = inverseRelationsOf(objects);
  return formulaSchemaFor({ object: (name) => byName.get(name), inverseRelations: (name) => inverses.get(name) ?? [] });
}

/** The formula schema of a registry: objects, fields, and one-to-many relations as children. */
export function formulaSchemaFor(registry: FormulaSource): FormulaSchema {
  const cache = new Map<string, FormulaSchemaObject>();
  const build = (object: ObjectDef): FormulaSchemaObject => {
    const fields = formulaFields(object);
    const children = new Map<string, { object: string; foreignKey: string }>();
    for (const inv of registry.inverseRelations(object.name)) {
      const child = registry.object(inv.object);
      const link = child?.fields.find((f) => f.name === inv.field);
      if (!child || !link || fields.has(inv.name) || (link.formula && !link.formula.stored)) continue;
      children.set(inv.name, { object: child.name, foreignKey: link.column });
    }
    return {
      name: object.name,
      table: object.table,
      field: (name) => fields.get(name),
      children: (name) => children.get(name),
      fieldNames: () => [...fields.keys()],
      childNames: () => [...children.keys()],
    };
  };
  return {
    object(name) {
      const hit = cache.get(name);
      if (hit) return hit;
      const object = registry.object(name);
      if (!object) return undefined;
      const built = build(object);
      cache.set(name, built);
      return built;
    },
    rateTable: () => undefined,
  };
}
