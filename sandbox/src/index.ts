export { SandboxPool } from './pool.ts';
export type { BatchRequest, HookRequest, HostCapabilities, PoolOptions, PoolStats } from './pool.ts';
export { SandboxError, isSandboxErrorCode } from './errors.ts';
export type { SandboxErrorCode, SandboxErrorDetail } from './errors.ts';
export { validateManifest, urlAllowed, capabilityProblem, HOOK_EVENTS } from './manifest.ts';
export type { Plugin, PluginManifest, PluginCapabilities } from './manifest.ts';
export { INBOUND_SCHEMES, type InboundScheme, type InboundSpec } from './manifest-inbound.ts';
export { nextRun, rangeSatisfied, scheduleMinutes, secretSettings } from './manifest-fields.ts';
export type { LocalizedText, PluginJob, SettingsSchema } from './manifest-fields.ts';
export { formulaHookProblems, FORMULA_ARG_TYPES, FORMULA_RETURN_TYPES } from './manifest-formulas.ts';
export type { FormulaArgType, FormulaReturnType, FormulaSignature } from './manifest-formulas.ts';
export { DEFAULT_LIMITS } from './limits.ts';
export type { SandboxLimits } from './limits.ts';
export type { Columns, ColumnValues } from './columns.ts';
export { IsolateHost } from './isolate-host.ts';

import { SandboxPool, type PoolOptions } from './pool.ts';

export function createSandboxPool(options?: PoolOptions): SandboxPool {
  return new SandboxPool(options);
}
