// A KPI document compiled to SQL: per-record contributions `num` and `den` whose sums give the
// measure (sum/count: num; avg/ratio: num / den). Sums compose, so a person's month, a unit's
// year and an incremental delta are all plain additions.
import { check, compileSql, type FormulaError } from '@attain/formula';
import { findField, formulaSchemaFor, quoteIdent, type KpiDoc, type Registry } from '@attain/meta';
import { GoalsError, type GoalsIssue } from './errors.ts';

export interface SqlPart {
  sql: string;
  bindings: unknown[];
}

export interface CompiledKpi {
  name: string;
  doc: KpiDoc;
  object: string;
  table: string;
  ownerColumn: string;
  dateColumn: string;
  /** `date` (a calendar day, never shifted) or `datetime` (a moment: its day is the tenant's, see calendar/). */
  dateStorage: string;
  /** Per-row contribution to the numerator / denominator (numeric, never NULL), over alias `t`. */
  num: SqlPart;
  den: SqlPart;
  /** Condition (over alias `t`) that a record counts in the measure: its source records, for a drill-down. */
  counts: SqlPart;
  /** Whether the measure is num / den (avg, ratio) rather than num. */
  ratio: boolean;
  scale: number;
  lowerIsBetter: boolean;
  dimensions: Array<{ name: string; column: string }>;
}

export function kpiScale(doc: KpiDoc): number {
  return doc.scale ?? (doc.unit === 'money' ? 2 : doc.unit === 'count' ? 0 : 4);
}

function formulaIssues(path: string, errors: FormulaError[]): GoalsIssue[] {
  return errors.map((e) => ({ path, rule: 'formula', message: `line ${e.line}, column ${e.column}: ${e.message.en}` }));
}

/**
 * Type-checks the measure's formulas against the tenant's metadata and compiles them. Refuses a
 * formula that does not type-check, a value that is not numeric or a filter that is not boolean,
 * naming the field of the KPI document.
 */
export function compileKpi(registry: Registry, doc: KpiDoc, schemaName?: string): CompiledKpi {
  const object = registry.object(doc.object);
  const issues: GoalsIssue[] = [];
  if (!object)
    throw new GoalsError('kpi_invalid', `kpi "${doc.name}" refers to object "${doc.object}", which does not exist`, [{ path: '/object', rule: 'unknown_reference', message: 'no such object' }]);
  const schema = formulaSchemaFor(registry);
  const compile = (source: string | undefined, path: string, want: 'numeric' | 'boolean'): SqlPart | undefined => {
    if (source === undefined) return undefined;
    const checked = check(source, { schema, root: object.name });
    if (!checked.ok) {
      issues.push(...formulaIssues(path, checked.errors));
      return undefined;
    }
    const numeric = ['number', 'money', 'percent', 'integer'].includes(checked.type);
    if (want === 'numeric' ? !numeric : checked.type !== 'boolean') {
      issues.push({ path, rule: 'type', message: `must be ${want === 'numeric' ? 'a number' : 'a condition (TRUE/FALSE)'}, not ${checked.type}` });
      return undefined;
    }
    const out = compileSql(checked, { alias: 't', liveColumn: 'deleted_at', ...(schemaName ? { schema: schemaName } : {}) });
    return { sql: out.sql, bindings: out.bindings };
  };
  const m = doc.measure;
  const value = compile(m.value, '/measure/value', 'numeric');
  const filter = compile(m.filter, '/measure/filter', 'boolean');
  const dValue = compile(m.denominator?.value, '/measure/denominator/value', 'numeric');
  const dFilter = compile(m.denominator?.filter, '/measure/denominator/filter', 'boolean');
  const date = findField(object, doc.dateField);
  const owner = findField(object, doc.ownerField ?? 'owner_id');
  if (!date || (date.storage !== 'date' && date.storage !== 'datetime')) issues.push({ path: '/dateField', rule: 'date_field', message: `must name a date field of "${object.name}"` });
  if (!owner || owner.ref?.object !== 'user') issues.push({ path: '/ownerField', rule: 'owner_field', message: `must name a reference to user on "${object.name}"` });
  if (m.aggregate !== 'count' && !m.value) issues.push({ path: '/measure/value', rule: 'required', message: `a ${m.aggregate} measure needs a value formula` });
  if (m.aggregate === 'ratio' && !m.denominator) issues.push({ path: '/measure/denominator', rule: 'required', message: 'a ratio needs a denominator' });
  const dimensions = (doc.dimensions ?? []).map((name, i) => {
    const f = findField(object, name);
    if (!f) issues.push({ path: `/dimensions/${i}`, rule: 'unknown_field', message: `"${name}" is not a field of "${object.name}"` });
    return { name, column: f?.column ?? name };
  });
  if (issues.length) throw new GoalsError('kpi_invalid', `kpi "${doc.name}" is invalid`, issues);

  const when = (cond: SqlPart | undefined, then: SqlPart): SqlPart =>
    cond ? { sql: `(CASE WHEN coalesce((${cond.sql}), false) THEN ${then.sql} ELSE 0 END)`, bindings: [...cond.bindings, ...then.bindings] } : then;
  const orZero = (v: SqlPart): SqlPart => ({ sql: `coalesce((${v.sql})::numeric, 0)`, bindings: v.bindings });
  const one: SqlPart = { sql: '1::numeric', bindings: [] };
  const zero: SqlPart = { sql: '0::numeric', bindings: [] };
  let num: SqlPart;
  let den: SqlPart;
  const always: SqlPart = { sql: 'true', bindings: [] };
  let counts: SqlPart = filter ?? always;
  switch (m.aggregate) {
    case 'count':
      num = when(filter, one);
      den = zero;
      break;
    case 'sum':
      num = when(filter, orZero(value!));
      den = zero;
      break;
    case 'avg': {
      const present: SqlPart = filter
        ? { sql: `(coalesce((${filter.sql}), false) AND (${value!.sql}) IS NOT NULL)`, bindings: [...filter.bindings, ...value!.bindings] }
        : { sql: `((${value!.sql}) IS NOT NULL)`, bindings: value!.bindings };
      num = when(present, orZero(value!));
      den = when(present, one);
      counts = present;
      break;
    }
    case 'ratio':
      num = when(filter, orZero(value!));
      den = when(dFilter, dValue ? orZero(dValue) : one);
      // In the numerator or the denominator.
      counts = filter && dFilter ? { sql: `(coalesce((${filter.sql}), false) OR coalesce((${dFilter.sql}), false))`, bindings: [...filter.bindings, ...dFilter.bindings] } : always;
      break;
  }
  quoteIdent(object.table);
  return {
    name: doc.name,
    doc,
    object: object.name,
    table: object.table,
    ownerColumn: owner!.column,
    dateColumn: date!.column,
    dateStorage: date!.storage,
    num,
    den,
    counts,
    ratio: m.aggregate === 'avg' || m.aggregate === 'ratio',
    scale: kpiScale(doc),
    lowerIsBetter: doc.direction === 'lower_is_better',
    dimensions,
  };
}

/** The measure from its sums, or null when a ratio has no denominator. */
export function measureValue(kpi: Pick<CompiledKpi, 'ratio'>, num: number, den: number): number | null {
  if (!kpi.ratio) return num;
  return den === 0 ? null : num / den;
}
