// The access of a subscription's owner, for a job that runs without a request: the same
// AccessContext a request of theirs gets (role, record scope, hidden fields), built from the
// tenant's current snapshot, so a snapshot never shows more than the owner would see now.
import { ApiError } from '../../http/errors.ts';
import { AccessContext } from '../../rbac/context.ts';
import type { Store } from '../../store-port.ts';

export async function ownerAccess(store: Store, tenant: string, userId: string): Promise<AccessContext> {
  const snapshot = await store.snapshot(tenant);
  if (!snapshot) throw new ApiError(404, 'not_found', `tenant "${tenant}" no longer exists`);
  const { registry } = snapshot;
  const user = registry.object('user') ? await snapshot.records().get('user', userId) : undefined;
  if (!user || user.active === false) throw new ApiError(403, 'forbidden', 'the owner of the subscription is unknown or inactive');
  const roleName = typeof user.role === 'string' ? user.role : undefined;
  return new AccessContext(store, { tenant: snapshot.tenant, userId, user: Object.freeze(user), role: roleName ? registry.role(roleName) : undefined, registry, snapshot, via: 'token' });
}
