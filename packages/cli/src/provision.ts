// Runs in a short-lived child process for the embedded database: initialising PGlite and loading
// the demo tenant grow its WebAssembly memory, which never shrinks, so the server process opens
// the prepared data directory afterwards and stays small. Prints one JSON line with the report.
import { createDatabase, createStore, DataDirLockedError, type Database } from '@attain/store';
import { readConfig, storeOptions } from './config.ts';
import { ensureDemoTenant } from './demo-tenant.ts';

const config = readConfig();
const password = process.env.ATTAIN_PROVISION_PASSWORD ?? '';
let db: Database;
try {
  db = await createDatabase({ dataDir: config.dataDir });
} catch (error) {
  // Another process has the directory: say so plainly (the parent reports the exit code).
  if (!(error instanceof DataDirLockedError)) throw error;
  process.stderr.write(`attain start: ${error.message}\n`);
  process.exit(1);
}
const store = await createStore(db, storeOptions(config));
try {
  const report = await ensureDemoTenant(store, config, password, process.env.ATTAIN_PROVISION_SEED !== 'false');
  process.stdout.write(`${JSON.stringify(report)}\n`);
} finally {
  await store.close();
}
