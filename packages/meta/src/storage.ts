import type { FieldSchema, Storage } from './generated/types.ts';

/** The JSON type each storage is written as in a record. */
export const STORAGE_JSON_TYPE: Record<Storage, FieldSchema['type']> = {
  text: 'string',
  long_text: 'string',
  email: 'string',
  phone: 'string',
  url: 'string',
  enum: 'string',
  ref: 'string',
  date: 'string',
  datetime: 'string',
  integer: 'integer',
  decimal: 'number',
  money: 'number',
  percent: 'number',
  boolean: 'boolean',
  multi_enum: 'array',
};

/** Infers the storage of a field from its JSON Schema keywords when x-attain does not say. */
export function inferStorage(field: FieldSchema): Storage {
  const opts = field['x-attain'];
  if (opts.storage) return opts.storage;
  if (opts.ref) return 'ref';
  if (opts.options || field.enum) return field.type === 'array' ? 'multi_enum' : 'enum';
  switch (field.type) {
    case 'integer':
      return 'integer';
    case 'number':
      return 'decimal';
    case 'boolean':
      return 'boolean';
    case 'array':
      return 'multi_enum';
    default:
      switch (field.format) {
        case 'date':
          return 'date';
        case 'date-time':
          return 'datetime';
        case 'email':
          return 'email';
        case 'uri':
          return 'url';
        default:
          return 'text';
      }
  }
}

/** Default decimal precision/scale per storage. */
export function decimalShape(storage: Storage, precision?: number, scale?: number): { precision: number; scale: number } {
  if (storage === 'money') return { precision: precision ?? 18, scale: scale ?? 2 };
  if (storage === 'percent') return { precision: precision ?? 12, scale: scale ?? 6 };
  return { precision: precision ?? 24, scale: scale ?? 6 };
}

export const DEFAULT_TEXT_LENGTH = 255;
