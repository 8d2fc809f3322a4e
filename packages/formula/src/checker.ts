// Type checker: resolves field paths against a FormulaSchema, types every node and reports all
// errors it can find with positions. Never throws on user input.
import { closest, diag } from './diagnostics.ts';
import { createFunctionRegistry } from './functions/index.ts';
import { unify } from './functions/helpers.ts';
import type { FunctionRegistry, ParamType } from './functions/registry.ts';
import { parse } from './parser.ts';
import {
  isNumeric,
  type BinaryOp,
  type CheckResult,
  type CollectionInfo,
  type FormulaError,
  type FormulaObject,
  type FormulaSchema,
  type FormulaType,
  type Node,
  type PathStep,
  type Span,
  type TNode,
} from './types.ts';

export interface CheckOptions {
  schema: FormulaSchema;
  /** Api name of the root object the formula is evaluated on. */
  root: string;
  functions?: FunctionRegistry;
  /**
   * Which field and relation names of an object a hint may offer ("did you mean", examples), e.g.
   * only what the caller may read, so a hint never names a field hidden from them. Default: every
   * name the schema lists.
   */
  suggest?: (object: string, name: string) => boolean;
  /** Where the formula runs only in SQL, named when a plugin function is refused; unset: allowed (see external.ts). */
  sqlOnly?: string;
}

interface Scope {
  collection?: CollectionInfo;
  childObject?: FormulaObject;
}

const AGGREGATES = new Set(['SUM', 'COUNT', 'AVG', 'MIN', 'MAX']);
/** A record id as a reference holds it (PostgreSQL prints uuids in lower case). */
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Resolved = { kind: 'field'; steps: PathStep[] } | { kind: 'collection'; info: CollectionInfo; rest: string[] } | { kind: 'error' };

function spanOf(n: Span): Span {
  return { line: n.line, column: n.column, offset: n.offset, length: n.length };
}

/** How many formula fields deep a formula may reach through formula fields that use formula fields. */
const MAX_INLINE = 8;

/** A copy of `node` at the span of `at`, every path under it reached through `prefix` first. */
function relocate(node: Node, at: Span, prefix: string[]): Node {
  const span = spanOf(at);
  switch (node.kind) {
    case 'path':
      return { ...node, ...span, segments: [...prefix, ...node.segments] };
    case 'unary':
      return { ...node, ...span, arg: relocate(node.arg, at, prefix) };
    case 'binary':
      return { ...node, ...span, left: relocate(node.left, at, prefix), right: relocate(node.right, at, prefix) };
    case 'call':
      return { ...node, ...span, nameSpan: span, args: node.args.map((a) => relocate(a, at, prefix)) };
    default:
      return { ...node, ...span };
  }
}

function names(o: FormulaObject): string[] {
  return [...(o.fieldNames?.() ?? []), ...(o.childNames?.() ?? [])];
}

export class Checker {
  readonly errors: FormulaError[] = [];
  private readonly schema: FormulaSchema;
  private readonly root: FormulaObject;
  private readonly fns: FunctionRegistry;
  private readonly suggest: (object: string, name: string) => boolean;
  private readonly sqlOnly: string | undefined;

  constructor(schema: FormulaSchema, root: FormulaObject, fns: FunctionRegistry, suggest: (object: string, name: string) => boolean = () => true, sqlOnly?: string) {
    this.schema = schema;
    this.root = root;
    this.fns = fns;
    this.suggest = suggest;
    this.sqlOnly = sqlOnly;
  }

  private err(code: string, at: Span, params: Record<string, string | number> = {}, hintCode = 'NONE', hintParams: Record<string, string | number> = {}): null {
    this.errors.push(diag(code, spanOf(at), params, hintCode, hintParams));
    return null;
  }

  /** Walk a path from `start`; report errors only when `report`. */
  private walk(segments: string[], start: FormulaObject, at: Span, report: boolean, prefix: string[] = []): Resolved {
    let obj = start;
    const steps: PathStep[] = [];
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      const last = i === segments.length - 1;
      const f = obj.field(seg) ?? obj.field(seg.toLowerCase());
      if (f) {
        steps.push({ object: obj.name, table: obj.table, field: f });
        if (last) return { kind: 'field', steps };
        const target = f.ref ? this.schema.object(f.ref) : undefined;
        if (!target) {
          if (report) this.err(f.ref ? 'UNKNOWN_OBJECT' : 'NOT_A_RELATION', at, { name: f.ref ?? seg, object: obj.name });
          return { kind: 'error' };
        }
        obj = target;
        continue;
      }
      const ch = obj.children?.(seg) ?? obj.children?.(seg.toLowerCase());
      if (ch) {
        const child = this.schema.object(ch.object);
        if (!child) {
          if (report) this.err('UNKNOWN_OBJECT', at, { name: ch.object });
          return { kind: 'error' };
        }
        const hops = steps.map((s) => s);
        return {
          kind: 'collection',
          info: {
            key: [...prefix, ...segments.slice(0, i + 1)].join('.'),
            parentSteps: hops,
            parentObject: obj.name,
            parentTable: obj.table,
            childObject: child.name,
            childTable: child.table,
            foreignKey: ch.foreignKey,
          },
          rest: segments.slice(i + 1),
        };
      }
      if (report) {
        const guess = closest(
          seg,
          names(obj).filter((name) => this.suggest(obj.name, name)),
        );
        this.err('UNKNOWN_FIELD', at, { name: seg, object: obj.name }, guess ? 'DID_YOU_MEAN' : 'CHECK_SPELLING', guess ? { name: guess } : {});
      }
      return { kind: 'error' };
    }
    /* v8 ignore next 2 -- the parser never yields an empty path */
    return { kind: 'error' };
  }

  private path(n: Node & { kind: 'path' }, scope: Scope): TNode | null {
    const key = n.segments.join('.');
    const col = scope.collection;
    if (col && scope.childObject) {
      const parts = col.key.split('.');
      if (parts.every((p, i) => n.segments[i] === p)) {
        const rest = n.segments.slice(parts.length);
        if (rest.length === 0) return this.err('COLLECTION_OUTSIDE_AGGREGATE', n, { name: key }, 'USE_AGGREGATE');
        const r = this.walk(rest, scope.childObject, n, true);
        if (r.kind === 'collection') return this.err('NESTED_AGGREGATE', n, { name: key });
        if (r.kind === 'error') return null;
        const last = r.steps[r.steps.length - 1]!;
        if (last.field.formula !== undefined) return this.inline(n, last.field, last.object, scope);
        return { kind: 'field', node: n, type: last.field.type, path: { steps: r.steps, key: rest.join('.'), collection: col.key } };
      }
    }
    const r = this.walk(n.segments, this.root, n, true);
    if (r.kind === 'collection') {
      return col ? this.err('NESTED_AGGREGATE', n, { name: key }) : this.err('COLLECTION_OUTSIDE_AGGREGATE', n, { name: key }, 'USE_AGGREGATE');
    }
    if (r.kind === 'error') return null;
    const last = r.steps[r.steps.length - 1]!;
    if (last.field.formula !== undefined) return this.inline(n, last.field, last.object, scope);
    return { kind: 'field', node: n, type: last.field.type, path: { steps: r.steps, key } };
  }

  /** Formula fields being inlined, outermost first (a cycle is reported with this path). */
  private readonly inlining: string[] = [];

  /**
   * A formula field used by this formula: its expression stands in its place, reached by the same
   * path (`customer.score` reads the customer's fields), at the position of the reference.
   */
  private inline(n: Node & { kind: 'path' }, field: { name: string; formula?: string }, owner: string, scope: Scope): TNode | null {
    const id = `${owner}.${field.name}`;
    const seen = this.inlining.indexOf(id);
    if (seen >= 0) return this.err('FORMULA_CYCLE', n, { path: [...this.inlining.slice(seen), id].join(' → ') });
    if (this.inlining.length >= MAX_INLINE) return this.err('FORMULA_FIELD_DEPTH', n, { name: field.name, max: MAX_INLINE });
    const parsed = parse(field.formula ?? '');
    if (!parsed.ok) return this.err('FORMULA_FIELD_INVALID', n, { name: field.name, object: owner });
    const moved = relocate(parsed.ast, n, n.segments.slice(0, -1));
    this.inlining.push(id);
    try {
      return this.node(moved, scope);
    } finally {
      this.inlining.pop();
    }
  }

  /** Collections referenced by paths under `n` (probing, no errors). */
  private collections(n: Node, out: Map<string, CollectionInfo>): void {
    switch (n.kind) {
      case 'path': {
        const r = this.walk(n.segments, this.root, n, false);
        if (r.kind === 'collection') out.set(r.info.key, r.info);
        return;
      }
      case 'unary':
        this.collections(n.arg, out);
        return;
      case 'binary':
        this.collections(n.left, out);
        this.collections(n.right, out);
        return;
      case 'call':
        for (const a of n.args) this.collections(a, out);
        return;
      default:
        return;
    }
  }

  node(n: Node, scope: Scope): TNode | null {
    switch (n.kind) {
      case 'number': {
        const v = n.text;
        const type: FormulaType = /^\d+$/.test(v) ? 'integer' : 'number';
        return { kind: 'literal', node: n, type, value: v };
      }
      case 'text':
        return { kind: 'literal', node: n, type: 'text', value: n.value };
      case 'boolean':
        return { kind: 'literal', node: n, type: 'boolean', value: n.value };
      case 'null':
        return { kind: 'literal', node: n, type: 'null', value: null };
      case 'path':
        return this.path(n, scope);
      case 'unary':
        return this.unary(n, scope);
      case 'binary':
        return this.binary(n, scope);
      case 'call':
        return this.call(n, scope);
    }
  }

  private unary(n: Node & { kind: 'unary' }, scope: Scope): TNode | null {
    const arg = this.node(n.arg, scope);
    if (!arg) return null;
    const t = arg.type;
    if (n.op === 'NOT') {
      if (t !== 'boolean' && t !== 'null') return this.err('UNARY_TYPE', n, { op: 'NOT', type: t });
      return { kind: 'unary', node: n, type: 'boolean', op: 'NOT', arg };
    }
    if (!isNumeric(t) && t !== 'null') return this.err('UNARY_TYPE', n, { op: n.op, type: t });
    if (n.op === '+') return arg;
    if (n.op === '%') {
      const type: FormulaType = t === 'money' ? 'money' : 'percent';
      return { kind: 'unary', node: n, type, op: '%', arg };
    }
    return { kind: 'unary', node: n, type: t === 'null' ? 'number' : t, op: '-', arg };
  }

  private binary(n: Node & { kind: 'binary' }, scope: Scope): TNode | null {
    const l = this.node(n.left, scope);
    const r = this.node(n.right, scope);
    if (!l || !r) return null;
    if ((n.op === '=' || n.op === '<>') && (this.refVersusText(n, l, r) || this.refVersusText(n, r, l))) return null;
    const res = binaryType(n.op, l.type, r.type);
    if (typeof res !== 'string') return this.err('OPERATOR_TYPE', n, { op: n.op, left: l.type, right: r.type }, res.hint);
    return { kind: 'binary', node: n, type: res, op: n.op, left: l, right: r, argTypes: [l.type, r.type] };
  }

  /**
   * A reference compares as its record's id (text), so `customer = "Acme"` and `owner <> ""` are
   * constant: no id is "Acme", and an unset reference is NULL, not "". Refuse them with the
   * comparison the admin most likely meant rather than return FALSE/NULL on every row.
   */
  private refVersusText(n: Node, ref: TNode, text: TNode): boolean {
    if (ref.kind !== 'field' || text.kind !== 'literal' || typeof text.value !== 'string' || text.type !== 'text') return false;
    const field = ref.path.steps[ref.path.steps.length - 1]!.field;
    if (!field.ref || ID.test(text.value)) return false;
    const name = ref.node.kind === 'path' ? ref.node.segments.join('.') : ref.path.key;
    if (text.value === '') this.err('REF_EMPTY_TEXT', n, { name }, 'USE_ISBLANK', { name });
    else if (ID.test(text.value.toLowerCase())) this.err('REF_TEXT', n, { name, object: field.ref, text: text.value }, 'DID_YOU_MEAN', { name: text.value.toLowerCase() });
    else {
      const label = this.textFieldOf(field.ref) ?? '…';
      this.err('REF_TEXT', n, { name, object: field.ref, text: text.value }, 'COMPARE_REF_FIELD', { example: `${name}.${label} = "${text.value.replace(/"/g, '""')}"` });
    }
    return true;
  }

  /** A text field that names records of `object` for an example: `name`, else the first plain text field a hint may offer. */
  private textFieldOf(object: string): string | undefined {
    const o = this.schema.object(object);
    if (!o) return undefined;
    const plain = (n: string) => {
      const f = o.field(n);
      return f !== undefined && f.type === 'text' && !f.ref && n !== 'id' && !n.endsWith('_id') && this.suggest(o.name, n);
    };
    return plain('name') ? 'name' : (o.fieldNames?.() ?? []).find(plain);
  }

  private call(n: Node & { kind: 'call' }, scope: Scope): TNode | null {
    if (AGGREGATES.has(n.name) && n.args.length >= 1) {
      const found = new Map<string, CollectionInfo>();
      this.collections(n.args[0]!, found);
      if (found.size > 0) return this.aggregate(n, scope, found);
    }
    if (n.name === 'COUNT' || n.name === 'AVG') {
      return this.err('COLLECTION_OUTSIDE_AGGREGATE', n.args[0] ?? n, { name: n.name }, 'USE_AGGREGATE');
    }
    const def = this.fns.get(n.name);
    if (!def) {
      const guess = closest(n.name, this.fns.names());
      return this.err('UNKNOWN_FUNCTION', n.nameSpan, { name: n.name }, guess ? 'DID_YOU_MEAN' : 'SEE_FUNCTIONS', guess ? { name: guess } : {});
    }
    const ext = def.external;
    if (ext && !ext.enabled) return this.err('PLUGIN_FUNCTION_DISABLED', n.nameSpan, { name: def.name, plugin: ext.plugin }, 'ENABLE_PLUGIN', { name: def.name, plugin: ext.plugin });
    // Not inside an aggregate: it would run once per related row, which the host's batches do not do.
    if (ext && (this.sqlOnly !== undefined || scope.collection))
      return this.err('PLUGIN_FUNCTION_HOST_ONLY', n.nameSpan, { name: def.name, plugin: ext.plugin, where: this.sqlOnly ?? 'an aggregate over related records' });
    const required = def.params.filter((p) => !p.optional).length;
    const max = def.variadic ? Infinity : def.params.length;
    if (n.args.length < required || n.args.length > max) {
      const expected = def.variadic ? `${required}+` : required === def.params.length ? `${required}` : `${required}-${def.params.length}`;
      this.err('ARG_COUNT', n, { name: n.name, expected, got: n.args.length });
      for (const a of n.args) this.node(a, scope);
      return null;
    }
    const args: TNode[] = [];
    let ok = true;
    n.args.forEach((a, i) => {
      const p = def.params[Math.min(i, def.params.length - 1)]!;
      if (p.type === 'tier_table' || p.type === 'lookup_table') {
        const t = this.table(a, p.type, n.name);
        if (t) args.push(t);
        else ok = false;
        return;
      }
      const t = this.node(a, scope);
      if (!t) {
        ok = false;
        return;
      }
      if (p.literal || p.literalCheck) {
        const v = t.kind === 'literal' && typeof t.value === 'string' && t.type === 'text' ? t.value : null;
        const valid = v !== null && (p.literal ? p.literal.includes(v.toLowerCase()) : p.literalCheck!(v));
        if (!valid) {
          this.err('LITERAL_REQUIRED', a, { name: n.name, index: i + 1, expected: p.literal ? p.literal.map((x) => `"${x}"`).join(', ') : 'a format' });
          ok = false;
          return;
        }
      }
      if (!accepts(p.type, t.type)) {
        this.err('ARG_TYPE', a, { name: n.name, index: i + 1, expected: p.type, got: t.type });
        ok = false;
        return;
      }
      args.push(t);
    });
    if (!ok) return null;
    let type: FormulaType;
    if (typeof def.returns === 'string') type = def.returns;
    else {
      const r = def.returns(
        args.map((a) => a.type),
        args,
      );
      if (typeof r !== 'string') {
        const at = r.argIndex !== undefined ? (n.args[r.argIndex] ?? n) : n;
        return this.err(r.error, at, r.params ?? {}, r.hint ?? 'NONE');
      }
      type = r;
    }
    return { kind: 'call', node: n, type, name: def.name, args, def };
  }

  private table(a: Node, kind: ParamType, fn: string): TNode | null {
    const name = a.kind === 'text' ? a.value : a.kind === 'path' && a.segments.length === 1 ? a.segments[0]! : null;
    const t = name !== null ? this.schema.rateTable?.(name) : undefined;
    if (!t) return this.err('UNKNOWN_TABLE', a, { name: name ?? '?' });
    const want = kind === 'tier_table' ? 'tier' : 'lookup';
    if (t.kind !== want) return this.err('TABLE_KIND', a, { name: t.name, expected: want, fn });
    return { kind: 'table', node: a, type: 'text', table: t };
  }

  private aggregate(n: Node & { kind: 'call' }, scope: Scope, found: Map<string, CollectionInfo>): TNode | null {
    if (scope.collection || found.size > 1) {
      return this.err('NESTED_AGGREGATE', n, { name: [...found.keys()].join(', ') });
    }
    const info = [...found.values()][0]!;
    if (n.args.length > 2) return this.err('ARG_COUNT', n, { name: n.name, expected: '1-2', got: n.args.length });
    const child = this.schema.object(info.childObject)!;
    const inner: Scope = { collection: info, childObject: child };
    const first = n.args[0]!;
    const bare = first.kind === 'path' && first.segments.join('.') === info.key;
    let value: TNode | null = null;
    if (bare) {
      if (n.name !== 'COUNT') return this.err('COLLECTION_OUTSIDE_AGGREGATE', first, { name: info.key }, 'USE_AGGREGATE');
    } else {
      value = this.node(first, inner);
      if (!value) return null;
    }
    let condition: TNode | null = null;
    if (n.args[1]) {
      condition = this.node(n.args[1], inner);
      if (!condition) return null;
      if (condition.type !== 'boolean' && condition.type !== 'null') return this.err('NOT_BOOLEAN', n.args[1], { name: n.name, got: condition.type });
    }
    let type: FormulaType;
    const vt = value?.type ?? 'integer';
    switch (n.name) {
      case 'COUNT':
        type = 'integer';
        break;
      case 'SUM':
      case 'AVG':
        if (!isNumeric(vt) && vt !== 'null') return this.err('ARG_TYPE', first, { name: n.name, index: 1, expected: 'numeric', got: vt });
        type = vt === 'null' ? 'number' : n.name === 'AVG' && vt === 'integer' ? 'number' : vt;
        break;
      default:
        if (vt === 'boolean' || vt === 'datetime') return this.err('ARG_TYPE', first, { name: n.name, index: 1, expected: 'number, text or date', got: vt });
        type = vt === 'null' ? 'number' : vt;
    }
    return { kind: 'aggregate', node: n, type, name: n.name, collection: info, value, condition };
  }
}

export function accepts(p: ParamType, t: FormulaType): boolean {
  if (p === 'any' || t === 'null') return true;
  if (p === 'numeric') return isNumeric(t);
  return p === t;
}

type BinResult = FormulaType | { hint: string };

export function binaryType(op: BinaryOp, l: FormulaType, r: FormulaType): BinResult {
  const bad: { hint: string } = { hint: 'NONE' };
  // NULL is neutral: it takes the role of a plain number in arithmetic.
  const L = l === 'null' ? 'number' : l;
  const R = r === 'null' ? 'number' : r;
  switch (op) {
    case 'AND':
    case 'OR':
      return (l === 'boolean' || l === 'null') && (r === 'boolean' || r === 'null') ? 'boolean' : bad;
    case '&':
      return 'text';
    case '=':
    case '<>':
    case '<':
    case '<=':
    case '>':
    case '>=':
      if (l === 'null' || r === 'null') return 'boolean';
      return unify(l, r) ? 'boolean' : bad;
    case '+':
    case '-': {
      if ((L === 'money' && R === 'date') || (L === 'date' && R === 'money')) return { hint: 'MONEY_DATE' };
      if (L === 'date' && isNumeric(R)) return 'date';
      if (op === '+' && R === 'date' && isNumeric(L)) return 'date';
      if (op === '-' && L === 'date' && R === 'date') return 'integer';
      if (!isNumeric(L) || !isNumeric(R)) return bad;
      if (L === 'money' || R === 'money') return L === 'percent' || R === 'percent' ? { hint: 'MONEY_PERCENT' } : 'money';
      if (L === R) return L;
      return 'number';
    }
    case '*': {
      if (!isNumeric(L) || !isNumeric(R)) return bad;
      if (L === 'money' && R === 'money') return bad;
      if (L === 'money' || R === 'money') return 'money';
      if (L === R) return L;
      return 'number';
    }
    case '/': {
      if (!isNumeric(L) || !isNumeric(R)) return bad;
      if (L === 'money') return R === 'money' ? 'number' : 'money';
      if (R === 'money') return bad;
      return 'number';
    }
    case '^':
      return isNumeric(L) && isNumeric(R) ? 'number' : bad;
  }
}

export function check(source: string, opts: CheckOptions): CheckResult {
  const parsed = parse(source);
  if (!parsed.ok) return parsed;
  const root = opts.schema.object(opts.root);
  if (!root) {
    return { ok: false, errors: [diag('UNKNOWN_OBJECT', { line: 1, column: 1, offset: 0, length: 0 }, { name: opts.root })] };
  }
  const c = new Checker(opts.schema, root, opts.functions ?? createFunctionRegistry(), opts.suggest, opts.sqlOnly);
  const ast = c.node(parsed.ast, {});
  if (!ast || c.errors.length > 0) return { ok: false, errors: c.errors };
  return { ok: true, type: ast.type, ast, root: opts.root, source };
}
