// The nightly scan as a durable job: one per tenant and day (its key keeps several nodes from
// doubling it), due at 02:00 in the tenant's time zone; each run enqueues the next night's. The
// chain starts with the first scan run by hand or the first look at the rules.
import { tenantCalendar, today as tenantToday } from '@attain/engine';
import { calendar, type BackgroundModule } from '@attain/store';
import type { Workflow } from '@attain/workflow';
import type { Store } from '../../store-port.ts';
import { reportHandlers, scheduleMonthly } from './report-jobs.ts';
import { runScan } from './scan.ts';

export const QUALITY_SCAN_QUEUE = 'quality.scan';
const NIGHT_HOUR_MS = 2 * 3_600_000;

export interface NightlyOptions {
  now?: () => Date;
}

/** Enqueues the scan of the night after the tenant's today; a no-op when it is queued already. */
export async function scheduleNightly(store: Store, tenant: string, opts: NightlyOptions = {}): Promise<string> {
  const cal = await tenantCalendar(store, tenant);
  const day = calendar.addDays(tenantToday(cal.timeZone, (opts.now ?? (() => new Date()))()), 1);
  const runAt = new Date(calendar.dayStart(day, cal.timeZone).getTime() + NIGHT_HOUR_MS);
  await store.jobs.enqueue({ queue: QUALITY_SCAN_QUEUE, tenant, key: `quality-scan:${tenant}:${day}`, payload: { tenant, day }, runAt, maxAttempts: 3 });
  return day;
}

export function qualityBackground(deps: { store: Store; workflow: Workflow }, opts: NightlyOptions = {}): BackgroundModule {
  return {
    name: 'quality',
    handlers: {
      [QUALITY_SCAN_QUEUE]: async (job) => {
        const p = job.payload as { tenant?: unknown };
        if (typeof p.tenant !== 'string') return { skipped: 'bad payload' };
        const now = (opts.now ?? (() => new Date()))();
        const result = await runScan(deps.store, p.tenant, { trigger: 'schedule', now, workflow: deps.workflow });
        await scheduleNightly(deps.store, p.tenant, opts);
        await scheduleMonthly(deps.store, p.tenant, now);
        return { runId: result.runId, issues: result.issues, newIssues: result.newIssues };
      },
      ...reportHandlers(deps, opts.now ?? (() => new Date())),
    },
  };
}
