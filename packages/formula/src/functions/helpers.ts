// Shared pieces for function emitters: SQL casts, the "let" subquery, error CASEs, JS kinds.
import { bind, q, raw, type Frag, type SqlCast } from '../sqlfrag.ts';
import type { FormulaType } from '../types.ts';
import type { SqlArg } from './registry.ts';

export function castOf(t: FormulaType): SqlCast {
  switch (t) {
    case 'number':
    case 'money':
    case 'percent':
    case 'integer':
      return 'numeric';
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'date';
    case 'datetime':
      return 'timestamptz';
    default:
      return 'text';
  }
}

export type JsKind = 'dec' | 'text' | 'bool' | 'date' | 'datetime';
export function kindOf(t: FormulaType): JsKind {
  switch (t) {
    case 'number':
    case 'money':
    case 'percent':
    case 'integer':
      return 'dec';
    case 'boolean':
      return 'bool';
    case 'date':
      return 'date';
    case 'datetime':
      return 'datetime';
    default:
      return 'text';
  }
}

export const ERR = {
  DIV0: raw(`'#DIV/0!'`),
  NUM: raw(`'#NUM!'`),
  VALUE: raw(`'#VALUE!'`),
  NA: raw(`'#N/A'`),
};

/** Evaluate each value once: `(SELECT body FROM (SELECT v0 AS l0, ...) AS l)`. */
export function letIn(vals: Array<{ v: Frag; type: FormulaType }>, body: (vars: Frag[]) => Frag): Frag {
  const vars = vals.map((_, i) => raw(`"l${i}"`));
  const cols = vals.map((x, i) => q`(${x.v})::${raw(castOf(x.type))} AS ${vars[i]!}`);
  const list = cols.reduce((acc, c, i) => (i === 0 ? c : q`${acc}, ${c}`));
  return q`(SELECT ${body(vars)} FROM (SELECT ${list}) AS "l")`;
}

/** `CASE WHEN c1 THEN e1 ... END` over error codes. */
export function errCase(cases: Array<[Frag, Frag]>): Frag {
  let f = raw('CASE');
  for (const [c, e] of cases) f = q`${f} WHEN ${c} THEN ${e}`;
  return q`${f} END`;
}

/** SQL for "trunc(x) must lie in [lo, hi]" as an error code, matching the runtime's toInt. */
export function intRangeErr(x: Frag, lo: number, hi: number): Frag {
  return q`CASE WHEN trunc(${x}) NOT BETWEEN ${raw(String(lo))} AND ${raw(String(hi))} THEN ${ERR.NUM} END`;
}
export function intVal(x: Frag): Frag {
  return q`(trunc(${x}))::int`;
}

export function orNull(f: Frag | null): Frag {
  return f ?? raw('NULL');
}

/** First non-NULL error among the fragments, left to right. */
export function firstErr(errs: Array<Frag | null>): Frag | null {
  const present = errs.filter((e): e is Frag => e !== null);
  if (present.length === 0) return null;
  if (present.length === 1) return present[0]!;
  return q`COALESCE(${present.reduce((a, b) => q`${a}, ${b}`)})`;
}

/** Value of a SQL argument as text per the TEXT() rule. */
export function sqlText(a: { v: Frag; type: FormulaType }): Frag {
  const x = a.v;
  switch (a.type) {
    case 'text':
      return x;
    case 'null':
      return raw('NULL::text');
    case 'money':
      return q`((CASE WHEN scale(trim_scale(${x})) <= 2 THEN round(${x}, 2) ELSE trim_scale(${x}) END)::text)`;
    case 'number':
    case 'percent':
    case 'integer':
      return q`(trim_scale(${x})::text)`;
    case 'boolean':
      return q`(CASE WHEN ${x} THEN 'TRUE' WHEN NOT ${x} THEN 'FALSE' END)`;
    case 'date':
      return q`to_char(${x}, 'YYYY-MM-DD')`;
    case 'datetime':
      return q`to_char((${x}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  }
}

export function sqlArgText(a: SqlArg): Frag {
  return sqlText({ v: a.v, type: a.node.type });
}

export function numLit(s: string): Frag {
  return bind(s, 'numeric');
}

/** Type unification for branches (IF, COALESCE, MIN, ...). */
export function unify(a: FormulaType, b: FormulaType): FormulaType | undefined {
  if (a === b) return a;
  if (a === 'null') return b;
  if (b === 'null') return a;
  const num = (t: FormulaType) => t === 'number' || t === 'money' || t === 'percent' || t === 'integer';
  if (num(a) && num(b)) {
    if (a === 'money' || b === 'money') return a === 'percent' || b === 'percent' ? 'number' : 'money';
    return 'number';
  }
  return undefined;
}

/** Division rule shared with the runtime: dividend padded to scale 10, result rounded to 10 decimals. */
export function divSql(a: Frag, b: Frag): Frag {
  return q`round((${a} + 0.0000000000) / NULLIF(${b}, 0), 10)`;
}
