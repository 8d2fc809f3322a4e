// The tenant plugins' formula functions as the session loaded them. Kept apart from the formula
// adapter so the session (in the first screen's chunk) does not pull the formula checker with it;
// the adapter, loaded with the screens that edit formulas, reads them from here.

/** A plugin as `GET /plugins` shows it, as far as its formula functions go. */
export interface PluginFormulas {
  name: string;
  status: string;
  version: string | null;
  formulas?: Record<string, { args: string[]; returns: string; label?: string | { en: string; 'zh-CN'?: string } }>;
}

let current: readonly PluginFormulas[] = [];
let version = 0;

export function setPluginFormulas(plugins: readonly PluginFormulas[]): void {
  current = plugins;
  version += 1;
}

/** The plugins last loaded, and a number that changes whenever they are loaded again. */
export function pluginFormulas(): { plugins: readonly PluginFormulas[]; version: number } {
  return { plugins: current, version };
}
