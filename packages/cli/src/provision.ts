// Runs in a short-lived child process for the embedded database: initialising PGlite and loading
// the demo tenant grow its WebAssembly memory, which never shrinks, so the server process opens
// the prepared data directory afterwards and stays small. Prints one JSON line with the report.
import { createDatabase, createStore } from '@attain/store';
import { readConfig, storeOptions } from './config.ts';
import { ensureDemoTenant } from './demo-tenant.ts';

const config = readConfig();
const password = process.env.ATTAIN_PROVISION_PASSWORD ?? '';
const db = await createDatabase({ dataDir: config.dataDir });
const store = await createStore(db, storeOptions(config));
try {
  const report = await ensureDemoTenant(store, config, password, process.env.ATTAIN_PROVISION_SEED !== 'false');
  process.stdout.write(`${JSON.stringify(report)}\n`);
} finally {
  await store.close();
}
