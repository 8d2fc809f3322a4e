import type { Store } from '@attain/store';
import { PluginRuntime, type PluginRuntimeOptions } from './runtime.ts';
// Every workspace package carries Attain's version (they are released together).
import ownPackage from '../package.json' with { type: 'json' };

export { bundlePlugin, checkManifest, MANIFEST_FILE } from './bundle.ts';
export { PluginService, type ActivePlugin, type PluginStatus, type PluginView } from './service.ts';
export { PluginRuntime, AFTER_QUEUE, EVENT_CONSUMER, JOB_QUEUE, type PluginRuntimeOptions } from './runtime.ts';
export { PLUGINS_MODULE } from './tables.ts';
export { INBOUND_QUEUE, receiveInbound, verifyInbound, type InboundAnswer, type InboundRequest } from './inbound.ts';
export { InboundRefused, decryptMessage, encryptMessage, feishuEncrypt, feishuSignature, msgSignature } from './inbound-crypto.ts';
export { applyOrgSync, type OrgSyncResult } from './org-sync.ts';
export { MASK } from './settings.ts';
export { deriveSecretsKey, parseSecretsKey, SecretKeys, SecretsError, SEALED_PREFIX } from './secrets.ts';
export type { Grant } from './grant.ts';
export type { OutboundConfig } from './host.ts';
export { SDK_TYPES } from './sdk-types.ts';

/** The Attain version plugins' `attain` ranges are checked against. */
export const ATTAIN_VERSION: string = ownPackage.version;

const runtimes = new WeakMap<Store, PluginRuntime>();

/** The one plugin runtime of a store (the server's routes and the background worker share it). */
export function pluginsFor(store: Store, opts: Partial<PluginRuntimeOptions> = {}): PluginRuntime {
  let r = runtimes.get(store);
  if (!r) {
    r = new PluginRuntime(store, { attainVersion: ATTAIN_VERSION, ...opts });
    r.attach();
    runtimes.set(store, r);
  } else r.configure(opts);
  return r;
}
