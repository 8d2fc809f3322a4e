// The templates API as the gallery uses it (packages/server/src/templates/routes.ts).
import { api } from '../../api/client.ts';
import type { GetTemplatesResponse, PostTemplatesNameInstallResponse, PostTemplatesNameRollbackResponse, PostTemplatesNameUninstallResponse } from '../../api/generated.ts';
import type { Label, Plan } from '../../api/types.ts';

/** A template the server ships, and the version of it this tenant has installed (null: none). */
export interface GalleryEntry {
  name: string;
  version: string;
  label?: Label;
  description?: string | null;
  industry?: string | null;
  installed: string | null;
  /** The template's last change is an upgrade, which a rollback undoes. */
  canRollBack?: boolean;
}
export type InstallAnswer = PostTemplatesNameInstallResponse & { data?: { records: Record<string, number>; periods: string[]; statementLines: number } };

/** One field where the tenant and the new template version both changed the installed version's value. */
export interface Conflict {
  path: string;
  document: string;
  pointer: string;
  base?: unknown;
  ours?: unknown;
  theirs?: unknown;
}
export interface DocChange {
  document: string;
  kind: string;
  action: 'added' | 'updated' | 'removed' | 'kept';
  taken: string[];
  kept: string[];
}
export interface UpgradePlan {
  template: string;
  from: string;
  to: string;
  changes: DocChange[];
  conflicts: Conflict[];
  unresolved: string[];
  removed?: string[];
  migration?: Plan;
  hash?: string;
}
export type Choice = 'ours' | 'theirs';

const at = (name: string) => `/templates/${encodeURIComponent(name)}`;

export const templatesApi = {
  gallery: () => api.get<GetTemplatesResponse>('/templates').then((r) => r.data as GalleryEntry[]),
  /** Without `accept` the answer is the plan only; nothing changes. */
  install: (name: string, accept: boolean, data: boolean) => api.post<InstallAnswer>(`${at(name)}/install`, { accept, data }),
  planUpgrade: (name: string, resolutions: Record<string, Choice>) => api.post<UpgradePlan>(`${at(name)}/upgrade/plan`, { resolutions }),
  upgrade: (name: string, resolutions: Record<string, Choice>, hash: string | undefined) =>
    api.post<UpgradePlan & { revision: number }>(`${at(name)}/upgrade`, { resolutions, ...(hash ? { hash } : {}) }),
  rollback: (name: string) => api.post<PostTemplatesNameRollbackResponse>(`${at(name)}/rollback`, {}),
  uninstall: (name: string, accept: boolean) => api.post<PostTemplatesNameUninstallResponse>(`${at(name)}/uninstall`, { accept }),
};
