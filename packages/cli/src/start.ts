import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { buildServer, hashPassword } from '@attain/server';
import { createDatabase, createStore, type Store } from '@attain/store';
import { generatePassword, resolveJwtSecret, type AttainConfig } from './config.ts';
import { installTemplate } from './template.ts';

export const DEMO_TENANT = 'demo';
const TEMPLATE_DIR = fileURLToPath(new URL('../../../metadata/templates/demo', import.meta.url));
const STUDIO_DIR = fileURLToPath(new URL('../../../studio/dist', import.meta.url));

export interface StartOptions {
  config: AttainConfig;
  log?: (line: string) => void;
  /** Seed the demo tenant's sample data on first start (default true). */
  seed?: boolean;
  /** Pass false to get the app without listening (tests use inject). */
  listen?: boolean;
  logger?: boolean;
}

export interface RunningAttain {
  app: FastifyInstance;
  store: Store;
  url: string;
  close(): Promise<void>;
}

/** Everything `npm start` does: migrate, create the demo tenant once, serve API and studio. */
export async function startAttain(opts: StartOptions): Promise<RunningAttain> {
  const { config } = opts;
  const log = opts.log ?? (() => {});
  const started = Date.now();
  const db = await createDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const store = await createStore(db);
  const demo = await ensureDemoTenant(store, config, opts.seed ?? true, log);

  const app = await buildServer({ store, jwtSecret: await resolveJwtSecret(config), logger: opts.logger ?? true });
  if (existsSync(`${STUDIO_DIR}/index.html`)) await serveStudio(app);
  else log('The studio is not built (run `npm run build -w @attain/studio`); serving the API only.');

  let url = '';
  if (opts.listen !== false) {
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    url = `http://localhost:${port}`;
    log(`Attain is running at ${url}  (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    log(`  database: ${db.dialect === 'pglite' ? `embedded PGlite at ${config.dataDir}` : 'PostgreSQL (DATABASE_URL)'}`);
    log(`  tenant:   ${DEMO_TENANT}`);
    log(`  admin:    ${config.adminEmail} / ${demo.password ?? '(the password set on first start, or ATTAIN_ADMIN_PASSWORD)'}`);
    for (const login of demo.otherLogins) log(`  ${login.role.padEnd(8)}  ${login.email} / ${demo.password ?? '(same as the admin)'}`);
    log(`  API:      ${url}/api/v1   GraphQL: ${url}/graphql   OpenAPI: ${url}/api/v1/openapi.json`);
  }
  return {
    app,
    store,
    url,
    async close() {
      await app.close();
      await store.close();
    },
  };
}

interface DemoLogins {
  password: string | undefined;
  otherLogins: Array<{ email: string; role: string }>;
}

async function ensureDemoTenant(store: Store, config: AttainConfig, seed: boolean, log: (line: string) => void): Promise<DemoLogins> {
  const existing = await store.tenants.get(DEMO_TENANT);
  if (existing) {
    if (config.adminPassword) {
      const credential = await store.auth.credentials.findCredential(DEMO_TENANT, config.adminEmail);
      if (credential) {
        await store.auth.credentials.upsertCredential({ ...credential, passwordHash: await hashPassword(config.adminPassword) });
      }
    }
    return { password: config.adminPassword, otherLogins: [] };
  }
  const password = config.adminPassword ?? generatePassword();
  log('First start: creating the demo tenant from metadata/templates/demo …');
  const t0 = Date.now();
  await store.tenants.create(DEMO_TENANT, { label: 'Demo' });
  const passwordHash = await hashPassword(password);
  const report = await installTemplate(store, DEMO_TENANT, TEMPLATE_DIR, {
    admin: { email: config.adminEmail, passwordHash },
    sampleLoginHash: passwordHash,
    seed,
  });
  const total = Object.values(report.records).reduce((a, b) => a + b, 0);
  log(`  loaded ${total} sample records at metadata revision ${report.revision} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { password, otherLogins: report.logins.filter((l) => l.role !== 'admin') };
}

/** The studio is a single-page app: unknown non-API paths get its index.html. */
async function serveStudio(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, { root: STUDIO_DIR, prefix: '/', wildcard: false, index: ['index.html'] });
}
