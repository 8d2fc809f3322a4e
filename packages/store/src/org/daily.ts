// The org's daily job: a change dated after today (an import, an HR connector) reaches the user
// and org_unit records and the RBAC team scopes on its day in the tenant's time zone, not on the
// next write. One durable job per tenant and day some span starts or ends on, enqueued when such a
// change is made and by each run for the next such day; the job queue's key and lease make
// several server processes run it once, and running it again changes nothing.
import type { BackgroundModule } from '../job-runner.ts';
import type { Store } from '../types.ts';
import { ORG_DAILY_QUEUE } from './service.ts';

export { ORG_DAILY_QUEUE };

export interface OrgDailyOptions {
  /** The clock; tests drive the job with a fixed one. */
  now?: () => Date;
}

export function orgBackground(store: Pick<Store, 'org'>, opts: OrgDailyOptions = {}): BackgroundModule {
  return {
    name: 'org',
    handlers: {
      [ORG_DAILY_QUEUE]: async (job) => {
        const p = job.payload as { tenant?: unknown; day?: unknown; since?: unknown };
        if (typeof p.tenant !== 'string' || typeof p.since !== 'string') return { skipped: 'bad payload' };
        const org = await store.org(p.tenant);
        return org.applyDay({ since: p.since, ...(typeof p.day === 'string' ? { day: p.day } : {}), now: (opts.now ?? (() => new Date()))() });
      },
    },
  };
}
