// Who may see and plan whose visits: exactly the caller's record scope on `visit` (a rep their
// own, a manager their team's, an admin everyone's), as the records routes apply it — the grant's
// row filter, not a copy of it.
import { calendar } from '@attain/store';
import { ApiError, badRequest } from '../../http/errors.ts';
import type { AccessContext, ObjectGrant } from '../../rbac/context.ts';
import type { Store } from '../../store-port.ts';

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
export const MISSED_QUEUE = 'field.missed_visits';

export interface PlanScope {
  visits: ObjectGrant;
  /** Users whose plans the caller sees; undefined: everyone's. */
  owners: string[] | undefined;
}

export async function planScope(access: AccessContext): Promise<PlanScope> {
  const visits = await access.grant('visit', 'read');
  const owners = visits.access.rowFilter?.ownerIn;
  return { visits, owners: owners ? [...owners] : undefined };
}

/** A real calendar day, YYYY-MM-DD, else 400 naming `path`. */
export function realDay(value: string, path: string, code: 'invalid_body' | 'invalid_query'): string {
  if (!DAY.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
    throw badRequest(code, `${path.slice(1)} must be a day, YYYY-MM-DD`, [{ path, rule: 'format', message: 'must be a real day, YYYY-MM-DD' }]);
  }
  return value;
}

/** The rep a plan is for: the caller, or a user in their visit scope (403 otherwise; 422 for no such user). */
export async function planUser(store: Store, access: AccessContext, scope: PlanScope, userId: string | undefined): Promise<string> {
  if (userId === undefined) return access.principal.userId;
  const id = userId.toLowerCase();
  // The scope first: whether someone outside it exists is not the caller's to learn.
  access.assertOwnerInScope(scope.visits, { owner_id: id });
  const user = UUID_TEXT.test(id) ? await (await store.records(access.tenantName)).get('user', id) : undefined;
  if (!user) throw new ApiError(422, 'unknown_user', 'no such user', [{ path: '/userId', rule: 'exists', message: 'is not a user' }]);
  return id;
}

/** The job that tells reps and managers of the day's missed visits once the day is over (one per tenant and day). */
export async function scheduleMissedCheck(store: Store, tenant: string, day: string, timeZone: string): Promise<void> {
  const runAt = calendar.dayStart(calendar.addDays(day), timeZone);
  await store.jobs.enqueue({ queue: MISSED_QUEUE, tenant, key: `field-missed:${tenant}:${day}`, payload: { tenant, day }, runAt, maxAttempts: 5 });
}
