// Which Chromium the browser tests use, said before they run. As vitest's globalSetup it finds
// (and if need be unpacks) the browser before any worker starts, so the log of every run shows
// what it proved and the workers need not race to unpack. There a missing browser is a warning,
// not a stop: a run of unit tests alone needs none, and each e2e file reports the same error.
// Run directly (`node test/e2e/browser-check.ts`, as CI does) it fails instead.
import { describeChromium, findChromium } from './chromium.ts';

export default async function checkBrowser(): Promise<void> {
  try {
    console.log(`Browser for the e2e tests: ${describeChromium(await findChromium())}`);
  } catch (e) {
    console.warn(`Browser for the e2e tests: none usable (${(e as Error).message})`);
  }
}

if (import.meta.main) console.log(describeChromium(await findChromium()));
