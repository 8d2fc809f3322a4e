// Tenant plugins' formula functions. The checker types a call from the plugin's declared
// signature like any built-in; neither back end can run it (the code lives in a plugin's
// sandbox), so the host evaluates a formula that uses one in stages: the arguments of the
// innermost plugin calls over all rows, then one batched plugin call per (function, batch of
// rows), whose results feed the enclosing expression as an input column (a "hole").
import type { FunctionDef, FunctionRegistry, ParamType } from './functions/registry.ts';
import type { CheckedFormula, FormulaType, TNode } from './types.ts';

export interface ExternalFunctionSpec {
  name: string;
  plugin: string;
  version: string;
  args: ParamType[];
  returns: FormulaType;
  enabled: boolean;
  label?: string;
}

/** Rows per plugin call: one call per (function, batch), never one per row. */
export const EXTERNAL_BATCH_ROWS = 1000;

const notHere = (name: string, where: string) => (): never => {
  // The evaluator replaces every plugin call before compiling; reaching this is a caller's bug.
  throw new Error(`plugin function ${name} cannot be compiled to ${where}; evaluate the formula with evaluateWithExternal`);
};

export function externalFunction(spec: ExternalFunctionSpec): FunctionDef {
  return {
    name: spec.name,
    params: spec.args.map((type, i) => ({ name: `arg${i + 1}`, type })),
    returns: spec.returns,
    ...(spec.label ? { description: { en: spec.label, 'zh-CN': spec.label } } : {}),
    external: { plugin: spec.plugin, version: spec.version, enabled: spec.enabled },
    sql: notHere(spec.name, 'SQL'),
    js: notHere(spec.name, 'JavaScript'),
  };
}

/** Registers the tenant's plugin functions on `into` (a built-in of the same name wins). */
export function registerExternal(into: FunctionRegistry, specs: readonly ExternalFunctionSpec[]): FunctionRegistry {
  for (const s of specs) if (!into.has(s.name)) into.register(externalFunction(s));
  return into;
}

type Call = TNode & { kind: 'call' };

function children(n: TNode): TNode[] {
  switch (n.kind) {
    case 'unary':
      return [n.arg];
    case 'binary':
      return [n.left, n.right];
    case 'call':
      return n.args;
    case 'aggregate':
      return [n.value, n.condition].filter((x): x is TNode => x !== null);
    default:
      return [];
  }
}

/** Plugin calls of a checked formula, innermost first. */
export function externalCalls(ast: TNode): Call[] {
  const out: Call[] = [];
  const walk = (n: TNode): void => {
    for (const c of children(n)) walk(c);
    if (n.kind === 'call' && n.def.external) out.push(n);
  };
  walk(ast);
  return out;
}

export function usesExternal(checked: { ast: TNode }): boolean {
  return externalCalls(checked.ast).length > 0;
}

/** The plugins whose functions a formula calls. */
export function externalPlugins(checked: { ast: TNode }): string[] {
  return [...new Set(externalCalls(checked.ast).map((c) => c.def.external?.plugin ?? ''))];
}

/** A copy of `n` with the nodes in `map` replaced. */
function replace(n: TNode, map: ReadonlyMap<TNode, TNode>): TNode {
  const hit = map.get(n);
  if (hit) return hit;
  switch (n.kind) {
    case 'unary':
      return { ...n, arg: replace(n.arg, map) };
    case 'binary':
      return { ...n, left: replace(n.left, map), right: replace(n.right, map) };
    case 'call':
      return { ...n, args: n.args.map((a) => replace(a, map)) };
    case 'aggregate':
      return { ...n, value: n.value && replace(n.value, map), condition: n.condition && replace(n.condition, map) };
    default:
      return n;
  }
}

/** Hole keys start with "$", which no field path can: they never collide with a real input. */
const HOLE = /^\$x\d+$/;
export const isHoleKey = (key: string): boolean => HOLE.test(key);

function hole(key: string, call: Call): TNode {
  return { kind: 'field', node: call.node, type: call.type, path: { steps: [], key } };
}

export interface RowValue {
  value: unknown;
  error: string | null;
}

export interface ExternalEvaluator {
  /** Evaluates a formula without plugin calls over the rows; hole keys are read from `holes`. */
  batch(formula: CheckedFormula, holes: Record<string, unknown[]>): Promise<RowValue[]>;
  /**
   * Optional: several formulas that read neither plugin calls nor holes, all at once (the store
   * reads them in one SQL query). Without it each goes through `batch`.
   */
  batchPlain?(formulas: CheckedFormula[]): Promise<RowValue[][]>;
  /** One batched plugin call: a result per row of arguments. */
  call(name: string, rows: unknown[][]): Promise<unknown[]>;
}

/** A plugin's answer as the formula runtime reads an input of the declared type; anything else is null. */
export function normalizeExternal(type: FormulaType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'number':
    case 'money':
    case 'percent':
    case 'integer': {
      if (typeof v === 'number') return Number.isFinite(v) ? (/e/i.test(String(v)) ? v.toFixed(12).replace(/\.?0+$/, '') : String(v)) : null;
      return typeof v === 'string' && /^-?\d+(?:\.\d+)?$/.test(v.trim()) ? v.trim() : null;
    }
    case 'boolean':
      return typeof v === 'boolean' ? v : null;
    case 'date':
      return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : null;
    default:
      return typeof v === 'string' ? v : null;
  }
}

/** An argument's error value on one row, carried in a hole column (the runtime's R.hole raises it where used). */
interface ErrorMark {
  error: string;
}
const isMark = (v: unknown): v is ErrorMark => v !== null && typeof v === 'object' && 'error' in v;

/**
 * Evaluates a formula that calls plugin functions over `rowCount` rows. A row whose argument is an
 * error value is not sent to the plugin: that call's result is the error on that row, raised only
 * where the formula uses it (`IF(amount > 0, F(x / amount), 0)` is 0, not #DIV/0!, when amount is
 * 0). A plugin's failure throws (the caller's plugin_failed), it is never turned into row values.
 */
export async function evaluateWithExternal(checked: CheckedFormula, rowCount: number, ev: ExternalEvaluator): Promise<RowValue[]> {
  const holes: Record<string, unknown[]> = {};
  const replaced = new Map<TNode, TNode>();
  const formulaOf = (n: TNode): CheckedFormula => ({ ok: true, type: n.type, ast: n, root: checked.root, source: checked.source });
  const marked = (out: RowValue[]): unknown[] => out.map((r) => (r.error !== null ? { error: r.error } : r.value));
  const calls = externalCalls(checked.ast);
  // Arguments without plugin calls inside, read together up front when the evaluator can.
  const plain = new Map<TNode, unknown[]>();
  if (ev.batchPlain) {
    const args = calls.flatMap((c) => c.args.filter((a) => a.kind !== 'literal' && externalCalls(a).length === 0));
    if (args.length > 0) (await ev.batchPlain(args.map(formulaOf))).forEach((out, j) => plain.set(args[j] as TNode, marked(out)));
  }
  const valuesOf = async (n: TNode): Promise<unknown[]> => {
    if (n.kind === 'literal') return new Array<unknown>(rowCount).fill(n.value);
    if (n.kind === 'field' && isHoleKey(n.path.key)) return holes[n.path.key] ?? [];
    return plain.get(n) ?? marked(await ev.batch(formulaOf(n), holes));
  };
  for (const [k, call] of calls.entries()) {
    const args: unknown[][] = [];
    for (const a of call.args) args.push(plain.get(a) ?? (await valuesOf(replace(a, replaced))));
    const results = new Array<unknown>(rowCount).fill(null);
    const live: number[] = [];
    for (let i = 0; i < rowCount; i++) {
      const mark = args.map((col) => col[i]).find(isMark);
      if (mark) results[i] = mark;
      else live.push(i);
    }
    for (let at = 0; at < live.length; at += EXTERNAL_BATCH_ROWS) {
      const part = live.slice(at, at + EXTERNAL_BATCH_ROWS);
      const got = await ev.call(
        call.name,
        part.map((i) => args.map((col) => col[i] ?? null)),
      );
      part.forEach((i, j) => {
        results[i] = normalizeExternal(call.type, got[j]);
      });
    }
    const key = `$x${k}`;
    holes[key] = results;
    replaced.set(call, hole(key, call));
  }
  const root = replace(checked.ast, replaced);
  // The whole formula is one plugin call: its column is the answer.
  if (root.kind === 'field' && isHoleKey(root.path.key)) return (holes[root.path.key] ?? []).map((v) => (isMark(v) ? { value: null, error: v.error } : { value: v ?? null, error: null }));
  return ev.batch(formulaOf(root), holes);
}
