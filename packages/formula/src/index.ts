// @attain/formula: the formula language (parser, type checker, SQL and JS back ends).
export { parse, type ParseResult } from './parser.ts';
export { MAX_FORMULA_DEPTH, MAX_FORMULA_LENGTH } from './limits.ts';
export { check, type CheckOptions } from './checker.ts';
export { compileSql, type CompileSqlOptions, type CompiledSql, type RowScope } from './sql.ts';
export { compileJs, type CompileJsOptions, type CompiledJs } from './js.ts';
export { formulaRuntimeSource, createRuntime, type Dec, type FormulaRuntime } from './runtime.ts';
export { createFunctionRegistry } from './functions/index.ts';
export {
  EXTERNAL_BATCH_ROWS,
  evaluateWithExternal,
  externalCalls,
  externalFunction,
  externalPlugins,
  isHoleKey,
  normalizeExternal,
  registerExternal,
  usesExternal,
  type ExternalEvaluator,
  type ExternalFunctionSpec,
  type RowValue,
} from './external.ts';
export type {
  FunctionDef,
  FunctionRegistry,
  ParamSpec,
  ParamType,
  SqlArg,
  SqlOut,
  SqlEmitCtx,
  JsEmitCtx,
  TypeRuleFail,
} from './functions/index.ts';
export { q as sqlFragment, bind as sqlBind, type Frag } from './sqlfrag.ts';
export type * from './types.ts';
