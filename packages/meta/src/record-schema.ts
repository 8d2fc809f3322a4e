import { allFields, pickLabel, type FieldDef, type ObjectDef } from './model.ts';

export type RecordSchemaMode = 'read' | 'create' | 'update';

/** JSON Schema (2020-12) built only from allowlisted keywords of the registry's resolved fields. */
export type JsonSchema = { [key: string]: unknown };

const DECIMAL_STRING = '^-?\\d{1,20}(\\.\\d{1,18})?$';
const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';
const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/**
 * The JSON Schema of one field's value. Decimal storages (money, percent, decimal) are read back
 * as strings so no cent is lost, and accepted as a number or a decimal string on write.
 */
export function fieldValueSchema(field: FieldDef, mode: RecordSchemaMode, locale = 'en'): JsonSchema {
  const s: JsonSchema = { title: pickLabel(field.label, locale, field.name) };
  if (field.description) s.description = field.description;
  switch (field.storage) {
    case 'text':
    case 'long_text':
    case 'phone':
      s.type = 'string';
      if (field.maxLength) s.maxLength = field.maxLength;
      if (field.pattern) s.pattern = field.pattern;
      break;
    case 'email':
      Object.assign(s, { type: 'string', format: 'email', maxLength: field.maxLength ?? 255 });
      break;
    case 'url':
      Object.assign(s, { type: 'string', format: 'uri', maxLength: field.maxLength ?? 255 });
      break;
    case 'enum':
      Object.assign(s, { type: 'string', enum: field.enumValues ?? [] });
      break;
    case 'multi_enum':
      Object.assign(s, { type: 'array', items: { type: 'string', enum: field.enumValues ?? [] }, uniqueItems: true });
      break;
    case 'ref':
      Object.assign(s, { type: 'string', format: 'uuid', pattern: UUID_PATTERN });
      break;
    case 'date':
      Object.assign(s, { type: 'string', format: 'date', pattern: DATE_PATTERN });
      break;
    case 'datetime':
      Object.assign(s, { type: 'string', format: 'date-time' });
      break;
    case 'integer':
      Object.assign(s, { type: 'integer', minimum: field.minimum ?? -9007199254740991, maximum: field.maximum ?? 9007199254740991 });
      break;
    case 'boolean':
      s.type = 'boolean';
      break;
    case 'decimal':
    case 'money':
    case 'percent':
      if (mode === 'read') Object.assign(s, { type: 'string', pattern: DECIMAL_STRING });
      else {
        s.type = ['number', 'string'];
        s.pattern = DECIMAL_STRING;
        if (field.minimum !== undefined) s.minimum = field.minimum;
        if (field.maximum !== undefined) s.maximum = field.maximum;
      }
      break;
  }
  if (field.storage !== 'decimal' && field.storage !== 'money' && field.storage !== 'percent' && field.storage !== 'integer') {
    if (field.minimum !== undefined) s.minimum = field.minimum;
    if (field.maximum !== undefined) s.maximum = field.maximum;
  }
  if (field.default !== undefined && mode !== 'read') s.default = field.default;
  if (field.readOnly) s.readOnly = true;
  return s;
}

/**
 * The schema of a whole record. `create` requires the required fields; `update` (a patch) requires
 * nothing; `read` allows null for every optional value and includes system fields.
 * Unknown properties are refused on write.
 */
export function recordJsonSchema(object: ObjectDef, mode: RecordSchemaMode, locale = 'en'): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const fields = mode === 'read' ? allFields(object) : allFields(object).filter((f) => !f.readOnly);
  for (const field of fields) {
    const value = field.system && field.name === 'id' ? { type: 'string', format: 'uuid', readOnly: true } : fieldValueSchema(field, mode, locale);
    const nullable = !(mode === 'create' && field.required) && !(mode === 'read' && field.required);
    properties[field.name] = nullable ? withNull(value) : value;
    if (field.required && (mode === 'create' || mode === 'read')) required.push(field.name);
  }
  return {
    type: 'object',
    title: pickLabel(object.label, locale, object.name),
    additionalProperties: false,
    properties,
    ...(required.length ? { required } : {}),
  };
}

function withNull(value: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...value, type: [...toArray(value.type), 'null'] };
  if (Array.isArray(value.enum)) out.enum = [...value.enum, null];
  return out;
}

function toArray(type: unknown): unknown[] {
  return Array.isArray(type) ? type : type === undefined ? [] : [type];
}
