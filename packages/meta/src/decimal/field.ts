// A field's decimal bounds: the column's precision and scale, money at its currency's scale.
import type { FieldDef } from '../model.ts';
import { decimalShape } from '../storage.ts';
import type { DecimalBounds } from './check.ts';
import { currencyScale } from './currency-scale.ts';

export function fieldDecimalBounds(field: FieldDef): DecimalBounds {
  const shape = decimalShape(field.storage, field.precision, field.scale);
  // A money field in a currency with fewer minor units (JPY: 0) takes no more decimals than that.
  const scale = field.storage === 'money' && field.currency ? Math.min(shape.scale, currencyScale(field.currency)) : shape.scale;
  const b: DecimalBounds = { scale, precision: shape.precision };
  if (field.minimum !== undefined) b.minimum = field.minimum;
  if (field.maximum !== undefined) b.maximum = field.maximum;
  return b;
}
