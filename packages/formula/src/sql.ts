// SQL back end: a checked formula -> one PostgreSQL expression with `?` bindings.
// Error rule: an error never raises in SQL. `errorSql` yields the error code (text) or NULL per
// row, and `sql` is NULL whenever `errorSql` is not, so `sql` is safe in a WHERE clause.
import { castOf, divSql, ERR, firstErr, intRangeErr, intVal, orNull, sqlText } from './functions/helpers.ts';
import { powerSql } from './functions/builtins.ts';
import type { ParamType, SqlArg } from './functions/registry.ts';
import { bind, ident, q, raw, type Frag } from './sqlfrag.ts';
import type { CheckedFormula, FormulaType, PathStep, TNode } from './types.ts';

export interface CompileSqlOptions {
  /** SQL alias of the root row, e.g. "t". */
  alias: string;
  /** PostgreSQL schema that holds the tables (quoted); omitted -> search_path. */
  schema?: string;
  /** Fixed date for TODAY() as YYYY-MM-DD (reproducible runs); default CURRENT_DATE. */
  today?: string;
  /** Soft delete: aggregates only read child rows where this column IS NULL (e.g. "deleted_at"). */
  liveColumn?: string;
  /**
   * Record scope of the rows a formula reaches through relations (parent hops such as
   * `customer.name`, children of aggregates such as `SUM(orders.amount)`): per object, the owner
   * column and the owner ids whose rows may be read, or undefined when every row may. A parent
   * outside it reads as blank (NULL) and a child outside it is not aggregated. The root row is
   * the caller's to scope (it comes from their list query).
   */
  rowScope?: (object: string) => RowScope | undefined;
  /**
   * With a prefix (e.g. "j0_"), each parent hop from the root row (`customer.region`) is a
   * `LEFT JOIN` returned in `joins` — aliased `<prefix><n>`, one per distinct hop, the record scope
   * in its ON clause — and the expression reads the joined column. The caller adds the joins to
   * its FROM, where the root row is aliased `alias` and is a single table or subquery. Without
   * it, every hop is a correlated sub-select: one expression that fits anywhere, but PostgreSQL
   * runs it once per row (an index probe per order), where a join is one hash join per query.
   */
  joinPrefix?: string;
}

export interface RowScope {
  /** Column holding the row's owner (a uuid), a name from the metadata registry. */
  column: string;
  /** Owner ids (uuids) whose rows may be read; empty: no row may. */
  owners: readonly string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface CompiledSql {
  sql: string;
  bindings: unknown[];
  /** Text expression: the error code ('#DIV/0!', '#NUM!', '#VALUE!', '#N/A') or NULL. Null when the formula cannot fail. */
  errorSql: { sql: string; bindings: unknown[] } | null;
  type: FormulaType;
  /** `LEFT JOIN …` clauses the expressions read (only with `joinPrefix`), in order. */
  joins: Array<{ sql: string; bindings: unknown[] }>;
}

interface Out {
  v: Frag;
  e: Frag | null;
}

class SqlCompiler {
  private n = 0;
  private readonly opts: CompileSqlOptions;
  private childAlias: Frag | null = null;
  readonly joins: Frag[] = [];
  private readonly joinAt = new Map<string, Frag>();
  constructor(opts: CompileSqlOptions) {
    this.opts = opts;
  }

  private alias(prefix: string): Frag {
    return ident(`${prefix}${++this.n}`);
  }
  private table(name: string): Frag {
    return this.opts.schema ? q`${ident(this.opts.schema)}.${ident(name)}` : ident(name);
  }

  /** ` AND <row of object, aliased a, is inside the record scope>`, or nothing when unscoped. */
  private scoped(object: string, a: Frag): Frag {
    const scope = this.opts.rowScope?.(object);
    if (!scope) return raw('');
    const owners = scope.owners.filter((o) => UUID.test(o)).map((o) => o.toLowerCase());
    if (owners.length === 0) return raw(' AND false');
    // One bound array literal (uuids only, checked above), however many owners the scope has.
    return q` AND ${a}.${ident(scope.column)} = ANY(${{ sql: '?::uuid[]', params: [`{${owners.join(',')}}`] }})`;
  }

  /**
   * Column value at the end of a chain of many-to-one hops starting at `base`; `asStored` keeps the
   * column's own type (a uuid to join on) instead of the formula type.
   */
  private path(base: Frag, steps: PathStep[], asStored = false, fromRoot = false): Frag {
    let expr = q`${base}.${ident(steps[0]!.field.column)}`;
    for (let i = 1; i < steps.length; i++) {
      const s = steps[i]!;
      if (fromRoot && this.opts.joinPrefix !== undefined) {
        expr = q`${this.joined(expr, s)}.${ident(s.field.column)}`;
        continue;
      }
      const a = this.alias('r');
      expr = q`(SELECT ${a}.${ident(s.field.column)} FROM ${this.table(s.table)} AS ${a} WHERE ${a}."id" = ${expr}${this.scoped(s.object, a)})`;
    }
    if (asStored) return expr;
    // Read every column as its formula type. A reference (and the row id) is a uuid column that
    // the language types as text (its id, as the JS back end sees it): without `::text`,
    // `customer = "…"`, LEN(owner), COALESCE(owner, "") and friends are PostgreSQL type errors.
    // A text column's cast is a no-op.
    const cast = castOf(steps[steps.length - 1]!.field.type);
    return cast === 'numeric' || cast === 'text' ? q`(${expr})::${raw(cast)}` : expr;
  }

  /** The alias of the row `id` points at in the step's table: one LEFT JOIN per distinct hop. */
  private joined(id: Frag, step: PathStep): Frag {
    const key = `${step.table}|${id.sql}|${JSON.stringify(id.params)}`;
    let a = this.joinAt.get(key);
    if (!a) {
      a = ident(`${this.opts.joinPrefix}${this.joins.length + 1}`);
      this.joins.push(q`LEFT JOIN ${this.table(step.table)} AS ${a} ON ${a}."id" = ${id}${this.scoped(step.object, a)}`);
      this.joinAt.set(key, a);
    }
    return a;
  }

  private typed(o: Out, t: FormulaType, want: FormulaType | ParamType): Out {
    if (t !== 'null') return o;
    if (want === 'any' || want === 'null' || want === 'tier_table' || want === 'lookup_table') return o;
    return { v: raw(`NULL::${castOf(want === 'numeric' ? 'number' : want)}`), e: o.e };
  }

  node(n: TNode): Out {
    const o = this.node1(n);
    // A NULL-typed expression is always NULL: an untyped NULL adapts to its SQL context.
    return n.type === 'null' ? { v: raw('NULL'), e: o.e } : o;
  }

  private node1(n: TNode): Out {
    switch (n.kind) {
      case 'literal':
        if (n.value === null) return { v: raw('NULL'), e: null };
        if (n.type === 'boolean') return { v: bind(n.value, 'boolean'), e: null };
        if (n.type === 'text') return { v: bind(n.value, 'text'), e: null };
        return { v: bind(n.value, 'numeric'), e: null };
      case 'field': {
        const base = n.path.collection ? this.childAlias! : ident(this.opts.alias);
        return { v: this.path(base, n.path.steps, false, !n.path.collection), e: null };
      }
      case 'table':
        return { v: raw('NULL'), e: null };
      case 'unary': {
        const a = this.typed(this.node(n.arg), n.arg.type, n.op === 'NOT' ? 'boolean' : 'numeric');
        if (n.op === 'NOT') return { v: q`(NOT ${a.v})`, e: a.e };
        if (n.op === '%') return { v: q`(${a.v} * ${bind('0.01', 'numeric')})`, e: a.e };
        return { v: q`(- ${a.v})`, e: a.e };
      }
      case 'binary':
        return this.binary(n);
      case 'call':
        return this.call(n);
      case 'aggregate':
        return this.aggregate(n);
    }
  }

  private binary(n: TNode & { kind: 'binary' }): Out {
    const [lt, rt] = n.argTypes;
    const cmp = ['=', '<>', '<', '<=', '>', '>='].includes(n.op);
    // A NULL operand takes the other side's type (comparisons) or a plain number (arithmetic).
    const other = (t: FormulaType, o: FormulaType): FormulaType => (t !== 'null' ? t : cmp ? (o === 'null' ? 'text' : o) : o === 'null' || o === 'date' ? 'number' : o);
    const logical = n.op === 'AND' || n.op === 'OR';
    const l = this.typed(this.node(n.left), lt, logical ? 'boolean' : other(lt, rt));
    const r = this.typed(this.node(n.right), rt, logical ? 'boolean' : other(rt, lt));
    const both = firstErr([l.e, r.e]);
    const L = other(lt, rt);
    const Rt = other(rt, lt);
    switch (n.op) {
      case 'AND':
      case 'OR':
        return { v: q`(${l.v} ${raw(n.op)} ${r.v})`, e: both };
      case '&':
        return { v: q`(COALESCE(${sqlText({ v: l.v, type: lt })}, '') || COALESCE(${sqlText({ v: r.v, type: rt })}, ''))`, e: both };
      case '=':
      case '<>':
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const C = L === 'text' && Rt === 'text' ? raw(' COLLATE "C"') : raw('');
        return { v: q`(${l.v}${C} ${raw(n.op)} ${r.v})`, e: both };
      }
      case '^':
        return withErr(powerSql({ ...l, node: n.left } as SqlArg, { ...r, node: n.right } as SqlArg), [l.e, r.e]);
      case '/':
        return { v: divSql(l.v, r.v), e: firstErr([l.e, r.e, q`CASE WHEN ${r.v} = 0 THEN ${ERR.DIV0} END`]) };
      default:
        break;
    }
    if (L === 'date' && Rt === 'date') return { v: q`((${l.v}) - (${r.v}))::numeric`, e: both };
    if (L === 'date' || Rt === 'date') {
      const [d, k] = L === 'date' ? [l.v, r.v] : [r.v, l.v];
      const op = raw(n.op === '-' ? '-' : '+');
      return {
        v: q`(CASE WHEN trunc(${k}) BETWEEN -3000000 AND 3000000 THEN ${d} ${op} ${intVal(k)} END)`,
        e: firstErr([l.e, r.e, intRangeErr(k, -3000000, 3000000)]),
      };
    }
    return { v: q`(${l.v} ${raw(n.op)} ${r.v})`, e: both };
  }

  private call(n: TNode & { kind: 'call' }): Out {
    const def = n.def;
    const args: SqlArg[] = n.args.map((a, i) => {
      const p = def.params[Math.min(i, def.params.length - 1)]!;
      return { ...this.typed(this.node(a), a.type, p.type), node: a };
    });
    const out = def.sql(args, { today: () => (this.opts.today ? bind(this.opts.today, 'date') : raw('CURRENT_DATE')) });
    if (def.lazy) return { v: out.v, e: out.e ?? null };
    return withErr(
      out,
      args.map((a) => a.e),
    );
  }

  private aggregate(n: TNode & { kind: 'aggregate' }): Out {
    const col = n.collection;
    let parentId = col.parentSteps.length === 0 ? q`${ident(this.opts.alias)}."id"` : this.path(ident(this.opts.alias), col.parentSteps, true);
    // Children of a parent reached through a reference (`customer.orders`): a parent outside the
    // record scope reads as blank, so it has no children either.
    if (col.parentSteps.length > 0 && col.parentTable && this.opts.rowScope?.(col.parentObject)) {
      const p = this.alias('p');
      parentId = q`(SELECT ${p}."id" FROM ${this.table(col.parentTable)} AS ${p} WHERE ${p}."id" = ${parentId}${this.scoped(col.parentObject, p)})`;
    }
    const c = this.alias('c');
    const saved = this.childAlias;
    this.childAlias = c;
    const v = n.value ? this.node(n.value) : null;
    const cond = n.condition ? this.node(n.condition) : null;
    this.childAlias = saved;
    const live = this.opts.liveColumn ? q` AND ${c}.${ident(this.opts.liveColumn)} IS NULL` : raw('');
    const from = q`FROM ${this.table(col.childTable)} AS ${c} WHERE ${c}.${ident(col.foreignKey)} = ${parentId}${live}${this.scoped(col.childObject, c)}`;
    const where = cond ? q`${from} AND (${cond.v})` : from;
    const C = n.type === 'text' ? raw(' COLLATE "C"') : raw('');
    let agg: Frag;
    switch (n.name) {
      case 'COUNT':
        agg = v ? q`count(${v.v})::numeric` : raw('count(*)::numeric');
        break;
      case 'SUM':
        agg = q`COALESCE(sum(${v!.v}), 0)`;
        break;
      case 'AVG':
        agg = divSql(q`sum(${v!.v})`, q`count(${v!.v})`);
        break;
      // COLLATE "C" orders like the runtime; "default" keeps the result's collation neutral.
      default:
        agg = n.type === 'text' ? q`${raw(n.name.toLowerCase())}((${v!.v})${C}) COLLATE "default"` : q`${raw(n.name.toLowerCase())}(${v!.v})`;
    }
    const value = q`(SELECT ${agg} ${where})`;
    if (!v?.e && !cond?.e) return { v: value, e: null };
    const rowErr = cond ? q`CASE WHEN ${orNull(cond.e)} IS NOT NULL THEN ${orNull(cond.e)} WHEN ${cond.v} THEN ${orNull(v?.e ?? null)} END` : orNull(v?.e ?? null);
    const e = q`(SELECT min(("x")::text COLLATE "C") FROM (SELECT ${rowErr} AS "x" ${from}) AS "s")`;
    return { v: value, e };
  }
}

function withErr(out: { v: Frag; e?: Frag | null }, argErrs: Array<Frag | null>): Out {
  return { v: out.v, e: firstErr([...argErrs, out.e ?? null]) };
}

export function compileSql(checked: CheckedFormula, opts: CompileSqlOptions): CompiledSql {
  ident(opts.alias);
  if (opts.schema !== undefined) ident(opts.schema);
  if (opts.joinPrefix !== undefined) ident(`${opts.joinPrefix}1`);
  if (opts.today !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.today)) throw new Error('today must be YYYY-MM-DD');
  const c = new SqlCompiler(opts);
  const o = c.node(checked.ast);
  if (checked.type === 'null') o.v = raw('NULL::text');
  const v = o.e ? q`(CASE WHEN (${o.e}) IS NULL THEN ${o.v} END)` : o.v;
  return {
    sql: v.sql,
    bindings: [...v.params],
    errorSql: o.e ? { sql: o.e.sql, bindings: [...o.e.params] } : null,
    type: checked.type,
    joins: c.joins.map((j) => ({ sql: j.sql, bindings: [...j.params] })),
  };
}
