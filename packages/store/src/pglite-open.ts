import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';

// The embedded server should stay small: a modest start heap and buffers sized for one user.
const EMBEDDED_CONF = ['shared_buffers = 32MB', 'work_mem = 8MB', 'maintenance_work_mem = 32MB', 'temp_buffers = 8MB', 'wal_buffers = 1MB'];
const INITIAL_MEMORY = 128 * 1024 * 1024;

const INIT_SCRIPT = `
const { PGlite } = await import(process.env.ATTAIN_PGLITE_MODULE);
const db = new PGlite(process.argv[1]);
await db.waitReady;
await db.close();
`;

/**
 * Creating a PGlite cluster runs initdb inside the process and leaves ~400 MB of WebAssembly
 * memory behind, so a fresh data directory is initialised in a short-lived child process and
 * then opened here with a small footprint.
 */
export async function openEmbedded(dataDir: string): Promise<PGlite> {
  if (!existsSync(`${dataDir}/PG_VERSION`)) await initInChild(dataDir);
  const db = new PGlite({ dataDir, initialMemory: INITIAL_MEMORY, postgresqlconf: EMBEDDED_CONF });
  await db.waitReady;
  return db;
}

async function initInChild(dataDir: string): Promise<void> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', INIT_SCRIPT, dataDir], {
    env: { ...process.env, ATTAIN_PGLITE_MODULE: import.meta.resolve('@electric-sql/pglite') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += String(chunk)));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`could not initialise the embedded database in ${dataDir}: ${stderr.trim().slice(-500)}`);
}
