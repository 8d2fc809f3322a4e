import safeRegex from 'safe-regex2';
import type { MetaIssue } from './errors.ts';
import { apiNameProblem, isSystemFieldName } from './identifiers.ts';
import type { FieldDef, FieldSchema, IndexSpec, ObjectDef, ObjectDoc, Storage } from './model.ts';
import { DEFAULT_TEXT_LENGTH, STORAGE_JSON_TYPE, decimalShape, inferStorage } from './storage.ts';
import { checkDecimal } from './decimal/check.ts';
import { currencyScale } from './decimal/currency-scale.ts';

const TEXT_LIKE = new Set<Storage>(['text', 'email', 'phone', 'url']);

/** Turns a schema-valid object document into the resolved model, collecting every problem. */
export function normalizeObject(doc: ObjectDoc, issues: MetaIssue[]): ObjectDef {
  const document = `object "${doc.name}"`;
  const issue = (path: string, rule: string, message: string) => issues.push({ document, path, rule, message });
  const nameProblem = apiNameProblem(doc.name);
  if (nameProblem) issue('/name', 'reserved_name', nameProblem);

  const opts = doc['x-attain'] ?? {};
  const required = new Set(doc.schema.required ?? []);
  for (const name of required) {
    if (!doc.schema.properties[name]) issue('/schema/required', 'unknown_field', `lists "${name}" as required, but there is no such field`);
  }

  const fieldIds = new Set<string>();
  const fields: FieldDef[] = [];
  for (const [name, schema] of Object.entries(doc.schema.properties)) {
    if (!schema) continue;
    const path = `/schema/properties/${name}`;
    const problem = apiNameProblem(name);
    if (problem) issue(path, 'reserved_name', `field name ${problem}`);
    if (isSystemFieldName(name)) issue(path, 'reserved_name', `"${name}" is a platform field every object already has`);
    const id = schema['x-attain'].id;
    if (fieldIds.has(id)) issue(`${path}/x-attain/id`, 'duplicate_id', `field id "${id}" is used by another field`);
    fieldIds.add(id);
    fields.push(normalizeField(name, schema, required.has(name), path, issue));
  }

  const names = new Set(fields.map((f) => f.name));
  const titleField = opts.titleField ?? fields.find((f) => TEXT_LIKE.has(f.storage))?.name ?? 'id';
  if (opts.titleField && !names.has(opts.titleField)) issue('/x-attain/titleField', 'unknown_field', `names "${opts.titleField}", which is not a field of this object`);

  // A money field's currency column must be a text or enum field of this object (it holds ISO codes).
  for (const f of fields) {
    if (!f.currencyField) continue;
    const target = fields.find((x) => x.name === f.currencyField);
    const at = `/schema/properties/${f.name}/x-attain/currencyField`;
    if (!target) issue(at, 'unknown_field', `names "${f.currencyField}", which is not a field of this object`);
    else if (target.storage !== 'text' && target.storage !== 'enum') issue(at, 'storage_type', `names "${f.currencyField}", a ${target.storage} field; the currency must be a text or enum field`);
  }

  const indexes: IndexSpec[] = [];
  const indexIds = new Set<string>();
  for (const [i, idx] of (opts.indexes ?? []).entries()) {
    if (indexIds.has(idx.id)) issue(`/x-attain/indexes/${i}/id`, 'duplicate_id', `index id "${idx.id}" is used twice`);
    indexIds.add(idx.id);
    for (const f of idx.fields) {
      if (!names.has(f) && !isSystemFieldName(f)) issue(`/x-attain/indexes/${i}/fields`, 'unknown_field', `names "${f}", which is not a field of this object`);
    }
    indexes.push({ id: idx.id, fields: idx.fields, unique: idx.unique ?? false });
  }

  const ruleIds = new Set<string>();
  for (const [i, rule] of (opts.validationRules ?? []).entries()) {
    if (ruleIds.has(rule.id)) issue(`/x-attain/validationRules/${i}/id`, 'duplicate_id', `rule id "${rule.id}" is used twice`);
    ruleIds.add(rule.id);
    if (rule.field && !names.has(rule.field)) issue(`/x-attain/validationRules/${i}/field`, 'unknown_field', `names "${rule.field}", which is not a field of this object`);
  }

  const owned = opts.owned ?? true;
  return {
    id: doc.id,
    name: doc.name,
    table: doc.name,
    label: doc.label,
    pluralLabel: doc.pluralLabel ?? doc.label,
    ...(doc.description !== undefined ? { description: doc.description } : {}),
    titleField,
    owned,
    ...(opts.tree ? { tree: opts.tree } : {}),
    fields,
    systemFields: systemFields(doc.id, owned),
    indexes,
    validationRules: opts.validationRules ?? [],
    doc,
  };
}

type IssueFn = (path: string, rule: string, message: string) => void;

function normalizeField(name: string, schema: FieldSchema, required: boolean, path: string, issue: IssueFn): FieldDef {
  const opts = schema['x-attain'];
  const storage = inferStorage(schema);
  const expectedType = STORAGE_JSON_TYPE[storage];
  if (schema.type && schema.type !== expectedType && !(expectedType === 'number' && schema.type === 'integer')) {
    issue(`${path}/type`, 'storage_type', `storage "${storage}" needs type "${expectedType}", not "${schema.type}"`);
  }
  let enumValues: string[] | undefined;
  if (storage === 'enum' || storage === 'multi_enum') {
    const fromSchema = storage === 'enum' ? schema.enum : schema.items?.enum;
    const fromOptions = opts.options?.map((o) => o.value);
    enumValues = fromSchema ?? fromOptions;
    if (!enumValues) issue(path, 'enum_values', `an ${storage} field needs its values in "enum" or x-attain "options"`);
    if (fromSchema && fromOptions && fromSchema.join('\u0000') !== fromOptions.join('\u0000')) {
      issue(`${path}/x-attain/options`, 'enum_values', 'options must list the same values, in the same order, as "enum"');
    }
  } else if (schema.enum) {
    issue(`${path}/enum`, 'storage_type', `"enum" is only allowed on enum fields, not on storage "${storage}"`);
  }
  if (storage === 'ref' && !opts.ref) issue(`${path}/x-attain`, 'required', 'a ref field needs x-attain "ref" naming the target object');
  if (opts.ref && storage !== 'ref') issue(`${path}/x-attain/ref`, 'storage_type', `"ref" is only allowed on ref fields, not on storage "${storage}"`);
  if (schema.pattern !== undefined) {
    let ok = true;
    try {
      new RegExp(schema.pattern, 'u');
    } catch {
      ok = false;
      issue(`${path}/pattern`, 'pattern_syntax', 'is not a valid regular expression');
    }
    if (ok && !safeRegex(schema.pattern)) issue(`${path}/pattern`, 'pattern_unsafe', 'could take exponential time to match (nested repetition); simplify it');
  }
  if (schema.minimum !== undefined && schema.maximum !== undefined && schema.minimum > schema.maximum) {
    issue(`${path}/minimum`, 'range', 'minimum is greater than maximum');
  }
  const dec = storage === 'decimal' || storage === 'money' || storage === 'percent' ? decimalShape(storage, opts.precision, opts.scale) : undefined;
  if (dec && dec.scale > dec.precision) issue(`${path}/x-attain/scale`, 'range', 'scale cannot exceed precision');
  if (schema.default !== undefined) {
    const problem = defaultProblem(storage, schema.default, enumValues);
    if (problem) issue(`${path}/default`, 'default_type', problem);
    else if (dec) {
      // A default every new record would be refused for (too many decimals, out of bounds) is caught here.
      const scale = storage === 'money' && opts.currency ? Math.min(dec.scale, currencyScale(opts.currency)) : dec.scale;
      const c = checkDecimal(schema.default, {
        ...dec,
        scale,
        ...(schema.minimum !== undefined ? { minimum: schema.minimum } : {}),
        ...(schema.maximum !== undefined ? { maximum: schema.maximum } : {}),
      });
      if (!c.ok) issue(`${path}/default`, `default_${c.rule}`, c.message);
    }
  }
  if (opts.formula && required) issue(`${path}/x-attain/formula`, 'formula_required', 'a formula field is computed, so it cannot be required');

  const field: FieldDef = {
    id: opts.id,
    name,
    column: name,
    label: opts.label ?? { en: schema.title ?? humanize(name) },
    storage,
    required,
    system: false,
    readOnly: Boolean(opts.readOnly || opts.formula),
    unique: opts.unique ?? false,
    indexed: opts.indexed ?? storage === 'ref',
    searchable: opts.searchable ?? false,
    ui: opts.ui ?? {},
  };
  if (schema.description !== undefined) field.description = schema.description;
  if (TEXT_LIKE.has(storage)) field.maxLength = schema.maxLength ?? DEFAULT_TEXT_LENGTH;
  else if (schema.maxLength !== undefined) field.maxLength = schema.maxLength;
  if (dec) {
    field.precision = dec.precision;
    field.scale = dec.scale;
  }
  if (schema.minimum !== undefined) field.minimum = schema.minimum;
  if (schema.maximum !== undefined) field.maximum = schema.maximum;
  if (schema.pattern !== undefined) field.pattern = schema.pattern;
  if (enumValues) field.enumValues = enumValues;
  if (opts.options) field.options = opts.options;
  if (schema.default !== undefined) field.default = schema.default;
  if (opts.currency) field.currency = opts.currency;
  if (opts.currencyField) {
    if (storage !== 'money') issue(`${path}/x-attain/currencyField`, 'storage_type', `"currencyField" is only allowed on money fields, not on storage "${storage}"`);
    else if (opts.currency) issue(`${path}/x-attain/currencyField`, 'conflict', 'a money field has either a fixed "currency" or a "currencyField", not both');
    else field.currencyField = opts.currencyField;
  }
  if (opts.ref) {
    field.ref = { object: opts.ref.object, onDelete: opts.ref.onDelete ?? (required ? 'restrict' : 'set_null') };
    if (opts.ref.inverse) field.ref.inverse = opts.ref.inverse;
    if (opts.ref.inverseLabel) field.ref.inverseLabel = opts.ref.inverseLabel;
  }
  if (opts.formula) field.formula = { expression: opts.formula.expression, stored: opts.formula.stored ?? false };
  return field;
}

function defaultProblem(storage: Storage, value: string | number | boolean, enumValues?: string[]): string | undefined {
  const type = STORAGE_JSON_TYPE[storage];
  if (type === 'string' && typeof value !== 'string') return 'must be a text value for this field';
  if ((type === 'number' || type === 'integer') && typeof value !== 'number') return 'must be a number for this field';
  if (type === 'integer' && !Number.isInteger(value)) return 'must be a whole number for this field';
  if (type === 'boolean' && typeof value !== 'boolean') return 'must be true or false for this field';
  if (type === 'array') return 'multi-value fields cannot have a default';
  if (storage === 'enum' && enumValues && !enumValues.includes(String(value))) return `must be one of the field's values: ${enumValues.join(', ')}`;
  if (storage === 'ref') return 'ref fields cannot have a default';
  if (storage === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(String(value))) return 'must be a date like 2026-01-31';
  return undefined;
}

export function humanize(name: string): string {
  const words = name.replace(/_id$/, '').split('_').filter(Boolean);
  return words.map((w, i) => (i === 0 ? w.charAt(0).toUpperCase() + w.slice(1) : w)).join(' ');
}

function systemFields(objectId: string, owned: boolean): FieldDef[] {
  const base = (name: string, storage: Storage, label: Record<string, string> & { en: string }, extra: Partial<FieldDef> = {}): FieldDef => ({
    id: `${objectId}#${name}`,
    name,
    column: name,
    label,
    storage,
    required: false,
    system: true,
    readOnly: true,
    unique: false,
    indexed: false,
    searchable: false,
    ui: {},
    ...extra,
  });
  const fields = [
    base('id', 'text', { en: 'ID', 'zh-CN': '编号' }, { required: true, unique: true }),
    base('external_id', 'text', { en: 'External ID', 'zh-CN': '外部编号' }, { readOnly: false, unique: true, maxLength: DEFAULT_TEXT_LENGTH }),
    base('created_at', 'datetime', { en: 'Created at', 'zh-CN': '创建时间' }),
    base('updated_at', 'datetime', { en: 'Updated at', 'zh-CN': '更新时间' }),
    base('created_by', 'ref', { en: 'Created by', 'zh-CN': '创建人' }, { ref: { object: 'user', onDelete: 'set_null' } }),
    base('updated_by', 'ref', { en: 'Updated by', 'zh-CN': '更新人' }, { ref: { object: 'user', onDelete: 'set_null' } }),
    base('version', 'integer', { en: 'Version', 'zh-CN': '版本' }),
  ];
  if (owned) {
    fields.push(base('owner_id', 'ref', { en: 'Owner', 'zh-CN': '负责人' }, { readOnly: false, indexed: true, ref: { object: 'user', onDelete: 'set_null' } }));
  }
  return fields;
}
