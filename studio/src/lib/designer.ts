import type { FieldSchema, IndexDef, Label, ObjectDoc, Storage } from '@attain/meta';
import { newFieldId } from './ids.ts';

export const STORAGES: Storage[] = ['text', 'long_text', 'email', 'phone', 'url', 'integer', 'decimal', 'money', 'percent', 'boolean', 'date', 'datetime', 'enum', 'multi_enum', 'ref'];

export function emptyObject(): ObjectDoc {
  return { kind: 'object', id: '', name: '', label: { en: '' }, pluralLabel: { en: '' }, schema: { type: 'object', required: [], properties: {} }, 'x-attain': { owned: true } };
}

/** The JSON Schema keywords a storage implies; everything storage-specific is reset on a change. */
export function withStorage(field: FieldSchema, storage: Storage): FieldSchema {
  const x = { ...field['x-attain'], storage };
  delete x.ref;
  delete x.precision;
  delete x.scale;
  delete x.currency;
  delete x.currencyField;
  if (storage !== 'enum' && storage !== 'multi_enum') delete x.options;
  const out: FieldSchema = { 'x-attain': x };
  if (field.description) out.description = field.description;
  switch (storage) {
    case 'text':
    case 'long_text':
    case 'phone':
      out.type = 'string';
      out.maxLength = field.maxLength ?? (storage === 'long_text' ? 10000 : 255);
      break;
    case 'email':
      Object.assign(out, { type: 'string', format: 'email', maxLength: 254 });
      break;
    case 'url':
      Object.assign(out, { type: 'string', format: 'uri', maxLength: 2000 });
      break;
    case 'integer':
      out.type = 'integer';
      break;
    case 'decimal':
    case 'money':
    case 'percent':
      out.type = 'number';
      break;
    case 'boolean':
      out.type = 'boolean';
      break;
    case 'date':
      Object.assign(out, { type: 'string', format: 'date' });
      break;
    case 'datetime':
      Object.assign(out, { type: 'string', format: 'date-time' });
      break;
    case 'enum':
      x.options = x.options?.length ? x.options : [{ value: 'option_1', label: { en: 'Option 1' } }];
      Object.assign(out, { type: 'string', enum: x.options.map((o) => o.value) });
      break;
    case 'multi_enum':
      x.options = x.options?.length ? x.options : [{ value: 'option_1', label: { en: 'Option 1' } }];
      Object.assign(out, { type: 'array', items: { type: 'string', enum: x.options.map((o) => o.value) } });
      break;
    case 'ref':
      out.type = 'string';
      x.ref = { object: 'user', onDelete: 'set_null' };
      break;
  }
  return out;
}

/** Keeps `enum` (or `items.enum`) in step with the options list, as the meta-schema requires. */
export function syncEnum(field: FieldSchema): FieldSchema {
  // An empty list is invalid metadata on purpose: the server's plan then explains what is missing.
  const values = (field['x-attain'].options?.map((o) => o.value) ?? []) as [string, ...string[]];
  if (field.type === 'array') return { ...field, items: { type: 'string', enum: values } };
  if (field['x-attain'].storage === 'enum') return { ...field, enum: values };
  return field;
}

export function addField(doc: ObjectDoc, name: string, label: string, storage: Storage): ObjectDoc {
  const base: FieldSchema = { 'x-attain': { id: newFieldId(doc.name, name), label: { en: label || name } } };
  const field = withStorage(base, storage);
  return { ...doc, schema: { ...doc.schema, properties: { ...doc.schema.properties, [name]: field } } };
}

export function updateField(doc: ObjectDoc, name: string, fn: (f: FieldSchema) => FieldSchema): ObjectDoc {
  const f = doc.schema.properties[name];
  if (!f) return doc;
  return { ...doc, schema: { ...doc.schema, properties: { ...doc.schema.properties, [name]: fn(f) } } };
}

/** Renames a field in place (order kept) and every reference to it; its id does not change. */
export function renameField(doc: ObjectDoc, from: string, to: string): ObjectDoc {
  if (from === to || doc.schema.properties[to]) return doc;
  const properties: ObjectDoc['schema']['properties'] = {};
  for (const [k, v] of Object.entries(doc.schema.properties)) properties[k === from ? to : k] = v;
  const x = { ...(doc['x-attain'] ?? {}) };
  if (x.titleField === from) x.titleField = to;
  if (x.indexes) x.indexes = x.indexes.map((i) => ({ ...i, fields: i.fields.map((f) => (f === from ? to : f)) as IndexDef['fields'] }));
  if (x.validationRules) x.validationRules = x.validationRules.map((r) => (r.field === from ? { ...r, field: to } : r));
  if (x.tree?.parentField === from) x.tree = { parentField: to };
  return {
    ...doc,
    schema: { ...doc.schema, properties, required: (doc.schema.required ?? []).map((r) => (r === from ? to : r)) },
    'x-attain': x,
  };
}

export function removeField(doc: ObjectDoc, name: string): ObjectDoc {
  const properties = { ...doc.schema.properties };
  delete properties[name];
  const x = { ...(doc['x-attain'] ?? {}) };
  if (x.titleField === name) delete x.titleField;
  if (x.indexes) x.indexes = x.indexes.map((i) => ({ ...i, fields: i.fields.filter((f) => f !== name) as IndexDef['fields'] })).filter((i) => i.fields.length > 0);
  if (x.validationRules) x.validationRules = x.validationRules.map((r) => (r.field === name ? { ...r, field: undefined } : r)).map((r) => JSON.parse(JSON.stringify(r)) as typeof r);
  return { ...doc, schema: { ...doc.schema, properties, required: (doc.schema.required ?? []).filter((r) => r !== name) }, 'x-attain': x };
}

export function setRequired(doc: ObjectDoc, name: string, required: boolean): ObjectDoc {
  const set = new Set(doc.schema.required ?? []);
  if (required) set.add(name);
  else set.delete(name);
  const ordered = Object.keys(doc.schema.properties).filter((k) => set.has(k));
  return { ...doc, schema: { ...doc.schema, required: ordered } };
}

/** Drops empty optional parts so the document validates (e.g. an empty zh-CN label). */
export function cleanDocument(doc: ObjectDoc): ObjectDoc {
  const cleanLabel = (l: Label): Label => Object.fromEntries(Object.entries(l).filter(([, v]) => v !== undefined && v.trim() !== '')) as Label;
  const out: ObjectDoc = JSON.parse(JSON.stringify(doc)) as ObjectDoc;
  out.label = cleanLabel(out.label);
  if (out.pluralLabel) {
    const plural = cleanLabel(out.pluralLabel);
    if (plural.en) out.pluralLabel = plural;
    else delete out.pluralLabel;
  }
  if (!out.description) delete out.description;
  if (out.schema.required && out.schema.required.length === 0) delete out.schema.required;
  for (const f of Object.values(out.schema.properties)) {
    if (!f) continue;
    const x = f['x-attain'];
    if (x.label) x.label = cleanLabel(x.label);
    if (x.options) x.options = x.options.map((o) => (o.label ? { ...o, label: cleanLabel(o.label) } : o));
    if (x.ref?.inverseLabel) {
      x.ref.inverseLabel = cleanLabel(x.ref.inverseLabel);
      if (!x.ref.inverseLabel.en) delete x.ref.inverseLabel;
    }
    if (x.ref && !x.ref.inverse) delete x.ref.inverse;
    if (x.ui?.help) {
      x.ui.help = cleanLabel(x.ui.help);
      if (!x.ui.help.en) delete x.ui.help;
    }
    if (x.ui && Object.keys(x.ui).length === 0) delete x.ui;
    if (x.formula && !x.formula.expression.trim()) delete x.formula;
    if (f.description === '') delete f.description;
  }
  const xo = out['x-attain'];
  if (xo?.validationRules) xo.validationRules = xo.validationRules.map((r) => ({ ...r, message: cleanLabel(r.message) }));
  if (xo?.indexes?.length === 0) delete xo.indexes;
  if (xo?.validationRules?.length === 0) delete xo.validationRules;
  return out;
}
