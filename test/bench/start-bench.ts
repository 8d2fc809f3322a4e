import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, round, rssMb, spawnNode, stop, waitFor } from './util.ts';

/**
 * `npm start` on a fresh embedded database: seconds until /healthz answers (the demo tenant is
 * created and seeded before the server listens), and the server's resident memory afterwards.
 */
const SETTLE_MS = 3000;

export async function benchStart(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'attain-start-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', ATTAIN_DATA_DIR: join(dir, 'data'), ATTAIN_ADMIN_PASSWORD: 'bench-password-1', ATTAIN_TOTP_ROLES: '' };
  delete env.DATABASE_URL;
  const t0 = performance.now();
  const child = spawnNode(['packages/cli/src/main.ts', 'start'], env);
  let output = '';
  child.stdout?.on('data', (d) => (output += String(d)));
  child.stderr?.on('data', (d) => (output += String(d)));
  try {
    await waitFor(`http://127.0.0.1:${port}/healthz`, 120_000);
    const firstStartSeconds = (performance.now() - t0) / 1000;
    // Opening PGlite briefly maps several hundred MB that the next GC returns: sample once settled.
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const rssAfterLoad = rssMb(child.pid ?? 0);
    await stop(child);
    // A second start reopens the same data directory: what a restart costs.
    const t1 = performance.now();
    const again = spawnNode(['packages/cli/src/main.ts', 'start'], env);
    await waitFor(`http://127.0.0.1:${port}/healthz`, 120_000);
    const restartSeconds = (performance.now() - t1) / 1000;
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const rssRestart = rssMb(again.pid ?? 0);
    await stop(again);
    return {
      first_start_seconds_to_healthz: round(firstStartSeconds, 1),
      restart_seconds_to_healthz: round(restartSeconds, 1),
      rss_mb_after_demo_loaded: rssAfterLoad,
      rss_mb_after_restart: rssRestart,
      targets: { first_start_seconds_to_healthz: '< 30', rss_mb_after_demo_loaded: '< 400' },
    };
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- server output ---\n${output.slice(-4000)}`);
  } finally {
    await stop(child);
    await rm(dir, { recursive: true, force: true });
  }
}
