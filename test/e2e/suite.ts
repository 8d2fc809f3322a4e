// The hooks every studio browser test file needs: a harness (server on a fresh embedded
// database with a seeded tenant) and a browser, started once for the file and closed after it.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { ARTIFACTS, startHarness, type Harness } from './harness.ts';
import { launchBrowser } from './browser.ts';

export interface StudioSuite {
  h: Harness;
  browser: Browser;
}

/** Registers the hooks; `onReady` receives both (and may seed more) before the first test. */
export function studioSuite(onReady: (s: StudioSuite) => void | Promise<void>, opts: Parameters<typeof startHarness>[0] = {}): void {
  let s: Partial<StudioSuite> = {};
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const h = await startHarness(opts);
    s = { h };
    const browser = await launchBrowser();
    s = { h, browser };
    await onReady({ h, browser });
  }, 180_000);
  afterAll(async () => {
    await s.browser?.close();
    await s.h?.close();
  });
}
