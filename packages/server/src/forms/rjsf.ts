import { allFields, fieldDecimalBounds, fieldValueSchema, pickLabel, DECIMAL_STORAGES, type FieldDef, type JsonSchema, type ObjectDef } from '@attain/meta';

export interface FormDefinition {
  schema: JsonSchema;
  uiSchema: Record<string, unknown>;
}

// rjsf's stock widgets; the studio registers the custom ones (money, percent, lookup, richtext).
const UI_WIDGET: Record<string, string> = {
  text: 'text',
  textarea: 'textarea',
  select: 'select',
  radio: 'radio',
  checkbox: 'checkbox',
  date: 'date',
  datetime: 'datetime',
  email: 'email',
  url: 'uri',
  tel: 'text',
  hidden: 'hidden',
  money: 'money',
  percent: 'percent',
  lookup: 'lookup',
  richtext: 'richtext',
};

const STORAGE_WIDGET: Partial<Record<FieldDef['storage'], string>> = {
  long_text: 'textarea',
  email: 'email',
  url: 'uri',
  date: 'date',
  datetime: 'datetime',
  boolean: 'checkbox',
  enum: 'select',
  multi_enum: 'checkboxes',
  money: 'money',
  percent: 'percent',
  ref: 'lookup',
  integer: 'updown',
};

/**
 * A react-jsonschema-form (v6) definition of an object for one locale. Enum labels use
 * `oneOf: [{const, title}]`; platform-maintained read-only fields are present but hidden so a
 * form bound to a whole record keeps them; formula fields are shown read-only.
 */
export function objectForm(object: ObjectDef, locale: string, hiddenFields: ReadonlySet<string> = new Set()): FormDefinition {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const uiSchema: Record<string, unknown> = {};
  const fields = allFields(object).filter((f) => !hiddenFields.has(f.name));
  for (const field of fields) {
    properties[field.name] = formFieldSchema(field, locale);
    if (field.required && !field.readOnly && !field.system) required.push(field.name);
    uiSchema[field.name] = fieldUi(field, locale);
  }
  const authored = object.fields
    .filter((f) => !hiddenFields.has(f.name))
    .map((f, i) => ({ name: f.name, order: f.ui.order ?? 1000 + i }))
    .sort((a, b) => a.order - b.order)
    .map((f) => f.name);
  uiSchema['ui:order'] = [...authored, '*'];
  uiSchema['ui:title'] = pickLabel(object.label, locale, object.name);
  return {
    schema: {
      type: 'object',
      title: pickLabel(object.label, locale, object.name),
      ...(object.description ? { description: typeof object.description === 'string' ? object.description : pickLabel(object.description, locale) } : {}),
      properties,
      ...(required.length ? { required } : {}),
    },
    uiSchema,
  };
}

function formFieldSchema(field: FieldDef, locale: string): JsonSchema {
  const s = fieldValueSchema(field, field.readOnly ? 'read' : 'create', locale);
  // A decimal is edited as text so no precision is lost in the browser. Its bounds travel with it
  // (`x-attain-decimal`) so the studio checks scale, precision and bounds with the platform's one
  // decimal module before sending; money whose currency a record states elsewhere names that field.
  if (DECIMAL_STORAGES.has(field.storage)) {
    s.type = 'string';
    const b = fieldDecimalBounds(field);
    s['x-attain-decimal'] = { scale: b.scale, ...(b.precision !== undefined ? { precision: b.precision } : {}), ...(field.currencyField ? { currencyField: field.currencyField } : {}) };
  }
  if (field.storage === 'enum' && field.enumValues) {
    delete s.enum;
    s.oneOf = field.enumValues.map((value) => ({ const: value, title: optionLabel(field, value, locale) }));
  }
  if (field.storage === 'multi_enum' && field.enumValues) {
    s.items = { type: 'string', oneOf: field.enumValues.map((value) => ({ const: value, title: optionLabel(field, value, locale) })) };
  }
  if (field.system && field.name === 'id') {
    s.type = 'string';
    delete s.maxLength;
  }
  if (field.readOnly) s.readOnly = true;
  return s;
}

function optionLabel(field: FieldDef, value: string, locale: string): string {
  const option = field.options?.find((o) => o.value === value);
  return pickLabel(option?.label, locale, value);
}

function fieldUi(field: FieldDef, locale: string): Record<string, unknown> {
  const ui: Record<string, unknown> = {};
  if (field.system && field.readOnly) {
    ui['ui:widget'] = 'hidden';
    return ui;
  }
  const hinted = field.ui.widget ? UI_WIDGET[field.ui.widget] : undefined;
  const widget = hinted ?? STORAGE_WIDGET[field.storage];
  if (widget) ui['ui:widget'] = widget;
  const options: Record<string, unknown> = {};
  if (field.ui.widget === 'tel' || field.storage === 'phone') options.inputType = 'tel';
  if (field.currency) options.currency = field.currency;
  if (field.ref) options.object = field.ref.object;
  if (field.ui.group) options.group = field.ui.group;
  if (Object.keys(options).length) ui['ui:options'] = options;
  if (field.ui.placeholder) ui['ui:placeholder'] = pickLabel(field.ui.placeholder, locale);
  if (field.ui.help) ui['ui:help'] = pickLabel(field.ui.help, locale);
  if (field.readOnly) ui['ui:readonly'] = true;
  return ui;
}
