// Weekly forecast snapshots as durable jobs: one job per tenant and week (its key keeps several nodes
// from doubling it), run on the week's Monday; it stores every active user's computed numbers and
// latest submission for the current and the next quarter, then enqueues the next week. The chain
// starts with the first forecast a tenant opens or submits; running a week again replaces its rows.
import { addMonths, fiscalKeyOf, monthsOfKey, tenantCalendar, today as tenantToday } from '@attain/engine';
import { calendar, type BackgroundModule } from '@attain/store';
import type { Store } from '../../store-port.ts';
import { computeForecast, FORECAST_OBJECT } from './forecast-compute.ts';
import { periodOfMonths } from './forecast-period.ts';
import { latestBy, saveSnapshot, submissionsOf } from './forecast-store.ts';
import { stageMapOf } from './forecast-view.ts';

export const FORECAST_SNAPSHOT_QUEUE = 'analytics.forecast.snapshot';

export interface SnapshotOptions {
  /** The clock; tests drive the job with a fixed one. */
  now?: () => Date;
}

/** Monday of the ISO week a day falls in. */
export function weekOf(day: string): string {
  const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
  return calendar.addDays(day, -((dow + 6) % 7));
}

/** Enqueues the snapshot of the tenant's current week (`ahead` weeks later); a no-op when it exists. */
export async function scheduleSnapshot(store: Store, tenant: string, opts: SnapshotOptions = {}, ahead = 0): Promise<void> {
  const cal = await tenantCalendar(store, tenant);
  const week = calendar.addDays(weekOf(tenantToday(cal.timeZone, (opts.now ?? (() => new Date()))())), 7 * ahead);
  const runAt = calendar.dayStart(week, cal.timeZone);
  await store.jobs.enqueue({ queue: FORECAST_SNAPSHOT_QUEUE, tenant, key: `forecast-snapshot:${tenant}:${week}`, payload: { tenant, week }, runAt, maxAttempts: 5 });
}

/** Stores the week's snapshot rows of one tenant; returns how many it wrote. */
export async function takeSnapshot(store: Store, tenant: string, week: string, now: Date): Promise<number> {
  const cal = await tenantCalendar(store, tenant);
  const today = tenantToday(cal.timeZone, now);
  const records = await store.records(tenant);
  if (!records.registry.object(FORECAST_OBJECT) || !records.registry.object('user')) return 0;
  const users: string[] = [];
  const hasActive = !!records.registry.object('user')?.fields.some((f) => f.name === 'active');
  for (let after: string | undefined; ; ) {
    const page = await records.list('user', { ...(hasActive ? { filter: { active: { eq: true } } } : {}), limit: 500, ...(after ? { after } : {}) });
    users.push(...page.data.map((u) => u.id));
    if (!page.page.next) break;
    after = page.page.next;
  }
  const stageMap = await stageMapOf(store, tenant);
  const quarter = fiscalKeyOf(today.slice(0, 7), 'quarter', cal);
  const next = fiscalKeyOf(addMonths(today.slice(0, 7), 3), 'quarter', cal);
  let written = 0;
  for (const key of [quarter, next]) {
    const period = periodOfMonths(key, monthsOfKey(key, cal) as string[]);
    // The system's record service: every owner's numbers in one pass, each stored under its owner.
    const result = await computeForecast({ service: records, period, cal, today, stageMap });
    const latest = latestBy(await submissionsOf(store, tenant, key, users, 'own', now));
    for (const userId of users) {
      await saveSnapshot(store, tenant, { week, period: key, userId, numbers: result.byOwner.get(userId) ?? result.blank, submission: latest.get(userId) ?? null }, now);
      written++;
    }
  }
  return written;
}

export function forecastBackground(store: Store, opts: SnapshotOptions = {}): BackgroundModule {
  return {
    name: 'analytics',
    handlers: {
      [FORECAST_SNAPSHOT_QUEUE]: async (job) => {
        const p = job.payload as { tenant?: unknown; week?: unknown };
        if (typeof p.tenant !== 'string' || typeof p.week !== 'string') return { skipped: 'bad payload' };
        const written = await takeSnapshot(store, p.tenant, p.week, (opts.now ?? (() => new Date()))());
        await scheduleSnapshot(store, p.tenant, opts, 1);
        return { written };
      },
    },
  };
}
