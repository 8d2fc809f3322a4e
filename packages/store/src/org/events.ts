// Telling the modules that the org changed: one job per subscribed consumer, written in the
// changing transaction (the same outbox as record events), saying which users and units changed
// and from which day, so each can recalculate exactly the periods the change reaches.
import type { Ctx, Q } from '../context.ts';
import { eventQueue, type RecordEvent } from '../events.ts';
import { uuidv7 } from '../uuid.ts';
import type { OrgChangeResult } from './write.ts';

/** The object name of org events; api names cannot start with `attain_`, so no record object has it. */
export const ORG_EVENT_OBJECT = 'attain_org';

/** What an org event's `after` holds. */
export interface OrgEventBody {
  /** The earliest day whose answer moved. */
  from: string;
  users: string[];
  units: string[];
}

/** Reads an org event's body, or null when the event is not one. */
export function orgEventBody(event: RecordEvent): OrgEventBody | null {
  if (event.object !== ORG_EVENT_OBJECT || !event.after) return null;
  const a = event.after as Partial<OrgEventBody>;
  return typeof a.from === 'string' && Array.isArray(a.users) && Array.isArray(a.units) ? { from: a.from, users: a.users, units: a.units } : null;
}

/** Enqueues the org event for consumers that subscribed to it by name (not to every object). */
export async function emitOrgChange(ctx: Ctx, q: Q, tenant: string, result: OrgChangeResult, actor: RecordEvent['actor'], revision: number | null): Promise<void> {
  const consumers = ctx.events.namedConsumersFor(ORG_EVENT_OBJECT);
  const dates = Object.values(result.from).sort();
  if (!consumers.length || !dates.length) return;
  const moved = new Set(Object.keys(result.from));
  const body: OrgEventBody = {
    from: dates[0]!,
    users: result.changes.map((c) => c.user_id).filter((id) => moved.has(id)),
    units: result.unitChanges.map((u) => u.unit_id).filter((id) => moved.has(id)),
  };
  const at = new Date();
  const event: RecordEvent = {
    tenant,
    object: ORG_EVENT_OBJECT,
    recordId: body.users[0] ?? body.units[0] ?? '',
    op: 'update',
    before: null,
    after: { ...body },
    actor,
    revision,
    at: at.toISOString(),
  };
  const payload = JSON.stringify(event);
  await ctx.table(q, 'jobs').insert(consumers.map((consumer) => ({ id: uuidv7(), queue: eventQueue(consumer), tenant, key: null, payload, run_at: at })));
}
