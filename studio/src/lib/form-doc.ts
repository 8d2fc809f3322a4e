import type { FieldSchema, ObjectDoc, Storage } from '@attain/meta';
import type { FormDefinition } from '../api/types.ts';

const PLATFORM = new Set(['id', 'external_id', 'owner_id', 'created_at', 'updated_at', 'created_by', 'updated_by', 'version', 'deleted_at']);

function storageOf(schema: Record<string, unknown>, ui: Record<string, unknown>): Storage {
  const widget = ui['ui:widget'];
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  switch (widget) {
    case 'money':
      return 'money';
    case 'percent':
      return 'percent';
    case 'lookup':
      return 'ref';
    case 'checkboxes':
      return 'multi_enum';
    case 'checkbox':
      return 'boolean';
    case 'textarea':
    case 'richtext':
      return 'long_text';
    case 'date':
      return 'date';
    case 'datetime':
      return 'datetime';
    case 'email':
      return 'email';
    case 'uri':
      return 'url';
    case 'updown':
      return 'integer';
    case 'select':
      return 'enum';
  }
  if (Array.isArray(schema.oneOf)) return 'enum';
  if (types.includes('integer')) return 'integer';
  if (types.includes('number')) return 'decimal';
  if (types.includes('boolean')) return 'boolean';
  return 'text';
}

/**
 * A read-only stand-in for an object document, rebuilt from the object's localised form, for
 * roles that may not read metadata. Labels exist only in the locale it was fetched in.
 */
export function docFromForm(name: string, form: FormDefinition, locale: string): ObjectDoc {
  const title = typeof form.schema.title === 'string' ? form.schema.title : name;
  const props = (form.schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const ui = form.uiSchema as Record<string, Record<string, unknown>>;
  const properties: Record<string, FieldSchema> = {};
  for (const [field, schema] of Object.entries(props)) {
    if (PLATFORM.has(field)) continue;
    const fieldUi = ui[field] ?? {};
    const storage = storageOf(schema, fieldUi);
    const text = typeof schema.title === 'string' ? schema.title : field;
    const x: FieldSchema['x-attain'] = { id: `${name}.${field}`, label: { en: text, [locale]: text }, storage };
    const options = (Array.isArray(schema.oneOf) ? schema.oneOf : (schema.items as { oneOf?: unknown[] } | undefined)?.oneOf) as Array<{ const: string; title?: string }> | undefined;
    if (options) x.options = options.map((o) => ({ value: o.const, label: { en: o.title ?? o.const, [locale]: o.title ?? o.const } }));
    const object = (fieldUi['ui:options'] as { object?: unknown } | undefined)?.object;
    if (storage === 'ref' && typeof object === 'string') x.ref = { object };
    if (schema.readOnly) x.readOnly = true;
    properties[field] = { 'x-attain': x };
  }
  const order = (ui['ui:order'] as unknown as string[] | undefined) ?? [];
  const sorted: Record<string, FieldSchema> = {};
  for (const k of order) if (properties[k]) sorted[k] = properties[k];
  for (const [k, v] of Object.entries(properties)) sorted[k] ??= v;
  return {
    kind: 'object',
    id: name,
    name,
    label: { en: title, [locale]: title },
    pluralLabel: { en: title, [locale]: title },
    schema: { type: 'object', required: ((form.schema.required as string[] | undefined) ?? []).filter((r) => !PLATFORM.has(r)), properties: sorted },
  };
}
