// The plugins API as the screen uses it (see packages/server/src/rest/plugin-routes.ts).
import { api } from '../../api/client.ts';

export type Localized = string | { en: string; 'zh-CN'?: string } | null;
export interface Grant {
  read: string[];
  write: string[];
  fetch: string[];
  hooks: string[];
  /** Org-chart operations (`sync`); absent from grants given before it existed. */
  org?: string[];
}
export interface PluginView {
  name: string;
  status: 'enabled' | 'disabled' | 'awaiting_consent';
  version: string | null;
  pendingVersion: string | null;
  previousVersion: string | null;
  description: Localized;
  requested: Grant;
  granted: Grant | null;
  needsConsent: string[];
  settingsSchema: Record<string, unknown> | null;
  settings: Record<string, unknown>;
  versions: string[];
}
export interface CatalogEntry {
  package: string;
  name: string;
  version: string;
  description: Localized;
}

const at = (name: string) => `/plugins/${encodeURIComponent(name)}`;

export const pluginsApi = {
  list: () => api.get<{ data: PluginView[] }>('/plugins'),
  catalog: () => api.get<{ data: CatalogEntry[] }>('/plugins/catalog'),
  install: (pkg: string) => api.post<{ data: PluginView }>('/plugins', { package: pkg }),
  consent: (name: string) => api.post<{ data: PluginView }>(`${at(name)}/consent`),
  enable: (name: string) => api.post<{ data: PluginView }>(`${at(name)}/enable`),
  disable: (name: string) => api.post<{ data: PluginView }>(`${at(name)}/disable`),
  rollback: (name: string) => api.post<{ data: PluginView }>(`${at(name)}/rollback`),
  uninstall: (name: string) => api.del<void>(at(name)),
  configure: (name: string, settings: Record<string, unknown>) => api.put<{ data: PluginView }>(`${at(name)}/settings`, { settings }),
};
