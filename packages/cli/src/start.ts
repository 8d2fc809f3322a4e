import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import {
  buildServer,
  DiskFileStore,
  startMailReceiver,
  type MailReceiver,
  Lifecycle,
  parseListenAddress,
  registerStudio,
  S3FileStore,
  s3ConfigFromEnv,
  serveMetrics,
  type FileStore,
} from '@attain/server';
import { createDatabase, createStore, type Store } from '@attain/store';
import { pluginsFor } from '@attain/plugins';
import { configEnv, generatePassword, pluginKeyOptions, resolveJwtSecret, storeOptions, type AttainConfig } from './config.ts';
import { checkAdminPassword, ensureDemoTenant, DEMO_TENANT, type DemoReport } from './demo-tenant.ts';
import { spawn } from 'node:child_process';
import { backgroundModules, startBackground } from './background.ts';

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
  /** Stops at once: background work (job in hand finished, rest released), server, database. */
  close(): Promise<void>;
  /**
   * Graceful stop (SIGTERM): /readyz answers 503 at once; after `shutdownDelayMs` the server stops
   * accepting and drains in-flight requests while the job runner stops claiming, finishes the job
   * in hand and releases the rest of its batch; then the database closes.
   */
  shutdown(): Promise<void>;
}

/** Everything `npm start` does: migrate, create the demo tenant once, serve API and studio. */
export async function startAttain(opts: StartOptions): Promise<RunningAttain> {
  const { config } = opts;
  const log = opts.log ?? (() => {});
  const started = Date.now();
  checkAdminPassword(config);
  const metricsAt = config.metricsAddr ? parseListenAddress(config.metricsAddr) : undefined;
  const password = config.adminPassword ?? generatePassword();
  const seed = opts.seed ?? true;
  let demo: DemoReport | undefined;
  if (!config.databaseUrl) demo = await provisionInChild(config, password, seed);
  const db = await createDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const store = await createStore(db, storeOptions(config));
  if (!demo) demo = await ensureDemoTenant(store, config, password, seed);
  if (demo.created) log(`Created the demo tenant from metadata/templates/demo: ${demo.records} sample records, metadata revision ${demo.revision}, in ${demo.seconds.toFixed(1)} s.`);
  const shownPassword = demo.created || config.adminPassword ? password : undefined;

  const jwtSecret = await resolveJwtSecret(config);
  // Before anything runs a plugin: the key of secret settings (a malformed ATTAIN_SECRETS_KEY stops the start here).
  pluginsFor(store, pluginKeyOptions(config, jwtSecret)).secretKeys();
  const files = fileStore(config);
  const runner = startBackground(store, backgroundModules(store), { leaseMs: config.jobLeaseMs });
  const lifecycle = new Lifecycle();
  const app = await buildServer({
    store,
    lifecycle,
    jwtSecret,
    logger: opts.logger ?? true,
    listCache: { maxBytes: Math.round(config.listCacheMb * 1024 * 1024) },
    files: { store: files },
    ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
    ...(config.trustProxy !== undefined ? { trustProxy: config.trustProxy } : {}),
    sso: { ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}), ...(config.totpRoles ? { defaultTotpRoles: config.totpRoles } : {}) },
  });
  if (existsSync(`${STUDIO_DIR}/index.html`)) await registerStudio(app, STUDIO_DIR);
  else log('The studio is not built (run `npm run build -w @attain/studio`); serving the API only.');

  let url = '';
  let metrics: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  let mail: MailReceiver | undefined;
  if (opts.listen !== false) {
    if (metricsAt) {
      metrics = await serveMetrics(app.metricsRegistry, metricsAt);
      log(`Metrics (Prometheus) at http://${metricsAt.host.includes(':') ? `[${metricsAt.host}]` : metricsAt.host}:${metrics.port}/metrics`);
    }
    await app.listen({ port: config.port, host: config.host });
    if (config.mail) {
      mail = await startMailReceiver({
        store,
        ...config.mail,
        onError: (error) => app.log.error({ err: error }, 'inbound mail'),
        onFiled: (tenant, outcome) => app.log.info({ tenant, outcome: outcome.status }, 'inbound mail filed'),
      });
      log(`Inbound mail (activity log) on port ${mail.port}: log+<tenant>@${config.mail.domain}`);
    }
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    url = `http://localhost:${port}`;
    log(`Attain is running at ${url}  (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    log(`  database: ${db.dialect === 'pglite' ? `embedded PGlite at ${config.dataDir}` : 'PostgreSQL (DATABASE_URL)'}`);
    log(`  files:    ${files.kind === 's3' ? `S3 bucket ${process.env.ATTAIN_FILES_S3_BUCKET}` : `on disk at ${diskFilesDir(config)}`}`);
    log(`  tenant:   ${DEMO_TENANT}`);
    log(`  admin:    ${config.adminEmail} / ${shownPassword ?? '(the password printed on first start; set ATTAIN_ADMIN_PASSWORD to reset it)'}`);
    for (const login of demo.logins.filter((l) => l.role !== 'admin')) log(`  ${login.role.padEnd(8)}  ${login.email} / ${shownPassword ?? ''}`);
    log(`  API:      ${url}/api/v1   GraphQL: ${url}/graphql   OpenAPI: ${url}/api/v1/openapi.json`);
  }
  let stopping: Promise<void> | undefined;
  const stop = (delayMs: number): Promise<void> =>
    (stopping ??= (async () => {
      lifecycle.beginDrain();
      await mail?.close();
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      // fastify's close stops accepting, answers 503 on kept-alive connections and waits for in-flight requests.
      await Promise.all([runner.stop().then(() => log('Background jobs stopped (the job in hand finished, the rest released).')), app.close().then(() => log('In-flight requests drained.'))]);
      await metrics?.close();
      await store.close();
    })());
  return {
    app,
    store,
    url,
    close: () => stop(0),
    shutdown: () => stop(config.shutdownDelayMs),
  };
}

/** Attachments beside the embedded database (`.attain/files` by default), not inside PostgreSQL's own folder. */
function diskFilesDir(config: AttainConfig): string {
  return join(dirname(config.dataDir), 'files');
}

/** An S3-compatible store when `ATTAIN_FILES_S3_BUCKET` is set (see the README), else the local disk. */
function fileStore(config: AttainConfig): FileStore {
  const s3 = s3ConfigFromEnv(process.env);
  return s3 ? new S3FileStore(s3) : new DiskFileStore(diskFilesDir(config));
}

function provisionInChild(config: AttainConfig, password: string, seed: boolean): Promise<DemoReport> {
  const script = fileURLToPath(new URL('./provision.ts', import.meta.url));
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...configEnv(config), ATTAIN_PROVISION_PASSWORD: password, ATTAIN_PROVISION_SEED: String(seed) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk) => (out += String(chunk)));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as DemoReport);
      else reject(new Error(`preparing the embedded database failed (exit ${code})`));
    });
  });
}
