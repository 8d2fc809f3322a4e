import type { BatchPool, ExternalFunctionSpec, FormulaFunctionProvider } from '@attain/store';
import type { PluginService } from './service.ts';

/** What the provider needs of the runtime (kept narrow so runtime.ts stays the hooks' file). */
export interface FormulaRuntime {
  readonly service: PluginService;
  readonly pool: BatchPool;
  formula(tenant: string, name: string, rows: unknown[][]): Promise<unknown[]>;
}

const label = (l: unknown): string | undefined => (typeof l === 'string' ? l : l !== null && typeof l === 'object' ? String((l as { en?: unknown }).en ?? '') || undefined : undefined);

/**
 * The tenant plugins' formula functions for the store: the signatures the formula checker types
 * calls with, and the batched call itself (runtime.formula: one sandbox call per batch of rows,
 * failures audited and thrown as plugin_failed). The list is cached like the runtime's own list
 * of plugins: a change on this node is seen at once, another node's within `cacheMs`.
 */
export class PluginFormulaProvider implements FormulaFunctionProvider {
  readonly #runtime: FormulaRuntime;
  readonly #cacheMs: number;
  readonly #cache = new Map<string, { at: number; specs: Promise<ExternalFunctionSpec[]> }>();

  constructor(runtime: FormulaRuntime, cacheMs = 5_000) {
    this.#runtime = runtime;
    this.#cacheMs = cacheMs;
  }

  forget(tenant: string): void {
    this.#cache.delete(tenant);
  }

  functions(tenant: string): Promise<ExternalFunctionSpec[]> {
    const hit = this.#cache.get(tenant);
    if (hit && Date.now() - hit.at < this.#cacheMs) return hit.specs;
    const specs = this.#runtime.service.formulaFunctions(tenant).then((list) => {
      // One name, several plugins: the enabled one counts (the runtime calls the first enabled).
      const byName = new Map<string, ExternalFunctionSpec>();
      for (const f of list) {
        if (byName.get(f.name)?.enabled) continue;
        const text = label(f.signature.label);
        byName.set(f.name, { name: f.name, plugin: f.plugin, version: f.version, args: [...f.signature.args], returns: f.signature.returns, enabled: f.enabled, ...(text ? { label: text } : {}) });
      }
      return [...byName.values()];
    });
    specs.catch(() => this.#cache.delete(tenant));
    this.#cache.set(tenant, { at: Date.now(), specs });
    return specs;
  }

  call(tenant: string, name: string, rows: unknown[][]): Promise<unknown[]> {
    return this.#runtime.formula(tenant, name, rows);
  }

  pool(): BatchPool {
    return this.#runtime.pool;
  }
}
