import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import { allFields, checkDecimal, DECIMAL_STORAGES, fieldDecimalBounds, findField, recordCurrency, recordJsonSchema, type ObjectDef, type Registry } from '@attain/meta';
import { StoreError, type ErrorDetail } from '../errors.ts';
import type { RecordAccess } from '../types.ts';

// ajv-formats is CommonJS; under Node's ESM loader its function may sit on `.default`.
type AddFormats = (ajv: Ajv2020) => unknown;
const addFormats: AddFormats = ((formatsModule as unknown as { default?: AddFormats }).default ?? formatsModule) as unknown as AddFormats;

function makeAjv(useDefaults: boolean): Ajv2020 {
  // Schemas come only from recordJsonSchema (registry-resolved, allowlisted keywords), never
  // from tenant JSON directly.
  const ajv = new Ajv2020({ allErrors: true, strict: false, allowUnionTypes: true, useDefaults, coerceTypes: false });
  addFormats(ajv);
  return ajv;
}

const ajvCreate = makeAjv(true);
const ajvUpdate = makeAjv(false);

// Keyed by the immutable Registry object, i.e. by tenant and revision; freed with it.
const cache = new WeakMap<Registry, Map<string, ValidateFunction>>();

export function validatorFor(registry: Registry, object: ObjectDef, mode: 'create' | 'update'): ValidateFunction {
  let perRegistry = cache.get(registry);
  if (!perRegistry) {
    perRegistry = new Map();
    cache.set(registry, perRegistry);
  }
  const key = `${object.id}:${mode}`;
  let fn = perRegistry.get(key);
  if (!fn) {
    fn = (mode === 'create' ? ajvCreate : ajvUpdate).compile(recordJsonSchema(object, mode));
    perRegistry.set(key, fn);
  }
  return fn;
}

function explain(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return 'is required';
    case 'type':
      return `must be ${String(p.type).replace(',', ' or ')}`;
    case 'enum':
      return `must be one of: ${(p.allowedValues as unknown[])
        .filter((v) => v !== null)
        .map((v) => JSON.stringify(v))
        .join(', ')}`;
    case 'format':
      return `must be a valid ${String(p.format)}`;
    case 'maxLength':
      return `must be at most ${String(p.limit)} characters long`;
    case 'minimum':
      return `must be at least ${String(p.limit)}`;
    case 'maximum':
      return `must be at most ${String(p.limit)}`;
    case 'pattern':
      return 'has the wrong format';
    case 'uniqueItems':
      return 'must not repeat a value';
    default:
      return e.message ?? `breaks the rule "${e.keyword}"`;
  }
}

export function ajvDetails(errors: ErrorObject[] | null | undefined, prefix = ''): ErrorDetail[] {
  const seen = new Set<string>();
  const out: ErrorDetail[] = [];
  for (const e of errors ?? []) {
    const path = e.keyword === 'required' ? `${e.instancePath}/${String((e.params as { missingProperty?: unknown }).missingProperty)}` : e.instancePath;
    const key = `${path}|${e.keyword}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const field = path.split('/')[1] ?? '';
    out.push({ path: `${prefix}${path}`, rule: e.keyword, message: `"${field}" ${explain(e)}` });
  }
  return out;
}

/**
 * Decimal, money and percent values against their field's scale, column precision and bounds,
 * numbers and numeric strings alike (ajv's minimum/maximum only see JSON numbers). A value with
 * more decimals than the field keeps is refused (`scale`), never rounded; one too large for the
 * column is `range`. Valid values are rewritten in `data` to their exact text, the form stored.
 * Shape problems (not a number at all) are left to ajv's `type`/`pattern` details.
 * Money whose currency the record states in another field is checked at that currency's minor
 * unit when `data` states it (or, `creating`, when that field's default does); a patch that does
 * not is checked against the stored record by `checkStatedCurrencies`.
 */
export function checkDecimals(object: ObjectDef, data: Record<string, unknown>, prefix = '', creating = false): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  for (const [key, value] of Object.entries(data)) {
    const f = findField(object, key);
    if (!f || !DECIMAL_STORAGES.has(f.storage) || value === null || value === undefined) continue;
    const r = checkDecimal(value, fieldDecimalBounds(f, recordCurrency(object, f, data, creating)));
    if (r.ok) data[key] = r.text;
    else if (r.rule !== 'type') out.push({ path: `${prefix}/${key}`, rule: r.rule, message: `"${key}" ${currencyNote(r.rule, f.currencyField, data)}${r.message}` });
  }
  return out;
}

function currencyNote(rule: string, currencyField: string | undefined, record: Record<string, unknown>): string {
  const code = currencyField ? record[currencyField] : undefined;
  return rule === 'scale' && typeof code === 'string' ? `in ${code} ` : '';
}

/**
 * An update of a record whose money states its currency in another field: the amount as it will
 * be (patched or stored) against the currency as it will be, whenever either changes — so a
 * patch of the amount alone meets the stored currency's scale, and switching an order of 12.50
 * to JPY is refused rather than leaving a JPY amount with cents. `stored` and `patch` are keyed
 * by column (authored fields' columns are their names).
 */
export function checkStatedCurrencies(object: ObjectDef, stored: Record<string, unknown>, patch: Record<string, unknown>, prefix = ''): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const after = { ...stored, ...patch };
  for (const f of object.fields) {
    if (!f.currencyField || !(f.column in patch || f.currencyField in patch)) continue;
    const value = after[f.column];
    if (value === null || value === undefined) continue;
    const r = checkDecimal(typeof value === 'number' ? value : String(value), fieldDecimalBounds(f, recordCurrency(object, f, after, false)));
    if (!r.ok && r.rule === 'scale') out.push({ path: `${prefix}/${f.name}`, rule: r.rule, message: `"${f.name}" ${currencyNote(r.rule, f.currencyField, after)}${r.message}` });
  }
  return out;
}

/** ajv's details and ours, one per path and rule (a JSON number below `minimum` is seen by both). */
export function mergeDetails(...lists: ErrorDetail[][]): ErrorDetail[] {
  const seen = new Set<string>();
  return lists.flat().filter((d) => {
    const key = `${d.path}|${d.rule}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Checks which keys a write may set. Hidden fields are 403 (field_hidden); read-only, computed,
 * platform and unknown fields are 422 with the field and the rule named.
 */
export function checkWriteKeys(object: ObjectDef, data: Record<string, unknown>, access: RecordAccess, prefix = ''): ErrorDetail[] {
  const hidden: ErrorDetail[] = [];
  const problems: ErrorDetail[] = [];
  const fields = new Map(allFields(object).map((f) => [f.name, f]));
  for (const key of Object.keys(data)) {
    const path = `${prefix}/${key}`;
    const f = fields.get(key);
    if (access.hiddenFields?.has(key)) {
      hidden.push({ path, rule: 'field_hidden', message: `"${key}" is not writable for you` });
    } else if (!f) {
      problems.push({ path, rule: 'unknown_field', message: `"${key}" is not a field of "${object.name}"` });
    } else if (f.readOnly || f.formula) {
      problems.push({ path, rule: 'read_only', message: `"${key}" is set by the platform and cannot be written` });
    } else if (access.readOnlyFields?.has(key)) {
      problems.push({ path, rule: 'read_only', message: `"${key}" is read-only for you` });
    }
  }
  if (hidden.length) throw new StoreError('field_hidden', 'The write names fields you may not use', hidden);
  return problems;
}

export function failValidation(details: ErrorDetail[]): never {
  throw new StoreError('validation_failed', details.length === 1 && details[0] ? details[0].message : `${details.length} problems with the record`, details);
}
