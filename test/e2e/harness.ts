// Starts a real Attain server (fresh test store, core metadata, an admin and a rep) that also
// serves the built studio, for browser tests. The studio is rebuilt when its sources are newer
// than studio/dist.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { readMetadataDir } from '@attain/meta/node';
import { openTestStore, type Store } from '@attain/store';
import { buildServer, hashPassword, registerStudio } from '@attain/server';
import { backgroundModules, startBackground } from '../../packages/cli/src/background.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const STUDIO = join(ROOT, 'studio');
export const DIST = join(STUDIO, 'dist');
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'e2e');
export const PASSWORD = 'Studio-e2e-pass1';

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((f) => newestMtime(join(path, f))));
}

// Written once a build has finished: index.html is written before the build's last files (the
// service worker, the compressed copies), and a server started from a half-written dist serves
// index.html for the files it lacks (a script "with MIME type text/html" in the browser).
const BUILT = join(DIST, '.e2e-build-complete');

function isFresh(): boolean {
  const sources = Math.max(newestMtime(join(STUDIO, 'src')), newestMtime(join(STUDIO, 'index.html')), newestMtime(join(STUDIO, 'vite.config.ts')), newestMtime(join(STUDIO, 'public')));
  return existsSync(BUILT) && existsSync(join(DIST, 'index.html')) && statSync(BUILT).mtimeMs > sources;
}

// Several e2e files may start at once in different workers; a directory lock lets one of them
// build while the others wait and then find the build fresh. A lock older than 5 minutes is
// left over from a killed run.
const LOCK = join(ROOT, 'test-artifacts', '.studio-build.lock');

export function buildStudioIfStale(): void {
  if (isFresh()) return;
  mkdirSync(dirname(LOCK), { recursive: true });
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 300_000) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() - started > 300_000) throw new Error(`waited too long for ${LOCK}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    // vitest sets NODE_ENV=test, which Vite keeps: React's development build would be bundled.
    if (!isFresh()) {
      rmSync(BUILT, { force: true });
      execFileSync(join(ROOT, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn'], { cwd: STUDIO, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
      writeFileSync(BUILT, new Date().toISOString());
    }
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export interface Harness {
  app: FastifyInstance;
  /** The server's store (e.g. for a receiver the test starts beside the server). */
  store: Store;
  url: string;
  tenant: string;
  admin: { email: string; id: string };
  rep: { email: string; id: string };
  close: () => Promise<void>;
}

/** One API call as a signed-in user, through the app without a socket. */
export async function callApi(h: Harness, token: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) {
  const res = await h.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}` }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  // Tests read whatever JSON the route returns.
  // biome-ignore lint/suspicious/noExplicitAny: response bodies of many shapes, read field by field in assertions
  return { status: res.statusCode, body: res.json() as Record<string, any> };
}

/** A session token for a harness user (every harness user has PASSWORD). */
export async function signIn(h: Harness, email: string): Promise<string> {
  const res = await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: h.tenant, email, password: PASSWORD } });
  return (res.json() as { token: string }).token;
}

/**
 * `background`: also run the background modules the CLI runs (record events → attainment, incentives, …).
 * `sso`: single sign-on options; by default no role must use a second factor (the sso tests set their own).
 */
export async function startHarness(opts: { background?: boolean; sso?: Parameters<typeof buildServer>[0]['sso'] } = {}): Promise<Harness> {
  buildStudioIfStale();
  const store = await openTestStore();
  const tenant = `e2e${process.pid}${Date.now().toString(36)}`;
  await store.tenants.create(tenant);
  const actor = { actor: { userId: null, label: 'e2e' } };
  await store.metadata.apply(tenant, await readMetadataDir(join(ROOT, 'metadata', 'core')), actor);
  const records = await store.records(tenant);
  const sys = { userId: null, label: 'e2e' };
  const hq = await records.create('org_unit', { name: 'Headquarters', code: 'HQ' }, sys);
  await records.create('org_unit', { name: 'East region', code: 'EAST', parent_id: hq.id }, sys);
  const hash = await hashPassword(PASSWORD, { N: 1024 });
  const mkUser = async (name: string, role: string) => {
    const email = `${role}@${tenant}.test`;
    const user = await records.create('user', { name, email, role, org_unit_id: hq.id, active: true }, sys);
    await store.auth.upsertCredential({ tenant, userId: user.id, email, passwordHash: hash, active: true });
    return { email, id: user.id as string };
  };
  const admin = await mkUser('Ada Admin', 'admin');
  const rep = await mkUser('Ray Rep', 'rep');

  const app = await buildServer({ store, jwtSecret: 'e'.repeat(48), loginRateLimit: { max: 1000, timeWindow: '1 minute' }, logger: false, sso: opts.sso ?? { defaultTotpRoles: [] } });
  await registerStudio(app, DIST);
  // The server logs nothing in these tests: a 5xx's cause goes to a file a failed run can show.
  app.addHook('onError', async (request, _reply, error) => {
    const status = (error as { status?: number }).status ?? (error as { statusCode?: number }).statusCode ?? 500;
    if (status < 500) return;
    mkdirSync(ARTIFACTS, { recursive: true });
    appendFileSync(
      join(ARTIFACTS, 'server-errors.log'),
      `${new Date().toISOString()} ${request.method} ${request.url}\n${error.stack ?? String(error)}\n${JSON.stringify((error as { cause?: unknown }).cause ?? null)}\n\n`,
    );
  });
  const runner = opts.background ? startBackground(store, backgroundModules(store)) : undefined;
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    store,
    url: `http://127.0.0.1:${port}`,
    tenant,
    admin,
    rep,
    close: async () => {
      await runner?.stop();
      await app.close();
      await store.close();
    },
  };
}
