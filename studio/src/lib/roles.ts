import { api } from '../api/client.ts';
import type { MetaDocument, RoleDoc } from '../api/types.ts';

/** The tenant's current metadata documents (roles have no list endpoint; the latest revision holds them all). */
export async function currentDocuments(): Promise<MetaDocument[]> {
  const history = await api.get<{ data: Array<{ revision: number }> }>('/metadata/revisions');
  const latest = Math.max(0, ...history.data.map((r) => r.revision));
  if (!latest) return [];
  const rev = await api.get<{ docs?: MetaDocument[]; documents?: MetaDocument[] }>(`/metadata/revisions/${latest}`);
  return rev.docs ?? rev.documents ?? [];
}

export async function loadRoles(): Promise<RoleDoc[]> {
  return (await currentDocuments()).filter((d): d is RoleDoc => d.kind === 'role');
}
