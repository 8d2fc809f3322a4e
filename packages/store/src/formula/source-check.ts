// A measure over records — a KPI's measure, an incentive plan's record source — names an object,
// a date field, an owner (payee) field and formulas for its value and filter. One check for all of
// them, so metadata that names `outcomee` or `amountt` is refused at plan time with the document
// and path, and never reaches a calculation.
import { findField, type ObjectDef, type Registry } from '@attain/meta';
import type { ErrorDetail } from '../errors.ts';
import { checkFormula, SQL_ONLY } from './compiled.ts';
import { describeFormulaError, ruleOf } from './describe.ts';

export interface MeasureSource {
  object: string;
  dateField: string;
  /** The user reference that owns each record (default owner_id). */
  ownerField?: string | undefined;
  ownerPath: string;
  formulas: Array<{ text: string | undefined; path: string; want: 'numeric' | 'boolean' }>;
}

const NUMERIC = new Set(['number', 'money', 'percent', 'integer']);

/** Problems of one measure source, paths under `at` of `document`. */
export function measureSourceProblems(registry: Registry, source: MeasureSource, at: string, document: string): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const object: ObjectDef | undefined = registry.object(source.object);
  if (!object) return [{ document, path: `${at}/object`, rule: 'unknown_reference', message: `refers to object "${source.object}", which does not exist` }];
  const date = findField(object, source.dateField);
  if (!date || (date.storage !== 'date' && date.storage !== 'datetime'))
    out.push({ document, path: `${at}/dateField`, rule: 'date_field', message: `"${source.dateField}" is not a date or datetime field of "${object.name}"` });
  const ownerName = source.ownerField ?? 'owner_id';
  const owner = findField(object, ownerName);
  if (!owner || owner.ref?.object !== 'user') out.push({ document, path: `${at}${source.ownerPath}`, rule: 'owner_field', message: `"${ownerName}" is not a reference to user on "${object.name}"` });
  for (const f of source.formulas) {
    if (f.text === undefined) continue;
    const path = `${at}${f.path}`;
    const r = checkFormula(registry, object.name, f.text, undefined, SQL_ONLY.sources);
    if (!r.ok) {
      for (const e of r.errors) out.push({ document, path, rule: ruleOf(e.code), message: describeFormulaError(e) });
      continue;
    }
    const type = r.checked.type;
    if (f.want === 'numeric' ? !NUMERIC.has(type) : type !== 'boolean') {
      out.push({ document, path, rule: 'formula_type', message: `gives ${type}; it must be ${f.want === 'numeric' ? 'a number' : 'a condition (TRUE/FALSE)'}` });
    }
  }
  return out;
}

interface SourceLike {
  object: string;
  dateField: string;
  payeeField?: string;
  filter?: string;
  value?: string;
}

/** Every KPI measure and every incentive plan record source of the metadata. */
export function metadataSourceProblems(registry: Registry): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  for (const kpi of registry.documentsOf('kpi')) {
    const m = kpi.measure;
    out.push(
      ...measureSourceProblems(
        registry,
        {
          object: kpi.object,
          dateField: kpi.dateField,
          ownerField: kpi.ownerField,
          ownerPath: '/ownerField',
          formulas: [
            { text: m.value, path: '/measure/value', want: 'numeric' },
            { text: m.filter, path: '/measure/filter', want: 'boolean' },
            { text: m.denominator?.value, path: '/measure/denominator/value', want: 'numeric' },
            { text: m.denominator?.filter, path: '/measure/denominator/filter', want: 'boolean' },
          ],
        },
        '',
        `kpi "${kpi.name}"`,
      ),
    );
  }
  for (const plan of registry.documentsOf('incentive_plan')) {
    plan.versions.forEach((v, i) => {
      const items: Array<{ at: string; source: SourceLike }> = [
        ...v.measures.flatMap((m, j) => (m.source ? [{ at: `/versions/${i}/measures/${j}/source`, source: m.source as SourceLike }] : [])),
        ...v.components.flatMap((c, j) => (c.source ? [{ at: `/versions/${i}/components/${j}/source`, source: c.source as SourceLike }] : [])),
      ];
      for (const { at, source } of items) {
        out.push(
          ...measureSourceProblems(
            registry,
            {
              object: source.object,
              dateField: source.dateField,
              ownerField: source.payeeField,
              ownerPath: '/payeeField',
              formulas: [
                { text: source.filter, path: '/filter', want: 'boolean' },
                { text: source.value, path: '/value', want: 'numeric' },
              ],
            },
            at,
            `incentive_plan "${plan.name}"`,
          ),
        );
      }
    });
  }
  return out;
}
