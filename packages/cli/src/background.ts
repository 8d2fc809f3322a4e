import { JobRunner, type BackgroundModule, type Store } from '@attain/store';
import { alertNotifier, workflowFor, type Workflow } from '@attain/workflow';
import { pluginsFor } from '@attain/plugins';
import { disputeSubject, DISPUTE_SUBJECT, goalsBackground, inAppNotifier, incentivePeriodSubject, incentivesBackground, PERIOD_SUBJECT, targetPlanSubject, TARGET_PLAN_SUBJECT, type GoalsContext } from '@attain/engine';

/** The engine's approval subjects, handled by the workflow's durable final runs on every node. */
export function registerApprovalSubjects(wf: Workflow, store: Store): void {
  wf.registerSubject(TARGET_PLAN_SUBJECT, targetPlanSubject(store));
  wf.registerSubject(PERIOD_SUBJECT, incentivePeriodSubject(store));
  wf.registerSubject(DISPUTE_SUBJECT, disputeSubject(store));
}

/**
 * The platform modules that do background work (automation, notifications, attainment, …).
 * Each module adds one entry here; every node runs the same list, and the shared job queue makes
 * sure each job runs once.
 */
export function backgroundModules(store: Store): BackgroundModule[] {
  const wf = workflowFor(store);
  registerApprovalSubjects(wf, store);
  // Goal alerts reach people through the workflow's inbox and their preferred channels; the
  // goals screens keep reading their own notices, so those are written too.
  const notifier = alertNotifier<GoalsContext>(wf, { also: inAppNotifier });
  return [wf.background(), goalsBackground(store, { notifier }), incentivesBackground(store), pluginsFor(store).background()];
}

export function startBackground(store: Store, modules: BackgroundModule[]): JobRunner {
  for (const m of modules) for (const sub of m.subscriptions ?? []) store.events.subscribe(sub);
  const handlers = Object.assign({}, ...modules.map((m) => m.handlers)) as BackgroundModule['handlers'];
  const runner = new JobRunner(store.jobs, { handlers });
  if (runner.queues.length > 0) runner.start();
  return runner;
}
