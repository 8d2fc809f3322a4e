import type { ErrorObject } from 'ajv/dist/2020.js';
import { metaKinds } from './kinds/index.ts';
import type { MetaIssue } from './errors.ts';
import type { MetaDoc } from './model.ts';

export function describeDocument(doc: unknown, fallback: string): string {
  if (doc && typeof doc === 'object') {
    const d = doc as Record<string, unknown>;
    if (typeof d.kind === 'string' && typeof d.name === 'string') return `${d.kind} "${d.name}"`;
    if (typeof d.kind === 'string' && typeof d.id === 'string') return `${d.kind} ${d.id}`;
  }
  return fallback;
}

/** Checks one document against its kind's meta-schema; returns admin-readable issues. */
export function validateAgainstMetaSchema(doc: unknown, fallbackName = 'document'): MetaIssue[] {
  const document = describeDocument(doc, fallbackName);
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    return [{ document, path: '', rule: 'type', message: 'must be a JSON object' }];
  }
  const kind = (doc as { kind?: unknown }).kind;
  const def = typeof kind === 'string' ? metaKinds.get(kind) : undefined;
  if (!def) {
    return [
      {
        document,
        path: '/kind',
        rule: 'enum',
        message: `kind must be one of ${metaKinds
          .names()
          .map((k) => `"${k}"`)
          .join(', ')}`,
      },
    ];
  }
  const validate = metaKinds.validator(def);
  if (validate(doc)) return [];
  return simplify(validate.errors ?? []).map((e) => ({
    document,
    path: e.instancePath,
    rule: e.keyword,
    message: explain(e),
  }));
}

// allErrors reports every branch; keep the most specific message per path and drop noise.
function simplify(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  const out: ErrorObject[] = [];
  for (const e of errors) {
    if (e.keyword === 'if' || e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out;
}

function explain(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `is missing the required property "${String(p.missingProperty)}"`;
    case 'additionalProperties':
      return `has "${String(p.additionalProperty)}", which is not allowed here`;
    case 'propertyNames':
      return `has a property name that is not allowed: "${String(p.propertyName)}"`;
    case 'pattern':
      if (String(p.pattern).startsWith('^[a-z][a-z0-9_]')) {
        return 'must start with a lower-case letter and use only a-z, 0-9 and _ (at most 63 characters)';
      }
      return `must match the pattern ${String(p.pattern)}`;
    case 'enum':
      return `must be one of: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'type':
      return `must be ${article(String(p.type))}`;
    case 'maxLength':
      return `must be at most ${String(p.limit)} characters long`;
    case 'minLength':
      return `must not be empty`;
    case 'maxItems':
      return `must have at most ${String(p.limit)} items`;
    case 'minItems':
      return `must have at least ${String(p.limit)} item(s)`;
    case 'uniqueItems':
      return 'must not contain duplicates';
    case 'minimum':
    case 'maximum':
      return `must be ${e.keyword === 'minimum' ? 'at least' : 'at most'} ${String(p.limit)}`;
    case 'maxProperties':
      return `must have at most ${String(p.limit)} entries`;
    default:
      return e.message ?? `breaks the rule "${e.keyword}"`;
  }
}

function article(type: string): string {
  return type.includes(',') ? `one of these types: ${type}` : /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

export function isMetaDoc(doc: unknown): doc is MetaDoc {
  return validateAgainstMetaSchema(doc).length === 0;
}
