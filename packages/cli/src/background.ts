import { JobRunner, type BackgroundModule, type Store } from '@attain/store';
import { workflowFor } from '@attain/workflow';
import { goalsBackground, incentivesBackground } from '@attain/engine';

/**
 * The platform modules that do background work (automation, notifications, attainment, …).
 * Each module adds one entry here; every node runs the same list, and the shared job queue makes
 * sure each job runs once.
 */
export function backgroundModules(store: Store): BackgroundModule[] {
  return [workflowFor(store).background(), goalsBackground(store), incentivesBackground(store)];
}

export function startBackground(store: Store, modules: BackgroundModule[]): JobRunner {
  for (const m of modules) for (const sub of m.subscriptions ?? []) store.events.subscribe(sub);
  const handlers = Object.assign({}, ...modules.map((m) => m.handlers)) as BackgroundModule['handlers'];
  const runner = new JobRunner(store.jobs, { handlers });
  if (runner.queues.length > 0) runner.start();
  return runner;
}
