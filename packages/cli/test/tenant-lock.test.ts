// Real processes on one embedded data directory:
// - issue #12 point 9: a second process that opens a data directory the first holds is refused
//   with a message naming the directory and the holding pid, exits non-zero and leaves the
//   directory untouched; a lock left by a killed process is stale and taken over;
// - issue #11 item 11: `attain tenant create NAME --admin-email E` makes a tenant its admin can
//   log in to (generated one-time password, or ATTAIN_ADMIN_PASSWORD).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildServer } from '@attain/server';
import { createDatabase, createStore, DataDirLockedError, lockDataDir } from '@attain/store';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
let dir: string;
let dataDir: string;
let env: NodeJS.ProcessEnv;
const children: ChildProcess[] = [];

// The embedded database only: PostgreSQL has its own server to arbitrate.
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, ATTAIN_DATA_DIR: dataDir, ...extra };
  delete e.DATABASE_URL;
  delete e.ATTAIN_ADMIN_PASSWORD;
  delete e.VITEST;
  return { ...e, ...extra };
}

function cli(args: string[], extra: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, env: childEnv(extra), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += String(c)));
  child.stderr.on('data', (c) => (stderr += String(c)));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const HOLDER = `
const { createDatabase } = await import('@attain/store');
const db = await createDatabase({ dataDir: process.argv[1] });
process.stdout.write('ready\\n');
process.stdin.resume();
process.stdin.on('end', async () => { await db.close(); process.exit(0); });
`;

/** A process holding the data directory open, like a running server. */
async function holder(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', HOLDER, dataDir], { cwd: ROOT, env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr?.on('data', (c) => (err += String(c)));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (c) => String(c).includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`the holder exited (${code}): ${err}`)));
  });
  return child;
}

/** Every file under the directory with its size and modification time. */
async function fingerprint(path: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    const s = await stat(file);
    out.push(`${file} ${s.size} ${s.mtimeMs}`);
  }
  return out.sort();
}

/** Opens the data directory in this process and logs in over HTTP with each (tenant, email, password). */
async function loginStatuses(logins: Array<[string, string, string]>): Promise<number[]> {
  const db = await createDatabase({ dataDir });
  const store = await createStore(db);
  const app = await buildServer({ store, jwtSecret: 'j'.repeat(40), logger: false });
  try {
    const out: number[] = [];
    for (const [tenant, email, password] of logins) out.push((await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant, email, password } })).statusCode);
    out.push((await store.tenants.list()).length);
    return out;
  } finally {
    await app.close();
    await store.close();
  }
}

// Each step starts a process that opens PGlite: slow on a shared machine, never timed.
const SLOW = 300_000;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attain-lock-'));
  dataDir = join(dir, 'data');
  env = childEnv();
  expect(env.DATABASE_URL).toBeUndefined();
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('attain tenant create', () => {
  it(
    'creates a tenant with the core metadata and a first admin whose printed one-time password logs in',
    async () => {
      const res = await cli(['tenant', 'create', 'acme', '--admin-email', 'Boss@Acme.example.com', '--admin-name', 'The Boss']);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toMatch(/Created tenant "acme" \(schema tenant_acme\) with the core metadata \(revision 1\)/);
      expect(res.stdout).toContain('First admin: boss@acme.example.com (role admin)');
      const password = /Password: (\S+) {2}\(shown once/.exec(res.stdout)?.[1] ?? '';
      expect(password.length).toBeGreaterThanOrEqual(16);

      const withEnv = await cli(['tenant', 'create', 'beta', '--admin-email', 'root@beta.example.com'], { ATTAIN_ADMIN_PASSWORD: 'beta-password-123' });
      expect(withEnv.code, withEnv.stderr).toBe(0);
      expect(withEnv.stdout).toContain('Password: the one in ATTAIN_ADMIN_PASSWORD.');
      expect(withEnv.stdout).not.toContain('beta-password-123');

      expect(
        await loginStatuses([
          ['acme', 'boss@acme.example.com', password],
          ['beta', 'root@beta.example.com', 'beta-password-123'],
          ['acme', 'boss@acme.example.com', 'wrong-password'],
        ]),
      ).toEqual([200, 200, 401, 2]);
    },
    SLOW,
  );

  it(
    'refuses a bad name, a missing or bad admin email, a weak ATTAIN_ADMIN_PASSWORD or a taken name (exit 2, nothing created)',
    async () => {
      for (const [args, extra, expected] of [
        [['tenant', 'create', 'Bad Name', '--admin-email', 'a@b.example'], {}, /name: .*\[api_name\]/],
        [['tenant', 'create', 'gamma'], {}, /--admin-email: .*\[required\]/],
        [['tenant', 'create', 'gamma', '--admin-email', 'nope'], {}, /--admin-email: .*\[format\]/],
        [['tenant', 'create', 'gamma', '--admin-email', 'a@b.example'], { ATTAIN_ADMIN_PASSWORD: 'short' }, /ATTAIN_ADMIN_PASSWORD: .*\[minLength\]/],
        [['tenant', 'create', 'acme', '--admin-email', 'a@b.example'], {}, /already exists/],
      ] as Array<[string[], Record<string, string>, RegExp]>) {
        const res = await cli(args, extra);
        expect(res.code, args.join(' ')).toBe(2);
        expect(res.stdout).toMatch(expected);
      }
      // Only the taken name opened the directory; nothing new is in it.
      expect(await loginStatuses([])).toEqual([2]);
    },
    SLOW,
  );
});

describe('one process at a time on an embedded data directory', () => {
  it(
    'refuses a second process with the directory and the holder’s pid, and leaves the directory untouched',
    async () => {
      const first = await holder();
      const before = await fingerprint(dataDir);
      for (const args of [
        ['tenant', 'create', 'delta', '--admin-email', 'a@delta.example.com'],
        ['metadata', 'export', join(dir, 'out'), '--tenant', 'acme'],
      ]) {
        const res = await cli(args);
        expect(res.code).not.toBe(0);
        expect(res.stderr).toContain(dataDir);
        expect(res.stderr).toContain(`pid ${first.pid}`);
        expect(res.stdout).not.toMatch(/Created|Wrote/);
      }
      expect(await fingerprint(dataDir)).toEqual(before);
      expect(existsSync(join(dir, 'out'))).toBe(false);

      // Killed without a chance to clean up: the lock is stale and the next process takes over.
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));
      expect(existsSync(`${dataDir}.lock`)).toBe(true);
      const res = await cli(['tenant', 'create', 'delta', '--admin-email', 'a@delta.example.com'], { ATTAIN_ADMIN_PASSWORD: 'delta-password-1' });
      expect(res.code, res.stderr).toBe(0);
      expect(existsSync(`${dataDir}.lock`)).toBe(false);
      expect(await loginStatuses([['delta', 'a@delta.example.com', 'delta-password-1']])).toEqual([200, 3]);
    },
    SLOW,
  );

  it('refuses a second open within one process too, and a released lock can be taken again', () => {
    const other = join(dir, 'other');
    const lock = lockDataDir(other);
    expect(() => lockDataDir(other)).toThrow(DataDirLockedError);
    expect(() => lockDataDir(other)).toThrow(`pid ${process.pid}`);
    lock.release();
    lockDataDir(other).release();
    expect(existsSync(`${other}.lock`)).toBe(false);
    // A lock naming this pid that this process does not hold was left by an earlier process with
    // the same pid (a restarted container): stale. A lock that cannot be read is respected.
    writeFileSync(`${other}.lock`, JSON.stringify({ pid: process.pid }));
    lockDataDir(other).release();
    writeFileSync(`${other}.lock`, '{"pi');
    expect(() => lockDataDir(other)).toThrow(DataDirLockedError);
  });
});
