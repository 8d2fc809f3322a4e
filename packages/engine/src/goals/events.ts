// Record events -> incremental attainment. Each event recomputes only the people and months it
// touches (before and after images), for every KPI over the event's object.
import type { BackgroundModule, RecordEvent, Store } from '@attain/store';
import { eventQueue, metadataQueue, ORG_EVENT_OBJECT, orgEventBody, type MetadataEvent } from '@attain/store';
import { applyMetadataEvent } from './metadata-events.ts';
import { recomputeScope, rollUpAll } from './actuals.ts';
import { goalsContext, kpisOn, type GoalsContext } from './context.ts';
import type { CompiledKpi } from './kpi.ts';
import { localMonth } from '../calendar/calendar.ts';
import { seedMemberships } from './membership.ts';
import { alertHandlers, type AlertScheduleOptions } from './alerts-jobs.ts';

export const GOALS_CONSUMER = 'goals.attainment';
/** Org changes come on their own queue: they are not record events every consumer should see. */
export const GOALS_ORG_CONSUMER = 'goals.org';

/** The people and months (in the tenant's time zone) a record's before and after images count in. */
export function touched(kpi: CompiledKpi, images: Array<Record<string, unknown> | null>, timeZone: string): { users: string[]; months: string[] } {
  const users = new Set<string>();
  const months = new Set<string>();
  for (const img of images) {
    if (!img) continue;
    const owner = img[kpi.ownerColumn];
    const date = img[kpi.dateColumn];
    if (typeof owner === 'string') users.add(owner);
    const month = localMonth(date, timeZone);
    if (month) months.add(month);
  }
  return { users: [...users], months: [...months] };
}

/** Brings attainment up to date with one record change. Idempotent, so a retried job is harmless. */
export async function applyRecordEvent(ctx: GoalsContext, event: RecordEvent): Promise<void> {
  const moved = orgEventBody(event);
  if (moved) {
    // The org service moved these people (a record write, an import, an HR connector): their
    // credit follows the team they were in on each record's date.
    // Months before the change's first day keep their credit: only those from its month on move.
    if (moved.users.length) for (const kpi of allKpis(ctx)) await recomputeScope(ctx, kpi, { users: moved.users, since: moved.from.slice(0, 7) });
    if (moved.units.length) for (const kpi of allKpis(ctx)) await ctx.knex.transaction((trx) => rollUpAll(trx, ctx, kpi.name, moved.from.slice(0, 7)));
    return;
  }
  if (event.object === 'user') {
    // The org service already moved the user in the write's transaction; its org event recomputes.
  } else if (event.object === 'org_unit') {
    // A unit moved or was added: every ancestor sum may change; per-person actuals do not.
    for (const kpi of allKpis(ctx)) await ctx.knex.transaction((trx) => rollUpAll(trx, ctx, kpi.name));
  }
  // Each KPI on its own: one that fails (a formula that errors on this record's data) does not keep
  // the others from updating; the first failure is rethrown so the job is retried and visible.
  let failure: unknown;
  for (const kpi of kpisOn(ctx, event.object)) {
    const scope = touched(kpi, [event.before, event.after], ctx.calendar.timeZone);
    if (!scope.users.length || !scope.months.length) continue;
    try {
      await recomputeScope(ctx, kpi, scope);
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
}

function allKpis(ctx: GoalsContext): CompiledKpi[] {
  return [...new Set(ctx.registry.documentsOf('kpi').map((k) => k.object))].flatMap((o) => kpisOn(ctx, o));
}

/** The goals module's background work: record events handled incrementally, and scheduled alerts. */
export function goalsBackground(store: Store, alerts: AlertScheduleOptions = {}): BackgroundModule {
  return {
    name: 'goals',
    subscriptions: [
      { consumer: GOALS_CONSUMER, metadata: true },
      { consumer: GOALS_ORG_CONSUMER, objects: [ORG_EVENT_OBJECT] },
    ],
    handlers: {
      // KPIs applied as metadata are computed when their revision lands.
      [metadataQueue(GOALS_CONSUMER)]: async (job) => applyMetadataEvent(store, job.payload as MetadataEvent),
      [eventQueue(GOALS_ORG_CONSUMER)]: async (job) => {
        const event = job.payload as RecordEvent;
        const registry = await store.registry(event.tenant);
        if (!registry.documentsOf('kpi').length) return { skipped: true };
        await applyRecordEvent(await goalsContext(store, event.tenant, registry), event);
        return null;
      },
      [eventQueue(GOALS_CONSUMER)]: async (job) => {
        const event = job.payload as RecordEvent;
        const registry = await store.registry(event.tenant);
        if (!registry.documentsOf('kpi').length && event.object !== 'user') return { skipped: true };
        const ctx = await goalsContext(store, event.tenant, registry);
        await seedMemberships(ctx);
        await applyRecordEvent(ctx, event);
        return null;
      },
      ...alertHandlers(store, alerts),
    },
  };
}
