// Alerts on a schedule, as durable jobs: one job per tenant and time slot (the key keeps several
// nodes from doubling it); each run evaluates the rules and enqueues the next slot.
import type { JobHandler, Store } from '@attain/store';
import { evaluateAlerts, inAppNotifier, listRules, type AlertNotifier } from './alerts.ts';
import { goalsContext } from './context.ts';
import { seedMemberships } from './membership.ts';

export const ALERTS_QUEUE = 'goals.alerts';

export interface AlertScheduleOptions {
  /** The clock; replaceable in tests. */
  now?: () => Date;
  /** Time between evaluations (default one hour). */
  everyMs?: number;
  notifier?: AlertNotifier;
}

const HOUR = 3_600_000;

/** Enqueues the alert job of the current slot (or `ahead` slots later); a no-op when it exists. */
export async function scheduleAlerts(store: Store, tenant: string, opts: AlertScheduleOptions = {}, ahead = 0): Promise<void> {
  const every = opts.everyMs ?? HOUR;
  const now = (opts.now ?? (() => new Date()))();
  const at = new Date((Math.floor(now.getTime() / every) + ahead) * every);
  await store.jobs.enqueue({ queue: ALERTS_QUEUE, tenant, key: `goals-alerts:${tenant}:${at.toISOString()}`, payload: { tenant }, runAt: at, maxAttempts: 5 });
}

export function alertHandlers(store: Store, opts: AlertScheduleOptions = {}): Record<string, JobHandler> {
  return {
    [ALERTS_QUEUE]: async (job) => {
      const { tenant } = job.payload as { tenant: string };
      const ctx = await goalsContext(store, tenant);
      await seedMemberships(ctx);
      const run = await evaluateAlerts(ctx, (opts.now ?? (() => new Date()))(), opts.notifier ?? inAppNotifier);
      // The chain stops when a tenant has no rules; saving a rule starts it again.
      if ((await listRules(ctx)).length) await scheduleAlerts(store, tenant, opts, 1);
      return { evaluated: run.evaluated, fired: run.fired.length };
    },
  };
}
