// Formula fields and validation rules of one object, type-checked against its registry and
// compiled to SQL once per (registry, object, tenant schema).
import { check, compileSql, usesExternal, type CheckedFormula, type CompiledSql, type FormulaError, type FormulaSchema, type FormulaType, type TNode } from '@attain/formula';
import { formulaSchemaFor, type FieldDef, type ObjectDef, type Registry, type ValidationRule } from '@attain/meta';
import { functionsOf } from './plugin-functions.ts';

export const ROOT_ALIAS = 't';

export interface CompiledFormulaField {
  field: FieldDef;
  checked: CheckedFormula;
  sql: CompiledSql;
  /** Root-object fields the formula reads (real field names, refs by their id field). */
  reads: Set<string>;
  /**
   * Calls a plugin function: its `sql` is a typed NULL placeholder, and reads fill the value in on
   * the host (host-fields.ts) in one batched plugin call per function and page of records.
   */
  host?: true;
}

export interface CompiledRule {
  rule: ValidationRule;
  checked: CheckedFormula;
  sql: CompiledSql;
}

export interface ObjectFormulas {
  /** Computed on read (no column). */
  computed: CompiledFormulaField[];
  /** Stored in a column, recomputed on write. */
  stored: CompiledFormulaField[];
  /** Active validation rules. */
  rules: CompiledRule[];
}

const schemas = new WeakMap<Registry, ReturnType<typeof formulaSchemaFor>>();
const compiled = new WeakMap<Registry, Map<string, ObjectFormulas>>();

export function schemaOf(registry: Registry): ReturnType<typeof formulaSchemaFor> {
  let s = schemas.get(registry);
  if (!s) {
    s = formulaSchemaFor(registry);
    schemas.set(registry, s);
  }
  return s;
}

/** Whether the caller may read a field (real field name) of an object, as `fieldsRead` names them. */
export type ReadableField = (object: string, field: string) => boolean;

/**
 * Type-check a formula against the whole registry. With `readable`, hints ("did you mean") only
 * offer fields and relations the caller may read: the schema has every field, and a hint must not
 * reveal one that RBAC hides. (Using a hidden field is still refused after the check: field_hidden.)
 */
export function checkFormula(
  registry: Registry,
  root: string,
  source: string,
  readable?: ReadableField,
  sqlOnly?: string,
): { ok: true; checked: CheckedFormula } | { ok: false; errors: FormulaError[] } {
  const schema = schemaOf(registry);
  const functions = functionsOf(registry)?.registry;
  const suggest =
    readable &&
    ((object: string, name: string) => {
      const o = schema.object(object);
      const field = o?.field(name);
      if (field) return readable(object, field.column);
      const child = o?.children(name);
      return child !== undefined && readable(child.object, child.foreignKey);
    });
  const r = check(source, { schema, root, ...(suggest ? { suggest } : {}), ...(functions ? { functions } : {}), ...(sqlOnly !== undefined ? { sqlOnly } : {}) });
  return r.ok ? { ok: true, checked: r } : { ok: false, errors: r.errors };
}

/** Where formulas run in SQL only, as a refusal of a plugin function names them. */
export const SQL_ONLY = {
  stored: 'stored formula fields',
  rules: 'validation rules',
  reports: 'reports and aggregates',
  sources: 'KPI measures and plan record sources',
  preview: 'the SQL preview',
} as const;

/**
 * Type-check a formula as the caller sees the metadata: fields and relations `readable` refuses
 * do not exist. A formula using one then fails like one naming a field that is not there, so
 * neither its name nor its type (say, "cannot combine percent and text") leaks.
 */
export function checkFormulaAsReader(registry: Registry, root: string, source: string, readable: ReadableField): { ok: true; checked: CheckedFormula } | { ok: false; errors: FormulaError[] } {
  const full = schemaOf(registry);
  const trimmed: FormulaSchema = {
    object: (name) => {
      const o = full.object(name);
      if (!o) return undefined;
      const children = o.children;
      const field = (f: string) => {
        const d = o.field(f);
        return d && readable(name, d.column) ? d : undefined;
      };
      const child = (c: string) => {
        const d = children?.(c);
        return d && readable(d.object, d.foreignKey) ? d : undefined;
      };
      return {
        name: o.name,
        table: o.table,
        field,
        children: child,
        ...(o.fieldNames ? { fieldNames: () => (o.fieldNames?.() ?? []).filter((f) => field(f) !== undefined) } : {}),
        ...(o.childNames ? { childNames: () => (o.childNames?.() ?? []).filter((c) => child(c) !== undefined) } : {}),
      };
    },
    rateTable: (name: string) => full.rateTable(name),
  };
  const functions = functionsOf(registry)?.registry;
  const r = check(source, { schema: trimmed, root, ...(functions ? { functions } : {}) });
  return r.ok ? { ok: true, checked: r } : { ok: false, errors: r.errors };
}

/** SQL for a checked formula over the root row aliased `t`; soft-deleted children never count. */
export function toSql(checked: CheckedFormula, schema: string): CompiledSql {
  return compileSql(checked, { alias: ROOT_ALIAS, schema, liveColumn: 'deleted_at' });
}

/** Every (object, field) a checked formula reads, by real field name (a ref hop names its id field). */
export function fieldsRead(checked: CheckedFormula): Array<{ object: string; field: string }> {
  const out: Array<{ object: string; field: string }> = [];
  const walk = (n: TNode): void => {
    switch (n.kind) {
      case 'field':
        for (const s of n.path.steps) out.push({ object: s.object, field: s.field.column });
        break;
      case 'unary':
        walk(n.arg);
        break;
      case 'binary':
        walk(n.left);
        walk(n.right);
        break;
      case 'call':
        n.args.forEach(walk);
        break;
      case 'aggregate':
        for (const s of n.collection.parentSteps) out.push({ object: s.object, field: s.field.column });
        out.push({ object: n.collection.childObject, field: n.collection.foreignKey });
        if (n.value) walk(n.value);
        if (n.condition) walk(n.condition);
        break;
      default:
        break;
    }
  };
  walk(checked.ast);
  return out;
}

/** The formulas of an object; a formula that no longer checks (metadata older than the checker) reads as null / is skipped. */
export function formulasOf(registry: Registry, object: ObjectDef, schema: string): ObjectFormulas {
  let perRegistry = compiled.get(registry);
  if (!perRegistry) {
    perRegistry = new Map();
    compiled.set(registry, perRegistry);
  }
  const key = `${schema}\u0000${object.name}\u0000${functionsOf(registry)?.key ?? ''}`;
  const hit = perRegistry.get(key);
  if (hit) return hit;
  const result: ObjectFormulas = { computed: [], stored: [], rules: [] };
  for (const field of object.fields) {
    if (!field.formula) continue;
    const r = checkFormula(registry, object.name, field.formula.expression, undefined, field.formula.stored ? SQL_ONLY.stored : undefined);
    if (!r.ok || !fitsStorage(r.checked.type, field).ok) {
      // It checked when applied (e.g. its plugin has been disabled since): it reads as null.
      if (!field.formula.stored) result.computed.push(unavailable(field, object.name));
      continue;
    }
    const reads = new Set(
      fieldsRead(r.checked)
        .filter((x) => x.object === object.name)
        .map((x) => x.field),
    );
    if (usesExternal(r.checked)) {
      result.computed.push({ field, checked: r.checked, sql: { sql: 'null', bindings: [], errorSql: null, type: r.checked.type, joins: [] }, reads, host: true });
      continue;
    }
    const entry = { field, checked: r.checked, sql: toSql(r.checked, schema), reads };
    (field.formula.stored ? result.stored : result.computed).push(entry);
  }
  for (const rule of object.validationRules) {
    if (rule.active === false) continue;
    const r = checkFormula(registry, object.name, rule.condition, undefined, SQL_ONLY.rules);
    if (!r.ok || (r.checked.type !== 'boolean' && r.checked.type !== 'null')) continue;
    result.rules.push({ rule, checked: r.checked, sql: toSql(r.checked, schema) });
  }
  perRegistry.set(key, result);
  return result;
}

/** A computed formula field that no longer checks: a typed NULL column, so reads keep working. */
function unavailable(field: FieldDef, root: string): CompiledFormulaField {
  const ast: TNode = { kind: 'literal', node: { kind: 'null', line: 1, column: 1, offset: 0, length: 0 }, type: 'null', value: null };
  return { field, checked: { ok: true, type: 'null', ast, root, source: 'NULL' }, sql: { sql: 'null', bindings: [], errorSql: null, type: 'null', joins: [] }, reads: new Set() };
}

const NUMERIC: ReadonlySet<FormulaType> = new Set(['number', 'money', 'percent', 'integer']);

/** Which result types a formula field of this storage accepts (NULL fits everything). */
export function fitsStorage(type: FormulaType, field: FieldDef): { ok: true } | { ok: false; expected: string } {
  if (type === 'null') return { ok: true };
  const accept = (types: FormulaType[], expected: string) => (types.includes(type) ? { ok: true as const } : { ok: false as const, expected });
  switch (field.storage) {
    case 'money':
      return accept(['money', 'number', 'integer'], 'money or a number');
    case 'decimal':
      return NUMERIC.has(type) ? { ok: true } : { ok: false, expected: 'a number' };
    case 'percent':
      return accept(['percent', 'number', 'integer'], 'a percent or a number');
    case 'integer':
      return accept(['integer', 'number'], 'a whole number');
    case 'text':
    case 'long_text':
    case 'email':
    case 'phone':
    case 'url':
    case 'enum':
      return accept(['text'], 'text');
    case 'boolean':
      return accept(['boolean'], 'true/false');
    case 'date':
      return accept(['date'], 'a date');
    case 'datetime':
      return accept(['datetime', 'date'], 'a date-time');
    default:
      return { ok: false, expected: `nothing (a ${field.storage} field cannot be a formula)` };
  }
}
