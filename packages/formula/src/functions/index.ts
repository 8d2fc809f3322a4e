import { builtinFunctions } from './builtins.ts';
import { createRegistry, type FunctionRegistry } from './registry.ts';

export type { FunctionDef, FunctionRegistry, ParamSpec, ParamType, SqlArg, SqlOut, SqlEmitCtx, JsEmitCtx, TypeRuleFail } from './registry.ts';

/** A registry with the built-in library; plugins extend it with `register`. */
export function createFunctionRegistry(): FunctionRegistry {
  return createRegistry(builtinFunctions());
}
