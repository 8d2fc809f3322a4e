// Formula measures of incentive plans (`type: 'formula'`, an expression over the version's other
// measures, e.g. `TIERED_BONUS(revenue, revenue / quota, retention)`). The calculation is pure and
// synchronous; a formula runs in the sandbox and may call a tenant plugin's function. So the run
// goes in three steps: a first pass of the calculation only records, per formula measure, the
// distinct rows of measure values it reads (across every payee and period); each formula is then
// evaluated over all its rows at once (one sandbox batch, one batched plugin call per function and
// batch of rows); the second pass reads the results. A plugin that fails stops only the plans
// that use it: each affected payee gets a plan_calc_failed problem naming the plugin's code, and
// the failure is audited by the plugin runtime.
import { check, evaluateWithExternal, type CheckedFormula, type ExternalEvaluator, type TNode } from '@attain/formula';
import { AttainError } from '@attain/meta/errors';
import { evaluateColumns, functionsOf, type Store } from '@attain/store';
import { calculate, type CalcInput, type CalcResult } from './calculate.ts';
import { CalcError } from './components.ts';
import { dec, fmt, ZERO, type Dec } from './decimal.ts';
import { measureSchema } from './linter.ts';
import type { MeasureDef, PlanVersionDef } from './types.ts';

interface Prepared {
  checked: CheckedFormula;
  /** The measures the formula reads, in column order. */
  reads: string[];
}

function readsOf(n: TNode, out: Set<string>): Set<string> {
  switch (n.kind) {
    case 'field':
      out.add(n.path.key);
      break;
    case 'unary':
      readsOf(n.arg, out);
      break;
    case 'binary':
      readsOf(n.left, out);
      readsOf(n.right, out);
      break;
    case 'call':
      for (const a of n.args) readsOf(a, out);
      break;
    default:
      break;
  }
  return out;
}

const rowKey = (values: readonly Dec[]): string => values.map((v) => fmt(v)).join('|');

/**
 * `calculate` with the plans' formula measures evaluated in the sandbox. Without formula measures
 * (or without a sandbox: no plugin runtime in this process) it is `calculate` itself.
 */
export async function calculateWithFormulas(store: Store, tenant: string, input: CalcInput): Promise<CalcResult> {
  const versions = new Map<MeasureDef, PlanVersionDef>();
  for (const plan of input.plans) for (const v of plan.versions) for (const m of v.measures) if (m.type === 'formula') versions.set(m, v);
  const provider = store.formulaFunctions.provider;
  if (versions.size === 0 || !provider || input.formula) return calculate(input);
  const registry = await store.registry(tenant);
  const functions = functionsOf(registry)?.registry;
  const prepared = new Map<MeasureDef, Prepared>();
  for (const [m, v] of versions) {
    const r = check(m.expression ?? '', { schema: measureSchema(v), root: 'measures', ...(functions ? { functions } : {}) });
    // A formula that does not check was refused by the linter (the plan is set aside before this).
    if (r.ok) prepared.set(m, { checked: r, reads: [...readsOf(r.ast, new Set())] });
  }

  // Pass 1: the rows each formula reads.
  const wanted = new Map<MeasureDef, Map<string, Dec[]>>();
  calculate({
    ...input,
    formula: (_payee, _period, m, value) => {
      const p = prepared.get(m);
      if (!p) return undefined;
      const row = p.reads.map((name) => value(name));
      const rows = wanted.get(m) ?? new Map<string, Dec[]>();
      rows.set(rowKey(row), row);
      wanted.set(m, rows);
      return ZERO;
    },
  });

  // Each formula over all its rows: one sandbox batch (and one plugin call per function and batch).
  const results = new Map<MeasureDef, Map<string, Dec | CalcError>>();
  for (const [m, rows] of wanted) {
    const p = prepared.get(m) as Prepared;
    const keys = [...rows.keys()];
    const columns: Record<string, unknown[]> = {};
    p.reads.forEach((name, j) => {
      columns[name] = keys.map((k) => fmt((rows.get(k) as Dec[])[j] as Dec));
    });
    const ev: ExternalEvaluator = {
      batch: (formula, holes) => evaluateColumns(provider.pool(), { tenant, revision: registry.revision, checked: formula, columns: { ...columns, ...holes }, rowCount: keys.length }),
      call: (name, args) => provider.call(tenant, name, args),
    };
    const out = new Map<string, Dec | CalcError>();
    try {
      const values = await evaluateWithExternal(p.checked, keys.length, ev);
      keys.forEach((k, i) => {
        const v = values[i];
        if (v && v.error === null && v.value !== null) out.set(k, dec(String(v.value)));
        else out.set(k, new CalcError(`formula measure "${m.name}" gives ${v?.error ?? 'no value'} for these inputs (${k})`, '/measures'));
      });
    } catch (error) {
      // plugin_failed (timeout, guest_error, …: audited by the runtime) or a plugin no longer enabled.
      if (!(error instanceof AttainError)) throw error;
      const rule = error.details[0]?.rule ?? error.code;
      for (const k of keys) out.set(k, new CalcError(`formula measure "${m.name}" failed: ${error.code} (${rule}): ${error.message}`, '/measures'));
    }
    results.set(m, out);
  }

  // Pass 2: the real calculation reads the results.
  return calculate({
    ...input,
    formula: (_payee, _period, m, value) => {
      const p = prepared.get(m);
      if (!p) return undefined;
      const r = results.get(m)?.get(rowKey(p.reads.map((name) => value(name))));
      if (r instanceof CalcError) throw r;
      return r;
    },
  });
}
