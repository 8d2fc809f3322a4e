// Validates values against the allowlisted JSON Schema subset the server emits for forms and
// records (type, enum/const/oneOf, bounds, lengths, pattern, format, required, items). It
// interprets the schema instead of compiling it, so it needs no eval (works under a strict CSP)
// and stays a few kB instead of shipping ajv to the browser. Decimals (money, percent, decimal) are
// checked by the platform's one decimal module, exactly as the server checks them: scale (money at
// its currency's minor unit, also when the record states the currency in another field),
// precision and bounds, numbers and numeric strings alike, no floating point.
import { checkDecimal, currencyScale, type DecimalBounds } from '@attain/meta/decimal';

export type Schema = { [key: string]: unknown };

export interface SchemaIssue {
  /** JSON pointer of the value, e.g. `/amount`. */
  path: string;
  rule: string;
  params: Record<string, string | number>;
}

const FORMATS: Record<string, RegExp> = {
  date: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
  'date-time': /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i,
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  uri: /^[a-z][a-z0-9+.-]*:\/\/?[^\s]+$/i,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
};

const patternCache = new Map<string, RegExp | null>();
function compilePattern(p: string): RegExp | null {
  if (!patternCache.has(p)) {
    try {
      patternCache.set(p, new RegExp(p, 'u'));
    } catch {
      patternCache.set(p, null);
    }
  }
  return patternCache.get(p) ?? null;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(expected: string, v: unknown): boolean {
  const actual = typeOf(v);
  if (expected === actual) return true;
  return expected === 'number' && actual === 'integer';
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export interface CheckOptions {
  /**
   * Check `format` (date, email, uri, uuid). Forms leave formats to the server, whose checks are
   * the authority (and whose answer is mapped onto the field); the import dry run checks them.
   */
  formats?: boolean;
}

/** What the server's form schema says of a decimal field (`x-attain-decimal`). */
interface DecimalHint {
  scale: number;
  precision?: number;
  currencyField?: string;
}

function decimalHint(schema: Schema): DecimalHint | undefined {
  const h = schema['x-attain-decimal'];
  return h && typeof h === 'object' && typeof (h as DecimalHint).scale === 'number' ? (h as DecimalHint) : undefined;
}

/** The decimal's bounds; `record` is the object holding it, whose currency field may state its currency. */
function decimalBounds(schema: Schema, hint: DecimalHint, record: Record<string, unknown> | undefined): DecimalBounds {
  const stated = hint.currencyField ? record?.[hint.currencyField] : undefined;
  const scale = typeof stated === 'string' && /^[A-Z]{3}$/.test(stated) ? Math.min(hint.scale, currencyScale(stated)) : hint.scale;
  const b: DecimalBounds = { scale };
  if (hint.precision !== undefined) b.precision = hint.precision;
  if (typeof schema.minimum === 'number') b.minimum = schema.minimum;
  if (typeof schema.maximum === 'number') b.maximum = schema.maximum;
  return b;
}

const DECIMAL_PARAMS: Record<string, (b: DecimalBounds) => Record<string, string | number>> = {
  type: () => ({}),
  scale: (b) => ({ limit: b.scale }),
  range: (b) => ({ limit: (b.precision ?? 0) - b.scale }),
  minimum: (b) => ({ limit: b.minimum ?? 0 }),
  maximum: (b) => ({ limit: b.maximum ?? 0 }),
};

/** Every problem of `value` against `schema`; an empty list means valid. */
export function checkSchema(schema: Schema, value: unknown, path = '', opts: CheckOptions = { formats: true }, record?: Record<string, unknown>): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const add = (rule: string, params: Record<string, string | number> = {}, at = path) => issues.push({ path: at, rule, params });
  if (value === undefined) return issues;

  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  if (types.length && !types.some((t) => typeMatches(t, value))) {
    add('type', { type: types.filter((t) => t !== 'null').join('/') });
    return issues;
  }
  if (value === null) return issues;
  if ('const' in schema && !equal(schema.const, value)) add('const');
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => equal(e, value))) add('enum');
  if (Array.isArray(schema.oneOf)) {
    const matching = (schema.oneOf as Schema[]).filter((s) => checkSchema(s, value, path, opts).length === 0).length;
    if (matching !== 1) add('enum');
  }
  if (Array.isArray(schema.anyOf) && !(schema.anyOf as Schema[]).some((s) => checkSchema(s, value, path, opts).length === 0)) add('enum');

  const hint = decimalHint(schema);
  if (hint && (typeof value === 'string' || typeof value === 'number')) {
    const b = decimalBounds(schema, hint, record);
    const r = checkDecimal(value, b);
    if (!r.ok) add(r.rule === 'type' ? 'decimal' : r.rule, DECIMAL_PARAMS[r.rule]!(b));
    return issues;
  }
  if (typeof value === 'string') {
    if (typeof schema.maxLength === 'number' && [...value].length > schema.maxLength) add('maxLength', { limit: schema.maxLength });
    if (typeof schema.minLength === 'number' && [...value].length < schema.minLength) add('minLength', { limit: schema.minLength });
    if (typeof schema.pattern === 'string') {
      const re = compilePattern(schema.pattern);
      if (re && !re.test(value)) add(schema.pattern.includes('\\d{1,20}') ? 'decimal' : 'pattern');
    }
    if (opts.formats && typeof schema.format === 'string' && FORMATS[schema.format] && !FORMATS[schema.format]!.test(value)) add('format', { format: schema.format });
  }
  // Numbers without a decimal hint (integers, plain JSON numbers): bounds by the same exact check.
  if (typeof value === 'number') {
    const r = checkDecimal(value, {
      scale: 80,
      ...(typeof schema.minimum === 'number' ? { minimum: schema.minimum } : {}),
      ...(typeof schema.maximum === 'number' ? { maximum: schema.maximum } : {}),
    });
    if (!r.ok && (r.rule === 'minimum' || r.rule === 'maximum')) add(r.rule, { limit: schema[r.rule] as number });
  }
  if (Array.isArray(value)) {
    if (schema.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) add('uniqueItems');
    if (schema.items && typeof schema.items === 'object') value.forEach((v, i) => issues.push(...checkSchema(schema.items as Schema, v, `${path}/${i}`, opts)));
  }
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required as string[] | undefined) ?? []) {
      if (obj[name] === undefined || obj[name] === null || obj[name] === '') add('required', {}, `${path}/${name}`);
    }
    for (const [name, v] of Object.entries(obj)) {
      const sub = props[name];
      if (sub) issues.push(...checkSchema(sub, v, `${path}/${name}`, opts, obj));
      else if (schema.additionalProperties === false) add('additionalProperties', { name }, `${path}/${name}`);
    }
  }
  return issues;
}
