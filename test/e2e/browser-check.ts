// vitest globalSetup: before any worker starts, find (and if need be unpack) the Chromium the
// browser tests will use and say which one, so a run's log shows what it proved. Unpacking here
// also spares the workers from racing to do it. A missing browser is a warning, not a stop:
// a run of unit tests alone does not need one, and each e2e file reports the same error.
import { describeChromium, findChromium } from './chromium.ts';

export default async function checkBrowser(): Promise<void> {
  try {
    console.log(`Browser for the e2e tests: ${describeChromium(await findChromium())}`);
  } catch (e) {
    console.warn(`Browser for the e2e tests: none usable (${(e as Error).message})`);
  }
}
