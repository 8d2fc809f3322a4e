// JS back end: a checked formula -> JavaScript source text for the isolate (never run on the
// host). The source is an expression evaluating to `(columns, rowCount) => outputs`; it needs the
// prelude `formulaRuntimeSource` (global `__attain_rt`) in the same context.
import { powerJs } from './functions/builtins.ts';
import { kindOf } from './functions/helpers.ts';
import { compileFast, type FastInput } from './js-fast.ts';
import { isHoleKey } from './external.ts';
import type { JsEmitCtx } from './functions/registry.ts';
import { isNumeric, type CheckedFormula, type FormulaType, type TNode } from './types.ts';

export interface CompileJsOptions {
  /** Fixed date for TODAY() as YYYY-MM-DD; default: the current UTC date inside the isolate. */
  today?: string;
  /**
   * Numeric results as JS numbers (the nearest double to the exact decimal) instead of decimal
   * strings, returned as a Float64Array (NULL = NaN) unless a row has an error, then as an array
   * of numbers / null / `{error}`. Only for numeric result types (see `numericOutput` in the result).
   */
  numericOutput?: boolean;
  /** Static scale of the fast path per numeric input path (default money 2, percent/number 4, integer 0). */
  inputScales?: Record<string, number>;
  /** Default true; false compiles only the general BigInt path (differential tests, benchmarks). */
  fastPath?: boolean;
}

export interface CompiledJs {
  source: string;
  /** Keys of `columns` the caller must fill: scalar paths and collection paths. */
  inputs: string[];
  /** For each collection input: the child-relative paths each child row object must carry. */
  collections: Record<string, string[]>;
  type: FormulaType;
  /** True when outputs are numbers (numericOutput requested and the result type is numeric). */
  numericOutput: boolean;
  /** True when a safe-integer fast path was compiled (rows it cannot do exactly use the BigInt path). */
  fast: boolean;
}

const READ: Record<string, string> = { dec: 'R.inDec', text: 'R.inText', bool: 'R.inBool', date: 'R.inDate', datetime: 'R.inDateTime' };

class JsCompiler implements JsEmitCtx {
  private n = 0;
  readonly hoisted: string[] = [];
  readonly scalars = new Map<string, { v: string; type: FormulaType }>();
  readonly collections = new Map<string, { c: string; fields: Set<string> }>();
  /** Plugin results (external.ts): read where used, so an error value there fails only a branch that is taken. */
  readonly holes = new Map<string, string>();
  private row: string | null = null;
  private readonly todayIso: string | undefined;
  constructor(today: string | undefined) {
    this.todayIso = today;
  }

  lit(value: unknown): string {
    return JSON.stringify(value);
  }
  today(): string {
    return `R.today(${this.todayIso === undefined ? 'null' : this.lit(this.todayIso)})`;
  }
  uid(): string {
    return `u${++this.n}`;
  }
  hoist(expr: string): string {
    const name = `k${this.hoisted.length}`;
    this.hoisted.push(`const ${name} = ${expr};`);
    return name;
  }

  node(n: TNode): string {
    switch (n.kind) {
      case 'literal':
        if (n.value === null) return 'null';
        if (n.type === 'boolean') return String(n.value);
        if (n.type === 'text') return this.lit(n.value);
        return this.hoist(`R.inDec(${this.lit(n.value)})`);
      case 'table':
        return 'null';
      case 'field': {
        const read = READ[kindOf(n.type)]!;
        if (n.path.collection) {
          this.collections.get(n.path.collection)!.fields.add(n.path.key);
          return `${read}(${this.row}[${this.lit(n.path.key)}])`;
        }
        if (isHoleKey(n.path.key)) {
          let h = this.holes.get(n.path.key);
          if (!h) this.holes.set(n.path.key, (h = `h${this.holes.size}`));
          return `R.hole(${h}[i], ${read})`;
        }
        let s = this.scalars.get(n.path.key);
        if (!s) {
          s = { v: `v${this.scalars.size}`, type: n.type };
          this.scalars.set(n.path.key, s);
        }
        return s.v;
      }
      case 'unary': {
        const a = this.node(n.arg);
        return n.op === 'NOT' ? `R.not(${a})` : n.op === '%' ? `R.pct(${a})` : `R.neg(${a})`;
      }
      case 'binary':
        return this.binary(n);
      case 'call':
        return n.def.js(
          n.args.map((a) => this.node(a)),
          this,
          n.args,
        );
      case 'aggregate':
        return this.aggregate(n);
    }
  }

  private binary(n: TNode & { kind: 'binary' }): string {
    const l = this.node(n.left);
    const r = this.node(n.right);
    const [lt, rt] = n.argTypes;
    switch (n.op) {
      case 'AND':
        return `R.and(${l}, ${r})`;
      case 'OR':
        return `R.or(${l}, ${r})`;
      case '&':
        return `R.concat(R.text('${lt}', ${l}), R.text('${rt}', ${r}))`;
      case '=':
      case '<>':
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const k = kindOf(lt !== 'null' ? lt : rt);
        return `R.compare('${n.op}', '${k}', ${l}, ${r})`;
      }
      case '^':
        return powerJs(l, r, n.right);
      case '/':
        return `R.div(${l}, ${r})`;
      case '*':
        return `R.mul(${l}, ${r})`;
      default:
        break;
    }
    if (lt === 'date' && rt === 'date') return `R.diffDays(${l}, ${r})`;
    if (lt === 'date') return `R.${n.op === '-' ? 'subDays' : 'addDays'}(${l}, ${r})`;
    // number + date: keep left-to-right evaluation order.
    if (rt === 'date') return `((a, b) => R.addDays(b, a))(${l}, ${r})`;
    return `R.${n.op === '-' ? 'sub' : 'add'}(${l}, ${r})`;
  }

  private aggregate(n: TNode & { kind: 'aggregate' }): string {
    const key = n.collection.key;
    let c = this.collections.get(key);
    if (!c) {
      c = { c: `a${this.collections.size}`, fields: new Set() };
      this.collections.set(key, c);
    }
    const saved = this.row;
    this.row = this.uid();
    const v = n.value ? this.node(n.value) : 'true';
    const cond = n.condition ? this.node(n.condition) : null;
    const row = this.row;
    this.row = saved;
    const body = cond ? `{ const ok = R.test(${cond}); return [ok, ok ? ${v} : null]; }` : `[true, ${v}]`;
    const k = kindOf(n.value?.type ?? 'integer');
    return `R.aggregate(${this.lit(n.name)}, '${k}', ${c.c}[i], (${row}) => ${body})`;
  }
}

export function compileJs(checked: CheckedFormula, opts: CompileJsOptions = {}): CompiledJs {
  if (opts.today !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.today)) throw new Error('today must be YYYY-MM-DD');
  const c = new JsCompiler(opts.today);
  const expr = c.node(checked.ast);
  const numeric = opts.numericOutput === true && isNumeric(checked.type);
  const lines: string[] = ['(() => {', 'const R = __attain_rt;', ...c.hoisted, 'return (columns, rowCount) => {'];
  const reads: string[] = [];
  const fastInputs: FastInput[] = [];
  let i = 0;
  for (const [key, s] of c.scalars) {
    lines.push(`const s${i} = columns[${JSON.stringify(key)}] || [];`);
    reads.push(`const ${s.v} = ${READ[kindOf(s.type)]}(s${i}[i]);`);
    fastInputs.push({ key, column: `s${i}`, type: s.type });
    i++;
  }
  for (const [key, col] of c.collections) lines.push(`const ${col.c} = columns[${JSON.stringify(key)}] || [];`);
  for (const [key, h] of c.holes) lines.push(`const ${h} = columns[${JSON.stringify(key)}] || [];`);
  const fast = c.collections.size === 0 && opts.fastPath !== false ? compileFast(checked.ast, checked.type, fastInputs, numeric, opts.inputScales) : null;
  const slow = `R.run(() => { ${reads.join(' ')} return ${expr}; }, ${JSON.stringify(checked.type)})`;
  lines.push(`const slow = (i) => ${slow};`);
  lines.push(numeric ? 'const out = new Float64Array(rowCount); const errs = [];' : 'const out = new Array(rowCount);');
  lines.push('for (let i = 0; i < rowCount; i++) {');
  if (fast) lines.push('f: {', ...fast.lines, `out[i] = ${fast.result};`, 'continue;', '}');
  if (numeric) {
    // Errors cannot live in a Float64Array: collect them, and return a plain array if any.
    lines.push('const v = R.numCell(slow(i));', "if (v === null) out[i] = NaN; else if (typeof v === 'number') out[i] = v; else { out[i] = NaN; errs.push(i, v); }");
  } else lines.push('out[i] = slow(i);');
  lines.push('}');
  if (numeric) lines.push('if (errs.length > 0) { const cells = Array.from(out, (x) => (x === x ? x : null)); for (let k = 0; k < errs.length; k += 2) cells[errs[k]] = errs[k + 1]; return cells; }');
  lines.push('return out;', '};', '})()');
  const collections: Record<string, string[]> = {};
  for (const [key, col] of c.collections) collections[key] = [...col.fields].sort();
  return {
    source: lines.join('\n'),
    inputs: [...c.scalars.keys(), ...c.collections.keys(), ...c.holes.keys()],
    collections,
    type: checked.type,
    numericOutput: numeric,
    fast: fast !== null,
  };
}
