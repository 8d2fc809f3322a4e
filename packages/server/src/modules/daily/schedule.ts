// The daily report as a durable job per tenant, day and hour (its key keeps several nodes from
// doubling it): at each enabled role's hour of the tenant's day it creates a draft for every active
// user of the roles due then and tells them, then enqueues the next day. The chain starts when an
// admin saves the settings; a job whose hour no role uses any more does nothing and ends there.
import { calendar, type BackgroundModule } from '@attain/store';
import type { Store } from '../../store-port.ts';
import { ensureDraft, notifyReady } from './report-store.ts';
import { dailyPort, readDailySettings } from './settings.ts';

export const DAILY_QUEUE = 'daily.prepare';
const SYSTEM = { userId: null, label: 'daily report' };

/** The moment an hour of a tenant's day begins. */
export function hourStart(day: string, hour: number, timeZone: string): Date {
  return new Date(calendar.dayStart(day, timeZone).getTime() + hour * 3_600_000);
}

/** Enqueues the next run of every enabled hour (today's when still ahead, else tomorrow's); a no-op when queued. */
export async function scheduleDaily(store: Store, tenant: string, now: Date = new Date()): Promise<number> {
  const { timeZone } = await store.tenants.settings(tenant);
  const hours = new Set((await readDailySettings(await dailyPort(store, tenant))).filter((r) => r.enabled).map((r) => r.hour));
  const today = calendar.localToday(timeZone, now);
  for (const hour of hours) {
    const day = hourStart(today, hour, timeZone) > now ? today : calendar.addDays(today);
    await store.jobs.enqueue({ queue: DAILY_QUEUE, tenant, key: `daily:${tenant}:${day}:${hour}`, payload: { tenant, day, hour }, runAt: hourStart(day, hour, timeZone), maxAttempts: 5 });
  }
  return hours.size;
}

/**
 * Drafts of one day for the active users of the enabled roles (of one hour, when given); running
 * it again creates only the missing ones. Returns how many it created.
 */
export async function prepareDay(store: Store, tenant: string, day: string, hour?: number): Promise<{ created: number; existing: number }> {
  const roles = (await readDailySettings(await dailyPort(store, tenant))).filter((r) => r.enabled && (hour === undefined || r.hour === hour)).map((r) => r.role);
  const records = await store.records(tenant);
  if (!roles.length || !records.registry.object('daily_report') || !records.registry.object('user')) return { created: 0, existing: 0 };
  let created = 0;
  let existing = 0;
  for (let after: string | undefined; ; ) {
    const page = await records.list('user', { filter: { and: [{ role: { in: roles } }, { active: { eq: true } }] }, limit: 500, ...(after ? { after } : {}) });
    for (const user of page.data) {
      const out = await ensureDraft(store, tenant, user.id, day, SYSTEM);
      if (out.created) {
        created++;
        await notifyReady(store, tenant, out.report);
      } else existing++;
    }
    if (!page.page.next) break;
    after = page.page.next;
  }
  return { created, existing };
}

export function dailyBackground({ store }: { store: Store }, opts: { now?: () => Date } = {}): BackgroundModule {
  return {
    name: 'daily',
    handlers: {
      [DAILY_QUEUE]: async (job) => {
        const p = job.payload as { tenant?: unknown; day?: unknown; hour?: unknown };
        if (typeof p.tenant !== 'string' || typeof p.day !== 'string' || typeof p.hour !== 'number') return { skipped: 'bad payload' };
        const result = await prepareDay(store, p.tenant, p.day, p.hour);
        await scheduleDaily(store, p.tenant, (opts.now ?? (() => new Date()))());
        return result;
      },
    },
  };
}
