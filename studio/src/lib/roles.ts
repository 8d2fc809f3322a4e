import { api } from '../api/client.ts';
import type { RoleDoc } from '../api/types.ts';

/** The tenant's roles (admin only). */
export async function loadRoles(): Promise<RoleDoc[]> {
  return (await api.get<{ data: RoleDoc[] }>('/metadata/roles')).data;
}
