// A planned visit is done when its rep has a visit at its customer on its day (the tenant's
// calendar day); missed when the day is over without one; planned until then. Visits are read
// through a record service — the caller's (their scope) on routes, the system's in the job.
import { calendar } from '@attain/store';
import type { Filter, RecordService } from '../../store-port.ts';
import type { FieldPort } from './tables.ts';

export interface PlanRow {
  id: string;
  user_id: string;
  customer_id: string;
  /** YYYY-MM-DD */
  day: string;
  seq: number | null;
  created_by: string | null;
  created_at: Date | string;
  missed_notified_at: Date | string | null;
}

export type PlanStatus = 'done' | 'missed' | 'planned';

// Enough for a team's month of visits; the page cursor walks it.
const MAX_VISITS = 20_000;

/** The plan columns, the day as its text (drivers turn a `date` into a Date at some midnight). */
export function planColumns(port: FieldPort) {
  return ['id', 'user_id', 'customer_id', port.knex.raw("to_char(day, 'YYYY-MM-DD') as day"), 'seq', 'created_by', 'created_at', 'missed_notified_at'];
}

/** Plans of the days `from`..`to` (inclusive), of `users` when given (else everyone's). */
export async function plansBetween(port: FieldPort, from: string, to: string, users: readonly string[] | undefined): Promise<PlanRow[]> {
  const q = port.table('plan').where('day', '>=', from).andWhere('day', '<=', to);
  if (users) q.whereIn('user_id', [...users]);
  return (await q.orderBy([{ column: 'day' }, { column: 'user_id' }, { column: 'seq', nulls: 'last' }, { column: 'created_at' }]).select(planColumns(port))) as PlanRow[];
}

export interface VisitFacts {
  /** `user|customer|day` → the visit id. */
  done: Map<string, string>;
  /** Visits per owner in the period, planned or not. */
  perOwner: Map<string, number>;
}

export const planKey = (user: string, customer: string, day: string) => `${user}|${customer}|${day}`;

/** The visits of `owners` between the days, as the service's scope lets it read them. */
export async function visitFacts(service: RecordService, owners: readonly string[], from: string, to: string, timeZone: string): Promise<VisitFacts> {
  const facts: VisitFacts = { done: new Map(), perOwner: new Map() };
  if (owners.length === 0) return facts;
  const filter: Filter = {
    and: [
      { check_in_at: { gte: calendar.dayStart(from, timeZone).toISOString() } },
      { check_in_at: { lt: calendar.dayStart(calendar.addDays(to), timeZone).toISOString() } },
      { owner_id: { in: [...owners] } },
    ],
  };
  let after: string | undefined;
  let seen = 0;
  do {
    const page = await service.list('visit', { filter, sort: [{ field: 'check_in_at', dir: 'asc' }], limit: 500, ...(after ? { after } : {}) });
    for (const v of page.data) {
      const owner = String(v.owner_id ?? '');
      const day = calendar.localDate(v.check_in_at, timeZone);
      facts.perOwner.set(owner, (facts.perOwner.get(owner) ?? 0) + 1);
      if (day) {
        const key = planKey(owner, String(v.customer_id), day);
        if (!facts.done.has(key)) facts.done.set(key, v.id);
      }
    }
    seen += page.data.length;
    after = page.page.next ?? undefined;
  } while (after && seen < MAX_VISITS);
  return facts;
}

export function statusOf(plan: PlanRow, facts: VisitFacts, today: string): { status: PlanStatus; visitId: string | null } {
  const day = plan.day;
  const visitId = facts.done.get(planKey(plan.user_id, plan.customer_id, day)) ?? null;
  if (visitId) return { status: 'done', visitId };
  return { status: day < today ? 'missed' : 'planned', visitId: null };
}
