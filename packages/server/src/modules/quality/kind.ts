// The `quality.rule` kind (issue #18's data_quality_rule): one check over one object's existing
// records, run by the scan as one set-based SQL statement. Everything a rule names is checked
// against the registry at plan time, so a scan never meets an unknown field.
import { findField, type FieldDef, type MetaDocBase, type MetaKindDefinition, type Registry } from '@attain/meta';
import { checkFormula, describeFormulaError } from '@attain/store';

export const RULE_KIND = 'quality.rule';
export const CHECKS = ['completeness', 'validity', 'uniqueness', 'near_duplicate', 'staleness', 'reference', 'plausibility'] as const;
export type Check = (typeof CHECKS)[number];
export const NORMALISERS = ['name', 'phone', 'email'] as const;
export type Normaliser = (typeof NORMALISERS)[number];

export interface RuleDoc extends MetaDocBase {
  kind: 'quality.rule';
  description?: string;
  object: string;
  check: Check;
  /** completeness: every one of these fields is filled. */
  fields?: string[];
  /** uniqueness, near_duplicate, reference, plausibility: the field checked. */
  field?: string;
  /** validity: a true/false formula over the record that must hold. */
  formula?: string;
  /** near_duplicate: how values are normalised before they are compared. */
  normalize?: Normaliser;
  /** staleness: days without activity (the record's last change, or its newest related record). */
  days?: number;
  /** staleness: the stage field and its closed values are read from the field's options. */
  stageField?: string;
  /** staleness: a related object whose records count as activity, and its reference to this one. */
  activity?: { object: string; field: string };
  /** plausibility: outside [q1 − factor × IQR, q3 + factor × IQR] (default 3). */
  factor?: number;
  severity?: 'low' | 'medium' | 'high';
}

const API_NAME = { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' } as const;

export const ruleSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://attain.dev/meta/quality.rule.schema.json',
  title: 'Data-quality rule',
  description: 'A data-quality check over the existing records of one object, scanned nightly.',
  type: 'object',
  required: ['kind', 'id', 'name', 'label', 'object', 'check'],
  additionalProperties: false,
  properties: {
    kind: { const: RULE_KIND },
    id: { $ref: 'https://attain.dev/meta/common.schema.json#/$defs/StableId' },
    name: { $ref: 'https://attain.dev/meta/common.schema.json#/$defs/ApiName' },
    label: { $ref: 'https://attain.dev/meta/common.schema.json#/$defs/Label' },
    description: { type: 'string', maxLength: 2000 },
    object: API_NAME,
    check: { enum: CHECKS },
    fields: { type: 'array', minItems: 1, maxItems: 30, items: API_NAME },
    field: API_NAME,
    formula: { type: 'string', minLength: 1, maxLength: 2000 },
    normalize: { enum: NORMALISERS },
    days: { type: 'integer', minimum: 1, maximum: 3650 },
    stageField: API_NAME,
    activity: { type: 'object', required: ['object', 'field'], additionalProperties: false, properties: { object: API_NAME, field: API_NAME } },
    factor: { type: 'number', exclusiveMinimum: 0, maximum: 100 },
    severity: { enum: ['low', 'medium', 'high'] },
  },
} as const;

export interface RuleIssue {
  path: string;
  rule: string;
  message: string;
}

const NUMERIC = new Set(['number', 'integer', 'money', 'percent']);
/** What each check needs, beyond the object. */
const NEEDS: Record<Check, Array<keyof RuleDoc>> = {
  completeness: ['fields'],
  validity: ['formula'],
  uniqueness: ['field'],
  near_duplicate: ['field', 'normalize'],
  staleness: ['days'],
  reference: ['field'],
  plausibility: ['field'],
};

/** What a rule names that the registry cannot satisfy, and what its check asks of its parts. */
export function ruleIssues(registry: Registry, doc: RuleDoc): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const object = registry.object(doc.object);
  if (!object) return [{ path: '/object', rule: 'unknown_reference', message: `refers to object "${doc.object}", which does not exist` }];
  for (const need of NEEDS[doc.check]) {
    if (doc[need] === undefined) issues.push({ path: `/${need}`, rule: 'required', message: `a ${doc.check} rule needs "${need}"` });
  }
  const field = (name: string, path: string): FieldDef | undefined => {
    const f = findField(object, name);
    if (!f || (f.formula && !f.formula.stored)) issues.push({ path, rule: 'unknown_field', message: `"${name}" is not a stored field of "${object.name}"` });
    return f;
  };
  (doc.fields ?? []).forEach((name, i) => field(name, `/fields/${i}`));
  const f = doc.field !== undefined ? field(doc.field, '/field') : undefined;
  if (f && doc.check === 'reference' && f.storage !== 'ref') issues.push({ path: '/field', rule: 'ref_field', message: `"${f.name}" is not a reference` });
  if (f && doc.check === 'plausibility' && !NUMERIC.has(f.storage)) issues.push({ path: '/field', rule: 'numeric_field', message: `"${f.name}" is not a number` });
  if (f && doc.check === 'near_duplicate' && !['text', 'email', 'phone', 'long_text'].includes(f.storage)) issues.push({ path: '/field', rule: 'text_field', message: `"${f.name}" is not text` });
  if (doc.formula !== undefined) {
    const r = checkFormula(registry, object.name, doc.formula);
    if (!r.ok) issues.push({ path: '/formula', rule: 'formula', message: r.errors[0] ? describeFormulaError(r.errors[0]) : 'the formula does not check' });
    else if (r.checked.type !== 'boolean') issues.push({ path: '/formula', rule: 'boolean', message: `a validity formula is true or false, not ${r.checked.type}` });
  }
  if (doc.stageField !== undefined) {
    const s = field(doc.stageField, '/stageField');
    if (s && !(s.options ?? []).some((o) => o.closed)) issues.push({ path: '/stageField', rule: 'closed_options', message: `"${s.name}" has no option marked closed` });
  }
  if (doc.activity) {
    const other = registry.object(doc.activity.object);
    if (!other) issues.push({ path: '/activity/object', rule: 'unknown_reference', message: `refers to object "${doc.activity.object}", which does not exist` });
    else {
      const ref = findField(other, doc.activity.field);
      if (!ref || ref.storage !== 'ref' || ref.ref?.object !== object.name)
        issues.push({ path: '/activity/field', rule: 'ref_field', message: `"${doc.activity.field}" is not a reference of "${other.name}" to "${object.name}"` });
    }
  }
  return issues;
}

export const ruleKind: MetaKindDefinition = {
  kind: RULE_KIND,
  schema: ruleSchema,
  crossCheck(registry, issues) {
    for (const doc of registry.documentsOfKind(RULE_KIND) as RuleDoc[]) {
      for (const issue of ruleIssues(registry, doc)) issues.push({ document: `${RULE_KIND} "${doc.name}"`, ...issue });
    }
  },
};
