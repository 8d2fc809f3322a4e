import { JobRunner, orgBackground, type BackgroundModule, type Store } from '@attain/store';
import { attainModules, installModules, moduleJobs, type AttainModule } from '@attain/server';
import { pluginsFor } from '@attain/plugins';

/**
 * The background work of the platform's modules (automation, notifications, attainment, …), from
 * the module list: installing them registers the approval subjects their jobs decide. Every node
 * runs the same list, and the shared job queue makes sure each job runs once.
 */
export function backgroundModules(store: Store, modules: readonly AttainModule[] = attainModules): BackgroundModule[] {
  installModules(store, modules);
  // The org is the store's, not a module's: it applies changes dated after today on their day.
  return [...moduleJobs(store, modules), orgBackground(store), pluginsFor(store).background()];
}

export function startBackground(store: Store, modules: BackgroundModule[], opts: { leaseMs?: number } = {}): JobRunner {
  for (const m of modules) for (const sub of m.subscriptions ?? []) store.events.subscribe(sub);
  const handlers = Object.assign({}, ...modules.map((m) => m.handlers)) as BackgroundModule['handlers'];
  const runner = new JobRunner(store.jobs, { handlers, ...(opts.leaseMs ? { leaseMs: opts.leaseMs } : {}) });
  if (runner.queues.length > 0) runner.start();
  return runner;
}
