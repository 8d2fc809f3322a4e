import type { Store } from '@attain/store';
import { incentivePlanDocumentCheck } from './incentives/document-check.ts';

/**
 * The engine's whole-document checks for metadata plans. Whoever opens a store to plan or apply
 * metadata (the server, the CLI) registers them, so no door applies a plan the engine would refuse.
 */
export function registerEngineDocumentChecks(store: Pick<Store, 'documentChecks'>): void {
  store.documentChecks.register('incentives.plans', incentivePlanDocumentCheck);
}
