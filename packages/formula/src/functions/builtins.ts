// The built-in function library. Aggregate forms of SUM/COUNT/AVG/MIN/MAX (first argument a
// one-to-many path) are handled by the checker and the back ends; these are the scalar forms.
import { bind, q, raw, type Frag } from '../sqlfrag.ts';
import type { FormulaType, RateTable, TNode } from '../types.ts';
import { castOf, divSql, ERR, errCase, intRangeErr, intVal, kindOf, letIn, numLit, orNull, sqlArgText, unify } from './helpers.ts';
import type { FunctionDef, SqlArg, TypeRuleFail } from './registry.ts';

const sameAs =
  (i: number) =>
  (t: FormulaType[]): FormulaType => {
    const x = t[i] ?? 'number';
    return x === 'null' ? 'number' : x;
  };

function unifyAll(name: string, types: FormulaType[]): FormulaType | TypeRuleFail {
  let acc: FormulaType = 'null';
  for (const [i, t] of types.entries()) {
    const u = unify(acc, t);
    if (!u) return { error: 'INCOMPATIBLE_TYPES', params: { name, left: acc, right: t }, argIndex: i };
    acc = u;
  }
  return acc;
}

const jsList = (a: string[]) => a.join(', ');
const lit = (n: TNode): string => {
  const v = n.kind === 'literal' ? n.value : null;
  return typeof v === 'string' ? v.toLowerCase() : '';
};
const litRaw = (n: TNode): string => (n.kind === 'literal' && typeof n.value === 'string' ? n.value : '');

/** Evaluate a strict numeric int argument in SQL: value, plus its range error. */
function withInt(a: SqlArg | undefined, lo: number, hi: number, dflt = '0'): { k: Frag; e: Frag | null; src: Frag } {
  const src = a ? a.v : numLit(dflt);
  return { k: intVal(src), e: a ? intRangeErr(src, lo, hi) : null, src };
}

const NUMBER_FMT = /^0(\.0+)?%?$/;
const DATE_FMT = /^(YYYY|MM|DD|[-/. ])+$/;

function ifDef(): FunctionDef {
  return {
    name: 'IF',
    params: [
      { name: 'condition', type: 'boolean' },
      { name: 'then', type: 'any' },
      { name: 'else', type: 'any', optional: true },
    ],
    lazy: true,
    returns: (t) => unifyAll('IF', t.slice(1)),
    sql([c, a, b]) {
      const bv = b ? b.v : raw('NULL');
      const v = q`(CASE WHEN ${c!.v} THEN ${a!.v} ELSE ${bv} END)`;
      if (!c!.e && !a!.e && !b?.e) return { v };
      const e = q`(CASE WHEN ${orNull(c!.e)} IS NOT NULL THEN ${orNull(c!.e)} WHEN ${c!.v} THEN ${orNull(a!.e)} ELSE ${orNull(b?.e ?? null)} END)`;
      return { v, e };
    },
    js: ([c, a, b]) => `(R.test(${c}) ? ${a} : ${b ?? 'null'})`,
  };
}

function ifsDef(): FunctionDef {
  return {
    name: 'IFS',
    params: [
      { name: 'condition', type: 'any' },
      { name: 'value', type: 'any' },
    ],
    variadic: true,
    lazy: true,
    returns: (t, args) => {
      if (t.length % 2 !== 0) return { error: 'ARG_COUNT', params: { name: 'IFS', expected: 'an even number of', got: t.length } };
      for (let i = 0; i < t.length; i += 2) {
        if (t[i] !== 'boolean' && t[i] !== 'null') {
          return { error: 'NOT_BOOLEAN', params: { name: 'IFS', got: t[i]! }, argIndex: i };
        }
      }
      void args;
      return unifyAll(
        'IFS',
        t.filter((_, i) => i % 2 === 1),
      );
    },
    sql(args) {
      let v = raw('(CASE');
      let e = raw('(CASE');
      for (let i = 0; i < args.length; i += 2) {
        const c = args[i]!;
        const r = args[i + 1]!;
        v = q`${v} WHEN ${c.v} THEN ${r.v}`;
        if (c.e) e = q`${e} WHEN ${c.e} IS NOT NULL THEN ${c.e}`;
        e = q`${e} WHEN ${c.v} THEN ${orNull(r.e)}`;
      }
      return { v: q`${v} END)`, e: q`${e} ELSE ${ERR.NA} END)` };
    },
    js(args) {
      let s = 'R.na()';
      for (let i = args.length - 2; i >= 0; i -= 2) s = `(R.test(${args[i]}) ? ${args[i + 1]} : ${s})`;
      return s;
    },
  };
}

function switchDef(): FunctionDef {
  return {
    name: 'SWITCH',
    params: [
      { name: 'expression', type: 'any' },
      { name: 'value', type: 'any' },
      { name: 'result', type: 'any' },
    ],
    variadic: true,
    lazy: true,
    returns: (t) => {
      const x = t[0]!;
      const pairs = Math.floor((t.length - 1) / 2);
      for (let i = 0; i < pairs; i++) {
        const k = t[1 + 2 * i]!;
        if (!unify(x, k)) return { error: 'INCOMPATIBLE_TYPES', params: { name: 'SWITCH', left: x, right: k }, argIndex: 1 + 2 * i };
      }
      const results = t.filter((_, i) => i > 0 && (i % 2 === 0 || i === t.length - 1));
      return unifyAll('SWITCH', results);
    },
    sql(args) {
      const x = args[0]!;
      const pairs = Math.floor((args.length - 1) / 2);
      const dflt = args.length % 2 === 0 ? args[args.length - 1]! : null;
      const C = x.node.type === 'text' ? raw(' COLLATE "C"') : raw('');
      let v = raw('(CASE');
      let e = raw('(CASE');
      if (x.e) e = q`${e} WHEN ${x.e} IS NOT NULL THEN ${x.e}`;
      for (let i = 0; i < pairs; i++) {
        const k = args[1 + 2 * i]!;
        const r = args[2 + 2 * i]!;
        v = q`${v} WHEN ${x.v}${C} = ${k.v} THEN ${r.v}`;
        if (k.e) e = q`${e} WHEN ${k.e} IS NOT NULL THEN ${k.e}`;
        e = q`${e} WHEN ${x.v}${C} = ${k.v} THEN ${orNull(r.e)}`;
      }
      v = q`${v} ELSE ${dflt ? dflt.v : raw('NULL')} END)`;
      e = q`${e} ELSE ${dflt ? orNull(dflt.e) : ERR.NA} END)`;
      return { v, e };
    },
    js(args, ctx, nodes) {
      const s = ctx.uid();
      const k = kindOf(nodes[0]!.type);
      const pairs = Math.floor((args.length - 1) / 2);
      let body = args.length % 2 === 0 ? args[args.length - 1]! : 'R.na()';
      for (let i = pairs - 1; i >= 0; i--) {
        body = `(R.test(R.compare('=', '${k}', ${s}, ${args[1 + 2 * i]})) ? ${args[2 + 2 * i]} : ${body})`;
      }
      return `((${s}) => ${body})(${args[0]})`;
    },
  };
}

function logic(name: 'AND' | 'OR'): FunctionDef {
  return {
    name,
    params: [{ name: 'logical', type: 'boolean' }],
    variadic: true,
    returns: 'boolean',
    sql: (args) => ({ v: q`(${args.map((a) => a.v).reduce((x, y) => q`${x} ${raw(name)} ${y}`)})` }),
    js: (args) => `R.${name.toLowerCase()}(${jsList(args)})`,
  };
}

function numeric1(name: string, sqlFn: string, jsFn: string, ret?: FormulaType): FunctionDef {
  return {
    name,
    params: [{ name: 'value', type: 'numeric' }],
    returns: ret ?? sameAs(0),
    sql: ([a]) => ({ v: q`${raw(sqlFn)}(${a!.v})` }),
    js: ([a]) => `R.${jsFn}(${a})`,
  };
}

function roundDef(name: 'ROUND' | 'ROUNDUP' | 'ROUNDDOWN'): FunctionDef {
  return {
    name,
    params: [
      { name: 'value', type: 'numeric' },
      { name: 'digits', type: 'numeric', optional: true },
    ],
    returns: (t) => {
      const x = sameAs(0)(t);
      return x === 'integer' ? 'number' : x;
    },
    sql([a, n]) {
      const { k, e, src } = withInt(n, -100, 100);
      if (name === 'ROUND') return { v: q`round(${a!.v}, ${k})`, e };
      if (name === 'ROUNDDOWN') return { v: q`trunc(${a!.v}, ${k})`, e };
      const v = letIn(
        [
          { v: a!.v, type: 'number' },
          { v: src, type: 'number' },
        ],
        ([x, d]) => {
          const kk = intVal(d!);
          return q`CASE WHEN trunc(${x!}, ${kk}) = ${x!} THEN trunc(${x!}, ${kk}) ELSE trunc(${x!}, ${kk}) + sign(${x!}) * round(power(10::numeric, -${kk}), greatest(${kk}, 0)) END`;
        },
      );
      return { v, e };
    },
    js: ([a, n]) => `R.${name === 'ROUND' ? 'round' : name === 'ROUNDUP' ? 'roundUp' : 'roundDown'}(${a}, ${n ?? 'R.dec("0", 0)'})`,
  };
}

function minmax(name: 'MIN' | 'MAX'): FunctionDef {
  return {
    name,
    params: [{ name: 'value', type: 'any' }],
    variadic: true,
    returns: (t) => {
      const u = unifyAll(name, t);
      if (typeof u === 'string' && (u === 'boolean' || u === 'datetime')) return { error: 'ARG_TYPE', params: { name, index: 1, expected: 'number, text or date', got: u }, argIndex: 0 };
      return u;
    },
    sql(args) {
      const C = args.some((a) => a.node.type === 'text') ? raw(' COLLATE "C"') : raw('');
      const list = args.map((a) => q`(${a.v})${C}`).reduce((x, y) => q`${x}, ${y}`);
      const v = q`${raw(name === 'MIN' ? 'least' : 'greatest')}(${list})`;
      return { v: args.some((a) => a.node.type === 'text') ? q`(${v} COLLATE "default")` : v };
    },
    js: (args, _ctx, nodes) => {
      const t = nodes.map((n) => n.type).find((x) => x !== 'null') ?? 'number';
      return `R.${name === 'MIN' ? 'least' : 'greatest'}('${kindOf(t)}', ${jsList(args)})`;
    },
  };
}

function textFn(name: string, sqlFn: (a: Frag) => Frag, jsFn: string): FunctionDef {
  return {
    name,
    params: [{ name: 'text', type: 'text' }],
    returns: 'text',
    sql: ([a]) => ({ v: sqlFn(a!.v) }),
    js: ([a]) => `R.${jsFn}(${a})`,
  };
}

function leftRight(name: 'LEFT' | 'RIGHT'): FunctionDef {
  return {
    name,
    params: [
      { name: 'text', type: 'text' },
      { name: 'count', type: 'numeric', optional: true },
    ],
    returns: 'text',
    sql([s, n]) {
      const src = n ? n.v : numLit('1');
      const v = q`(CASE WHEN trunc(${src}) BETWEEN 0 AND 1000000 THEN ${raw(name.toLowerCase())}(${s!.v}, ${intVal(src)}) END)`;
      const e = q`CASE WHEN trunc(${src}) NOT BETWEEN -1000000 AND 1000000 THEN ${ERR.NUM} WHEN trunc(${src}) < 0 THEN ${ERR.VALUE} END`;
      return { v, e: n ? e : null };
    },
    js: ([s, n]) => `R.${name.toLowerCase()}(${s}, ${n ?? 'R.dec("1", 0)'})`,
  };
}

function datePart(name: string, field: string, jsFn: string, plus = ''): FunctionDef {
  return {
    name,
    params: [{ name: 'date', type: 'date' }],
    returns: 'integer',
    sql: ([d]) => ({ v: q`(extract(${raw(field)} from ${d!.v})::numeric${raw(plus)})` }),
    js: ([d]) => `R.${jsFn}(${d})`,
  };
}

const UNITS = ['day', 'month', 'year'] as const;

function monthsSql(a: Frag, b: Frag): Frag {
  return q`((extract(year from ${b}) * 12 + extract(month from ${b})) - (extract(year from ${a}) * 12 + extract(month from ${a})) - CASE WHEN extract(day from ${b}) < extract(day from ${a}) THEN 1 ELSE 0 END)`;
}

function tableRows(n: TNode): RateTable {
  if (n.kind !== 'table') throw new Error('rate table argument expected');
  return n.table;
}

function tierDef(): FunctionDef {
  return {
    name: 'TIER',
    params: [
      { name: 'value', type: 'numeric' },
      { name: 'table', type: 'tier_table' },
      { name: 'mode', type: 'text', literal: ['marginal', 'step'], optional: true },
    ],
    returns: (t) => (t[0] === 'money' ? 'money' : 'number'),
    sql([v, t, m]) {
      const rows = tableRows(t!.node).rows as Array<{ from: unknown; to: unknown; rate: unknown }>;
      const values = rows
        .map((r, i) => q`(${raw(String(i))}, ${numLit(String(r.from))}, ${r.to === null ? raw('NULL::numeric') : numLit(String(r.to))}, ${numLit(String(r.rate))})`)
        .reduce((a, b) => q`${a}, ${b}`);
      const mode = m ? lit(m.node) : 'marginal';
      const body = letIn([{ v: v!.v, type: 'number' }], ([x]) =>
        mode === 'step'
          ? q`CASE WHEN ${x!} IS NULL THEN NULL ELSE coalesce((SELECT ${x!} * "tt"."r" FROM (VALUES ${values}) AS "tt"("i", "f", "t", "r") WHERE ${x!} >= "tt"."f" AND ("tt"."t" IS NULL OR ${x!} < "tt"."t") ORDER BY "tt"."i" LIMIT 1), 0) END`
          : q`CASE WHEN ${x!} IS NULL THEN NULL ELSE (SELECT coalesce(sum((least(${x!}, coalesce("tt"."t", ${x!})) - "tt"."f") * "tt"."r"), 0) FROM (VALUES ${values}) AS "tt"("i", "f", "t", "r") WHERE ${x!} > "tt"."f") END`,
      );
      return { v: body };
    },
    js([v, , m], ctx, nodes) {
      const rows = tableRows(nodes[1]!).rows as Array<{ from: unknown; to: unknown; rate: unknown }>;
      const lits = rows.map((r) => `[R.inDec(${ctx.lit(String(r.from))}), ${r.to === null ? 'null' : `R.inDec(${ctx.lit(String(r.to))})`}, R.inDec(${ctx.lit(String(r.rate))})]`);
      const name = ctx.hoist(`[${lits.join(', ')}]`);
      return `R.tier(${v}, ${name}, ${ctx.lit(m ? lit(nodes[2]!) : 'marginal')})`;
    },
  };
}

export function lookupKeyType(t: RateTable): FormulaType {
  return (t.rows as Array<{ key: unknown }>).every((r) => typeof r.key === 'number') ? 'number' : 'text';
}

function lookupDef(): FunctionDef {
  return {
    name: 'LOOKUP',
    params: [
      { name: 'key', type: 'any' },
      { name: 'table', type: 'lookup_table' },
    ],
    returns: (t, args) => {
      const table = tableRows(args[1]!);
      const kt = lookupKeyType(table);
      if (!unify(kt === 'number' ? 'number' : 'text', t[0]!) || (kt === 'text' && t[0] !== 'text' && t[0] !== 'null')) {
        return { error: 'ARG_TYPE', params: { name: 'LOOKUP', index: 1, expected: kt, got: t[0]! }, argIndex: 0 };
      }
      return table.valueType ?? 'number';
    },
    sql([k, t]) {
      const table = tableRows(t!.node);
      const kt = lookupKeyType(table);
      const vt = table.valueType ?? 'number';
      const rows = table.rows as Array<{ key: unknown; value: unknown }>;
      const values = rows
        .map((r, i) => q`(${raw(String(i))}, ${bind(String(r.key), castOf(kt))}, ${r.value === null ? raw(`NULL::${castOf(vt)}`) : bind(String(r.value), castOf(vt))})`)
        .reduce((a, b) => q`${a}, ${b}`);
      const tv = q`(VALUES ${values}) AS "tt"("i", "k", "v")`;
      const v = letIn([{ v: k!.v, type: kt }], ([x]) => q`(SELECT "tt"."v" FROM ${tv} WHERE "tt"."k" = ${x!} ORDER BY "tt"."i" LIMIT 1)`);
      const e = letIn([{ v: k!.v, type: kt }], ([x]) => q`CASE WHEN ${x!} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${tv} WHERE "tt"."k" = ${x!}) THEN ${ERR.NA} END`);
      return { v, e };
    },
    js([k], ctx, nodes) {
      const table = tableRows(nodes[1]!);
      const kt = lookupKeyType(table);
      const vt = table.valueType ?? 'number';
      const conv = (t: FormulaType, x: unknown) =>
        x === null ? 'null' : `R.${{ dec: 'inDec', text: 'inText', bool: 'inBool', date: 'inDate', datetime: 'inDateTime' }[kindOf(t)]}(${ctx.lit(String(x))})`;
      const rows = (table.rows as Array<{ key: unknown; value: unknown }>).map((r) => `[${conv(kt, r.key)}, ${conv(vt, r.value)}]`);
      const name = ctx.hoist(`[${rows.join(', ')}]`);
      return `R.lookup('${kindOf(kt)}', ${k}, ${name})`;
    },
  };
}

/** The `js` emitters of the built-in library: the JS fast path only specialises these (not plugins). */
export const BUILTIN_JS = new WeakSet<FunctionDef['js']>();

export function builtinFunctions(): FunctionDef[] {
  const defs: FunctionDef[] = [
    ifDef(),
    ifsDef(),
    switchDef(),
    logic('AND'),
    logic('OR'),
    {
      name: 'NOT',
      params: [{ name: 'logical', type: 'boolean' }],
      returns: 'boolean',
      sql: ([a]) => ({ v: q`(NOT ${a!.v})` }),
      js: ([a]) => `R.not(${a})`,
    },
    {
      name: 'ISBLANK',
      params: [{ name: 'value', type: 'any' }],
      returns: 'boolean',
      sql: ([a]) => ({ v: q`((${a!.v}) IS NULL)` }),
      js: ([a]) => `((${a}) === null)`,
    },
    {
      name: 'COALESCE',
      params: [{ name: 'value', type: 'any' }],
      variadic: true,
      returns: (t) => unifyAll('COALESCE', t),
      sql: (args) => ({ v: q`COALESCE(${args.map((a) => a.v).reduce((x, y) => q`${x}, ${y}`)})` }),
      js: (args) => `R.coalesce(${jsList(args)})`,
    },
    roundDef('ROUND'),
    roundDef('ROUNDUP'),
    roundDef('ROUNDDOWN'),
    numeric1('ABS', 'abs', 'abs'),
    minmax('MIN'),
    minmax('MAX'),
    {
      name: 'SUM',
      params: [{ name: 'value', type: 'numeric' }],
      variadic: true,
      returns: (t) => unifyAll('SUM', t),
      sql: (args) => ({ v: q`(${args.map((a) => q`COALESCE(${a.v}, 0)`).reduce((x, y) => q`${x} + ${y}`)})` }),
      js: (args) => `R.sumScalars(${jsList(args)})`,
    },
    {
      name: 'MOD',
      params: [
        { name: 'number', type: 'numeric' },
        { name: 'divisor', type: 'numeric' },
      ],
      returns: sameAs(0),
      sql([a, b]) {
        const d = q`NULLIF(${b!.v}, 0)`;
        return { v: q`mod(mod(${a!.v}, ${d}) + ${d}, ${d})`, e: q`CASE WHEN ${b!.v} = 0 THEN ${ERR.DIV0} END` };
      },
      js: ([a, b]) => `R.mod(${a}, ${b})`,
    },
    {
      name: 'POWER',
      params: [
        { name: 'number', type: 'numeric' },
        { name: 'power', type: 'numeric' },
      ],
      returns: 'number',
      sql: ([a, b]) => powerSql(a!, b!),
      js: ([a, b], _ctx, nodes) => powerJs(a!, b!, nodes[1]!),
    },
    {
      name: 'CONCAT',
      params: [{ name: 'value', type: 'any' }],
      variadic: true,
      returns: 'text',
      sql: (args) => ({ v: q`(${args.map((a) => q`COALESCE(${sqlArgText(a)}, '')`).reduce((x, y) => q`${x} || ${y}`)})` }),
      js: (args, _ctx, nodes) => `R.concat(${args.map((a, i) => `R.text('${nodes[i]!.type}', ${a})`).join(', ')})`,
    },
    leftRight('LEFT'),
    leftRight('RIGHT'),
    {
      name: 'LEN',
      params: [{ name: 'text', type: 'text' }],
      returns: 'integer',
      sql: ([a]) => ({ v: q`(char_length(${a!.v})::numeric)` }),
      js: ([a]) => `R.len(${a})`,
    },
    textFn('UPPER', (a) => q`upper(${a})`, 'upper'),
    textFn('LOWER', (a) => q`lower(${a})`, 'lower'),
    {
      name: 'CONTAINS',
      params: [
        { name: 'text', type: 'text' },
        { name: 'search', type: 'text' },
      ],
      returns: 'boolean',
      sql: ([a, b]) => ({ v: q`(strpos(${a!.v}, ${b!.v}) > 0)` }),
      js: ([a, b]) => `R.contains(${a}, ${b})`,
    },
    {
      name: 'TEXT',
      params: [
        { name: 'value', type: 'any' },
        { name: 'format', type: 'text', optional: true, literalCheck: (f) => NUMBER_FMT.test(f) || DATE_FMT.test(f) },
      ],
      returns: (t, args) => {
        const f = args[1] ? litRaw(args[1]) : null;
        if (f !== null) {
          const okNum = NUMBER_FMT.test(f) && (t[0] === 'null' || ['number', 'money', 'percent', 'integer'].includes(t[0]!));
          const okDate = DATE_FMT.test(f) && (t[0] === 'date' || t[0] === 'null');
          if (!okNum && !okDate) return { error: 'ARG_TYPE', params: { name: 'TEXT', index: 1, expected: NUMBER_FMT.test(f) ? 'number' : 'date', got: t[0]! }, argIndex: 0 };
        }
        return 'text';
      },
      sql([a, f]) {
        if (!f) return { v: sqlArgText(a!) };
        const fmt = litRaw(f.node);
        if (DATE_FMT.test(fmt)) return { v: q`to_char((${a!.v})::date, ${bind(fmt, 'text')})` };
        const decimals = fmt.includes('.') ? fmt.replace('%', '').split('.')[1]!.length : 0;
        const d = raw(String(decimals));
        return fmt.endsWith('%') ? { v: q`(round((${a!.v})::numeric * 100, ${d})::text || '%')` } : { v: q`(round((${a!.v})::numeric, ${d})::text)` };
      },
      js([a], ctx, nodes) {
        const f = nodes[1] ? litRaw(nodes[1]) : null;
        if (f === null) return `R.text('${nodes[0]!.type}', ${a})`;
        if (DATE_FMT.test(f)) return `R.formatDate(${a}, ${ctx.lit(f)})`;
        const decimals = f.includes('.') ? f.replace('%', '').split('.')[1]!.length : 0;
        return `R.formatNumber(${a}, ${decimals}, ${f.endsWith('%')})`;
      },
    },
    {
      name: 'TODAY',
      params: [],
      returns: 'date',
      sql: (_a, ctx) => ({ v: ctx.today() }),
      js: (_a, ctx) => ctx.today(),
    },
    {
      name: 'DATE',
      params: [
        { name: 'year', type: 'numeric' },
        { name: 'month', type: 'numeric' },
        { name: 'day', type: 'numeric' },
      ],
      returns: 'date',
      sql([y, m, d]) {
        const v = letIn(
          [
            { v: y!.v, type: 'number' },
            { v: m!.v, type: 'number' },
            { v: d!.v, type: 'number' },
          ],
          ([a, b, c]) =>
            q`CASE WHEN trunc(${a!}) BETWEEN 1 AND 9999 AND trunc(${b!}) BETWEEN -120000 AND 120000 AND trunc(${c!}) BETWEEN -3000000 AND 3000000 THEN (make_date(${intVal(a!)}, 1, 1) + make_interval(months => ${intVal(b!)} - 1))::date + (${intVal(c!)} - 1) END`,
        );
        const e = errCase([
          [q`trunc(${y!.v}) NOT BETWEEN 1 AND 9999`, ERR.NUM],
          [q`trunc(${m!.v}) NOT BETWEEN -120000 AND 120000`, ERR.NUM],
          [q`trunc(${d!.v}) NOT BETWEEN -3000000 AND 3000000`, ERR.NUM],
        ]);
        return { v, e };
      },
      js: ([y, m, d]) => `R.date(${y}, ${m}, ${d})`,
    },
    {
      name: 'DATEDIFF',
      params: [
        { name: 'start', type: 'date' },
        { name: 'end', type: 'date' },
        { name: 'unit', type: 'text', literal: UNITS },
      ],
      returns: 'integer',
      sql([a, b, u]) {
        const unit = lit(u!.node);
        if (unit === 'day') return { v: q`((${b!.v}) - (${a!.v}))::numeric` };
        const v = letIn(
          [
            { v: a!.v, type: 'date' },
            { v: b!.v, type: 'date' },
          ],
          ([x, y]) => {
            const m = q`(CASE WHEN ${x!} <= ${y!} THEN ${monthsSql(x!, y!)} ELSE -${monthsSql(y!, x!)} END)`;
            return unit === 'year' ? q`trunc(${m} / 12)` : m;
          },
        );
        return { v };
      },
      js: ([a, b], ctx, nodes) => `R.dateDiff(${a}, ${b}, ${ctx.lit(lit(nodes[2]!))})`,
    },
    {
      name: 'DATEADD',
      params: [
        { name: 'date', type: 'date' },
        { name: 'count', type: 'numeric' },
        { name: 'unit', type: 'text', literal: UNITS },
      ],
      returns: 'date',
      sql([d, n, u]) {
        const unit = lit(u!.node);
        if (unit === 'day') {
          return { v: q`(CASE WHEN trunc(${n!.v}) BETWEEN -3000000 AND 3000000 THEN ${d!.v} + ${intVal(n!.v)} END)`, e: intRangeErr(n!.v, -3000000, 3000000) };
        }
        const part = raw(unit === 'year' ? 'years' : 'months');
        return {
          v: q`(CASE WHEN trunc(${n!.v}) BETWEEN -120000 AND 120000 THEN ((${d!.v})::timestamp + make_interval(${part} => ${intVal(n!.v)}))::date END)`,
          e: intRangeErr(n!.v, -120000, 120000),
        };
      },
      js: ([d, n], ctx, nodes) => `R.dateAdd(${d}, ${n}, ${ctx.lit(lit(nodes[2]!))})`,
    },
    {
      name: 'EOMONTH',
      params: [
        { name: 'date', type: 'date' },
        { name: 'months', type: 'numeric' },
      ],
      returns: 'date',
      sql([d, n]) {
        return {
          v: q`(CASE WHEN trunc(${n!.v}) BETWEEN -120000 AND 120000 THEN (date_trunc('month', (${d!.v})::timestamp) + make_interval(months => ${intVal(n!.v)} + 1) - interval '1 day')::date END)`,
          e: intRangeErr(n!.v, -120000, 120000),
        };
      },
      js: ([d, n]) => `R.eomonth(${d}, ${n})`,
    },
    datePart('YEAR', 'year', 'year'),
    datePart('MONTH', 'month', 'month'),
    datePart('QUARTER', 'quarter', 'quarter'),
    datePart('WEEKDAY', 'dow', 'weekday', ' + 1'),
    tierDef(),
    lookupDef(),
  ];
  for (const d of defs) BUILTIN_JS.add(d.js);
  return defs;
}

/** Exact integer power when the exponent is a constant integer in [-64, 64]. */
export function constExponent(n: TNode): number | null {
  let node = n;
  let sign = 1;
  if (node.kind === 'unary' && node.op === '-') {
    sign = -1;
    node = node.arg;
  }
  if (node.kind !== 'literal' || typeof node.value !== 'string' || node.type === 'percent') return null;
  if (!/^\d+$/.test(node.value)) return null;
  const k = Number(node.value) * sign;
  return Math.abs(k) <= 64 ? k : null;
}

export function powerSql(a: SqlArg, b: SqlArg): { v: Frag; e: Frag | null } {
  const k = constExponent(b.node);
  if (k !== null) {
    const n = Math.abs(k);
    if (k >= 0) {
      return {
        v: letIn([{ v: a.v, type: 'number' }], ([x]) => (n === 0 ? q`CASE WHEN ${x!} IS NULL THEN NULL ELSE 1::numeric END` : Array.from({ length: n }, () => x!).reduce((p, c) => q`${p} * ${c}`))),
        e: null,
      };
    }
    const prod = (x: Frag) => Array.from({ length: n }, () => x).reduce((p, c) => q`${p} * ${c}`);
    return {
      v: letIn([{ v: a.v, type: 'number' }], ([x]) => divSql(raw('1'), prod(x!))),
      e: q`CASE WHEN ${a.v} = 0 THEN ${ERR.DIV0} END`,
    };
  }
  const v = letIn(
    [
      { v: a.v, type: 'number' },
      { v: b.v, type: 'number' },
    ],
    ([x, y]) =>
      q`CASE WHEN ${x!} = 0 AND ${y!} < 0 THEN NULL WHEN ${x!} < 0 AND ${y!} <> trunc(${y!}) THEN NULL WHEN ${x!} <> 0 AND abs(${y!} * log(abs(${x!}))) > 300 THEN NULL ELSE power((${x!})::float8, (${y!})::float8)::numeric END`,
  );
  const e = letIn(
    [
      { v: a.v, type: 'number' },
      { v: b.v, type: 'number' },
    ],
    ([x, y]) =>
      q`CASE WHEN ${x!} = 0 AND ${y!} < 0 THEN ${ERR.DIV0} WHEN ${x!} < 0 AND ${y!} <> trunc(${y!}) THEN ${ERR.NUM} WHEN ${x!} <> 0 AND abs(${y!} * log(abs(${x!}))) > 300 THEN ${ERR.NUM} END`,
  );
  return { v, e };
}

export function powerJs(a: string, b: string, bn: TNode): string {
  const k = constExponent(bn);
  return k !== null ? `R.powConst(${a}, ${k})` : `R.powFloat(${a}, ${b})`;
}
