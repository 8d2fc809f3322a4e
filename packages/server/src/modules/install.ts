import { metaKinds } from '@attain/meta';
import { metadataQueue, type BackgroundModule } from '@attain/store';
import { workflowFor } from '@attain/workflow';
import type { Store } from '../store-port.ts';
import type { AttainModule, ModuleDeps } from './contract.ts';
import { datasets } from './datasets.ts';

/** Modules in dependency order (stable otherwise); refuses duplicate ids, unknown dependencies and cycles. */
export function orderModules(modules: readonly AttainModule[]): AttainModule[] {
  const byId = new Map<string, AttainModule>();
  for (const m of modules) {
    if (byId.has(m.id)) throw new Error(`module "${m.id}" is listed twice`);
    byId.set(m.id, m);
  }
  const out: AttainModule[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (m: AttainModule, path: string[]): void => {
    if (state.get(m.id) === 'done') return;
    if (state.get(m.id) === 'visiting') throw new Error(`modules depend on each other in a cycle: ${[...path, m.id].join(' -> ')}`);
    state.set(m.id, 'visiting');
    for (const dep of m.dependsOn) {
      const d = byId.get(dep);
      if (!d) throw new Error(`module "${m.id}" depends on "${dep}", which is not in the module list`);
      visit(d, [...path, m.id]);
    }
    state.set(m.id, 'done');
    out.push(m);
  };
  for (const m of modules) visit(m, []);
  return out;
}

// Per store: which module objects are installed and by how many holders (a server and the
// worker of one process share a store; a kind or a check goes when its last holder releases it).
const installed = new WeakMap<Store, Map<string, { module: AttainModule; holders: number; release: () => void }>>();

/**
 * Installs modules on a store: their metadata kinds, analytics datasets, plan-time document checks, approval subjects
 * and notification channels, once, in dependency order. Returns the release (server close).
 */
export function installModules(store: Store, modules: readonly AttainModule[]): () => void {
  const ordered = orderModules(modules);
  const mine = installed.get(store) ?? new Map<string, { module: AttainModule; holders: number; release: () => void }>();
  installed.set(store, mine);
  const deps: ModuleDeps = { store, workflow: workflowFor(store) };
  assertDistinctTables(ordered);
  const held: string[] = [];
  for (const m of ordered) {
    const entry = mine.get(m.id);
    if (entry && entry.module !== m) throw new Error(`another module "${m.id}" is already installed on this store`);
    if (entry) entry.holders++;
    else mine.set(m.id, { module: m, holders: 1, release: installOne(deps, m) });
    held.push(m.id);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    for (const id of held.reverse()) {
      const entry = mine.get(id);
      if (!entry || --entry.holders > 0) continue;
      mine.delete(id);
      entry.release();
    }
  };
}

function installOne(deps: ModuleDeps, m: AttainModule): () => void {
  const releases = m.kinds.map((kind) => metaKinds.register(kind));
  for (const dataset of m.datasets) releases.push(datasets.register(dataset));
  for (const [name, check] of Object.entries(m.documentChecks)) {
    deps.store.documentChecks.register(name, check(deps));
    releases.push(() => deps.store.documentChecks.unregister(name));
  }
  // Subjects and channels live on the store's workflow service, which lives as long as the store.
  for (const [kind, handler] of Object.entries(m.approvalSubjects)) deps.workflow.registerSubject(kind, handler(deps));
  for (const channel of m.channels) deps.workflow.registerChannel(channel);
  return () => {
    for (const release of releases.reverse()) release();
  };
}

function assertDistinctTables(modules: readonly AttainModule[]): void {
  const owners = new Map<string, string>();
  for (const m of modules) {
    for (const t of m.tables) {
      const other = owners.get(t.name);
      if (other && other !== m.id) throw new Error(`modules "${other}" and "${m.id}" both declare the tenant tables "${t.name}"`);
      owners.set(t.name, m.id);
    }
  }
}

/**
 * The background work of the modules, in dependency order: each module's jobs and its metadata
 * event handlers (a subscription per consumer). Every node runs the same list; the shared job
 * queue makes each job run once. A queue handled by two modules is refused.
 */
export function moduleJobs(store: Store, modules: readonly AttainModule[]): BackgroundModule[] {
  const deps: ModuleDeps = { store, workflow: workflowFor(store) };
  const queues = new Map<string, string>();
  const out: BackgroundModule[] = [];
  for (const m of orderModules(modules)) {
    const events = Object.entries(m.metadataEvents);
    if (!m.jobs && events.length === 0) continue;
    const base: BackgroundModule = m.jobs ? m.jobs(deps) : { name: m.id, handlers: {} };
    const background: BackgroundModule = {
      name: base.name,
      subscriptions: [...(base.subscriptions ?? []), ...events.map(([consumer]) => ({ consumer, metadata: true }))],
      handlers: { ...base.handlers, ...Object.fromEntries(events.map(([consumer, handler]) => [metadataQueue(consumer), handler(deps)])) },
    };
    for (const queue of Object.keys(background.handlers)) {
      const other = queues.get(queue);
      if (other) throw new Error(`modules "${other}" and "${m.id}" both handle the queue "${queue}"`);
      queues.set(queue, m.id);
    }
    out.push(background);
  }
  return out;
}
