import type { PluginManifest } from '@attain/sandbox';

/** What an admin consents to: everything a manifest asks for that reaches outside the isolate. */
export interface Grant {
  read: string[];
  write: string[];
  fetch: string[];
  hooks: string[];
  /** Org-chart operations (`capabilities.org`); absent in grants given before it existed. */
  org: string[];
}

export function grantOf(m: PluginManifest): Grant {
  const sorted = (list: readonly string[] | undefined) => [...(list ?? [])].sort();
  return { read: sorted(m.capabilities.read), write: sorted(m.capabilities.write), fetch: sorted(m.capabilities.fetch), hooks: sorted(m.hooks), org: sorted(m.capabilities.org) };
}

/** Entries `wanted` asks for beyond `granted` (an upgrade asking for more must ask again). */
export function beyond(granted: Grant | null, wanted: Grant): string[] {
  const out: string[] = [];
  for (const key of ['read', 'write', 'fetch', 'hooks', 'org'] as const) {
    const have = new Set(granted?.[key] ?? []);
    for (const w of wanted[key]) if (!have.has(w)) out.push(`${key}:${w}`);
  }
  return out;
}
