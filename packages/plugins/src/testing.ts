import { fileURLToPath } from 'node:url';
import { readMetadataDir } from '@attain/meta/node';
import { JobRunner, openTestStore, type Actor, type RecordService, type Store } from '@attain/store';
import type { PluginManifest } from '@attain/sandbox';
import { bundlePlugin } from './bundle.ts';
import type { OutboundConfig } from './host.ts';
import { pluginsFor } from './index.ts';
import type { PluginRuntime } from './runtime.ts';
import type { PluginView } from './service.ts';

const CORE = fileURLToPath(new URL('../../../metadata/core', import.meta.url));
let n = 0;

export interface Harness {
  store: Store;
  tenant: string;
  runtime: PluginRuntime;
  /** The installed plugin as an admin sees it. */
  view: PluginView;
  /** The records service of the test tenant (writes pass through the plugin's hooks). */
  records(): Promise<RecordService>;
  actor: Actor;
  /** Runs queued after-hooks and scheduled jobs due now; returns how many jobs ran. */
  drain(): Promise<number>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Settings saved after install (secrets included). */
  settings?: Record<string, unknown>;
  /** Test-only outbound knobs: `allowHosts` (e.g. `localhost:8443`) and `ca` for a local HTTPS server. */
  outbound?: OutboundConfig;
  /** Adjusts the manifest before install, e.g. to point a fetch grant at a local server. */
  manifest?: (m: PluginManifest) => PluginManifest;
  /** Metadata folder of the test tenant (default: Attain's core objects). */
  metadataDir?: string;
  /** An existing test store (default: a fresh one on the shared test database). */
  store?: Store;
}

/**
 * Runs a plugin folder against a real isolate and a fresh test tenant: bundles it as
 * `attain plugin install` does, installs it with consent, saves its settings.
 */
export async function pluginHarness(dir: string, opts: HarnessOptions = {}): Promise<Harness> {
  const store = opts.store ?? (await openTestStore());
  const tenant = `plug${process.pid}x${++n}`;
  const actor: Actor = { userId: null, label: 'harness' };
  await store.tenants.create(tenant);
  await store.metadata.apply(tenant, await readMetadataDir(opts.metadataDir ?? CORE), { actor });
  const runtime = pluginsFor(store, opts.outbound ? { outbound: opts.outbound } : {});
  const bundled = await bundlePlugin(dir);
  const manifest = opts.manifest ? opts.manifest(JSON.parse(JSON.stringify(bundled.manifest)) as PluginManifest) : bundled.manifest;
  let view = await runtime.service.install(tenant, { manifest, code: bundled.code }, actor, { consent: true });
  if (opts.settings) view = await runtime.service.configure(tenant, manifest.name, opts.settings, actor);
  const bg = runtime.background();
  for (const s of bg.subscriptions ?? []) store.events.subscribe(s);
  const runner = new JobRunner(store.jobs, { handlers: bg.handlers, backoffMs: () => 0 });
  return {
    store,
    tenant,
    runtime,
    view,
    actor,
    records: () => store.records(tenant),
    drain: () => runner.drain(),
    close: async () => {
      await runner.stop();
    },
  };
}
