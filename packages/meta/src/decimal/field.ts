// A field's decimal bounds: the column's precision and scale, money at its currency's scale.
import type { FieldDef, ObjectDef } from '../model.ts';
import { decimalShape } from '../storage.ts';
import type { DecimalBounds } from './check.ts';
import { currencyScale } from './currency-scale.ts';

const ISO_CODE = /^[A-Z]{3}$/;

/**
 * A field's bounds. Money takes no more decimals than its currency's minor unit (JPY: 0, KWD: 3):
 * the field's fixed currency, else `currency` — the one the record states in the field's
 * currencyField (see `recordCurrency`). Without either, the column's scale alone applies.
 */
export function fieldDecimalBounds(field: FieldDef, currency?: string): DecimalBounds {
  const shape = decimalShape(field.storage, field.precision, field.scale);
  const code = field.currency ?? currency;
  const scale = field.storage === 'money' && code ? Math.min(shape.scale, currencyScale(code)) : shape.scale;
  const b: DecimalBounds = { scale, precision: shape.precision };
  if (field.minimum !== undefined) b.minimum = field.minimum;
  if (field.maximum !== undefined) b.maximum = field.maximum;
  return b;
}

/**
 * The currency a record states for a money field with a currencyField: the value in `record`
 * (keyed by field name), else — when `withDefault`, for a record being created — that field's
 * default. Undefined when the record states none or something that is no ISO code (that value is
 * refused by the currency field's own rules).
 */
export function recordCurrency(object: Pick<ObjectDef, 'fields'>, field: FieldDef, record: Readonly<Record<string, unknown>>, withDefault: boolean): string | undefined {
  if (field.storage !== 'money' || !field.currencyField) return undefined;
  const name = field.currencyField;
  const stated = name in record ? record[name] : withDefault ? object.fields.find((f) => f.name === name)?.default : undefined;
  return typeof stated === 'string' && ISO_CODE.test(stated) ? stated : undefined;
}
