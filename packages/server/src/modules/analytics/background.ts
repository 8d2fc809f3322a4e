import type { BackgroundModule } from '@attain/store';
import type { ModuleDeps } from '../contract.ts';
import { forecastBackground } from './forecast-jobs.ts';
import { funnelJobs } from './funnel-history.ts';
import { subscriptionBackground } from './subscription-jobs.ts';

/** The analytics module's one background module: the funnel's stage history, the forecast's weekly snapshots and dashboard subscriptions. */
export function analyticsBackground(deps: ModuleDeps): BackgroundModule {
  const parts = [funnelJobs(deps), forecastBackground(deps.store), subscriptionBackground(deps.store)];
  const handlers: BackgroundModule['handlers'] = {};
  for (const p of parts) {
    for (const [queue, handler] of Object.entries(p.handlers)) {
      if (handlers[queue]) throw new Error(`analytics: two handlers for the queue "${queue}"`);
      handlers[queue] = handler;
    }
  }
  return { name: 'analytics', handlers, subscriptions: parts.flatMap((p) => p.subscriptions ?? []) };
}
