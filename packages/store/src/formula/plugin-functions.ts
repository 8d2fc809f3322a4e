// Tenant plugins' formula functions as the store's formulas see them. The plugin runtime (which
// the store does not depend on) registers as the one provider; the store asks it for a tenant's
// functions when it hands out that tenant's registry, and the formula checker then knows them
// (per tenant, per plugin version; a disabled plugin's functions stay known as disabled).
import { createFunctionRegistry, registerExternal, type ExternalFunctionSpec, type FunctionRegistry } from '@attain/formula';
import type { Registry } from '@attain/meta';
import type { BatchPool } from './sandbox.ts';

export type { ExternalFunctionSpec };

export interface FormulaFunctionProvider {
  /** The tenant's plugin functions: enabled ones, and those of disabled plugins with `enabled: false`. */
  functions(tenant: string): Promise<ExternalFunctionSpec[]>;
  /** One batched call of a plugin function; throws StoreError('plugin_failed') when the plugin fails. */
  call(tenant: string, name: string, rows: unknown[][]): Promise<unknown[]>;
  /** The sandbox pool that runs the compiled rest of such a formula. */
  pool(): BatchPool;
}

export interface TenantFunctions {
  /** Changes whenever the set of functions (or a plugin version or state) does. */
  key: string;
  registry: FunctionRegistry;
}

const attached = new WeakMap<Registry, TenantFunctions>();
// The aggregates are names of the language too (the checker treats them before the registry).
const BUILTIN = new Set([...createFunctionRegistry().names(), 'SUM', 'COUNT', 'AVG', 'MIN', 'MAX']);

/** Whether a name is one of the formula language's own functions (a plugin may not take it). */
export function isBuiltinFunction(name: string): boolean {
  return BUILTIN.has(name.toUpperCase());
}
const byKey = new Map<string, FunctionRegistry>();

/** The plugin functions known for this registry's tenant (none when no plugin provides any). */
export function functionsOf(registry: Registry): TenantFunctions | undefined {
  return attached.get(registry);
}

function keyOf(specs: readonly ExternalFunctionSpec[]): string {
  return specs
    .map((s) => `${s.name}:${s.plugin}@${s.version}:${s.enabled ? 1 : 0}:${s.args.join(',')}>${s.returns}`)
    .sort()
    .join('|');
}

/** Sets the functions a registry's formulas are checked with (a registry is one tenant's). */
export function attachFunctions(registry: Registry, specs: readonly ExternalFunctionSpec[]): void {
  if (specs.length === 0) {
    attached.delete(registry);
    return;
  }
  const key = keyOf(specs);
  if (attached.get(registry)?.key === key) return;
  let fns = byKey.get(key);
  if (!fns) {
    fns = registerExternal(createFunctionRegistry(), specs);
    // Bounded: a key is one tenant's set of plugin versions; a few hundred is plenty for a node.
    if (byKey.size > 500) byKey.clear();
    byKey.set(key, fns);
  }
  attached.set(registry, { key, registry: fns });
}

/** The store's one provider slot (the plugin runtime fills it; tests without plugins leave it empty). */
export class FormulaFunctions {
  #provider: FormulaFunctionProvider | undefined;

  register(provider: FormulaFunctionProvider): void {
    this.#provider = provider;
  }

  unregister(provider: FormulaFunctionProvider): void {
    if (this.#provider === provider) this.#provider = undefined;
  }

  get provider(): FormulaFunctionProvider | undefined {
    return this.#provider;
  }

  /** Brings the tenant's plugin functions onto its registry (cheap: the provider caches). */
  async attach(tenant: string, registry: Registry): Promise<void> {
    if (!this.#provider) return;
    attachFunctions(registry, await this.#provider.functions(tenant));
  }
}
