// The function registry: declarative signatures plus one emitter per back end.
import type { Frag } from '../sqlfrag.ts';
import type { FormulaType, TNode } from '../types.ts';

/** What a parameter accepts. `numeric` = number|money|percent|integer. `any` = every type. */
export type ParamType = FormulaType | 'numeric' | 'any' | 'tier_table' | 'lookup_table';

export interface ParamSpec {
  name: string;
  type: ParamType;
  optional?: boolean;
  /** The argument must be a text literal, one of these (compared case-insensitively). */
  literal?: readonly string[];
  /** Like `literal` but validated by a predicate (e.g. TEXT formats). */
  literalCheck?: (value: string) => boolean;
}

export interface TypeRuleFail {
  error: string;
  params?: Record<string, string | number>;
  hint?: string;
  argIndex?: number;
}

/** A compiled SQL argument: value fragment and (if it can fail) its error-code fragment. */
export interface SqlArg {
  v: Frag;
  e: Frag | null;
  node: TNode;
}
export interface SqlOut {
  v: Frag;
  /** Error code (text) this call itself can raise, NULL when fine. */
  e?: Frag | null;
}
export interface SqlEmitCtx {
  /** Today's date as a SQL date expression. */
  today(): Frag;
}
export interface JsEmitCtx {
  /** A JSON literal usable inside the generated source. */
  lit(value: unknown): string;
  today(): string;
  /** A fresh local variable name. */
  uid(): string;
  /** Declare a constant once per compiled formula (outside the row loop); returns its name. */
  hoist(expr: string): string;
}

export interface FunctionDef {
  name: string;
  params: readonly ParamSpec[];
  /** The last parameter repeats. */
  variadic?: boolean;
  description?: { en: string; 'zh-CN': string };
  returns: FormulaType | ((argTypes: FormulaType[], args: TNode[]) => FormulaType | TypeRuleFail);
  /**
   * Lazy functions (IF, IFS, SWITCH) produce their own error fragment; for the rest it is the
   * first non-NULL error of the arguments (left to right), then the call's own.
   */
  lazy?: boolean;
  /**
   * A tenant plugin's function: it never runs in SQL or inside a compiled formula; the host
   * evaluates it in batches (see external.ts). `enabled: false` keeps the name known so a
   * formula using it is refused with PLUGIN_FUNCTION_DISABLED rather than "unknown function".
   */
  external?: { plugin: string; version: string; enabled: boolean };
  sql(args: SqlArg[], ctx: SqlEmitCtx): SqlOut;
  /** JS expression source; `args` are the argument expressions (already evaluated in order unless lazy). */
  js(args: string[], ctx: JsEmitCtx, nodes: TNode[]): string;
}

export interface FunctionRegistry {
  get(name: string): FunctionDef | undefined;
  has(name: string): boolean;
  names(): string[];
  register(def: FunctionDef): void;
}

const NAME = /^[A-Z][A-Z0-9_.]*$/;

export function createRegistry(defs: readonly FunctionDef[] = []): FunctionRegistry {
  const map = new Map<string, FunctionDef>();
  const reg: FunctionRegistry = {
    get: (name) => map.get(name.toUpperCase()),
    has: (name) => map.has(name.toUpperCase()),
    names: () => [...map.keys()].sort(),
    register(def) {
      const name = def.name.toUpperCase();
      if (!NAME.test(name)) throw new Error(`invalid function name: ${def.name}`);
      map.set(name, { ...def, name });
    },
  };
  for (const d of defs) reg.register(d);
  return reg;
}
