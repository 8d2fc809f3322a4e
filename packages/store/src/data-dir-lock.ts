// One process at a time opens an embedded data directory. PGlite has no postmaster to refuse a
// second opener: two processes writing one directory corrupt it ("PGlite failed to initialize
// properly" on the next start) and each sees revisions the other never wrote. So whoever opens
// it first creates `<dir>.lock` exclusively (O_EXCL) with its pid; anyone else is refused, naming
// the directory and the holder, before touching the directory. A lock whose process is gone (a
// crash, kill -9) is stale and taken over. Liveness is checked by pid on this machine (the host
// name is recorded for people; containers change it on every start).
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';

export class DataDirLockedError extends Error {
  readonly dataDir: string;
  readonly pid: number;
  readonly lockFile: string;
  constructor(dataDir: string, pid: number, lockFile: string) {
    super(
      `the data directory ${dataDir} is in use by another Attain process (pid ${pid}); stop that process first, or use DATABASE_URL to share a PostgreSQL database. ` +
        `If no such process is running, remove ${lockFile}.`,
    );
    this.name = 'DataDirLockedError';
    this.dataDir = dataDir;
    this.pid = pid;
    this.lockFile = lockFile;
  }
}

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

interface Holder {
  pid: number;
  host?: string;
}

/** Lock files this process holds, removed on exit even when close() was never called. */
const held = new Set<string>();
let exitHook = false;

function readHolder(file: string): Holder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Holder>;
    return typeof parsed.pid === 'number' && Number.isSafeInteger(parsed.pid) && parsed.pid > 0 ? { pid: parsed.pid, ...(typeof parsed.host === 'string' ? { host: parsed.host } : {}) } : undefined;
  } catch {
    return undefined;
  }
}

function alive(holder: Holder, file: string): boolean {
  // Our own pid on a lock we do not hold is an earlier process that had the same pid (a
  // restarted container is pid 1 again): it is gone.
  if (holder.pid === process.pid) return held.has(file);
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryCreate(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
  } finally {
    closeSync(fd);
  }
  return true;
}

function removeIfOurs(file: string): void {
  if (readHolder(file)?.pid !== process.pid) return;
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/** Takes the exclusive lock of an embedded data directory, or throws DataDirLockedError. */
export function lockDataDir(dataDir: string): DataDirLock {
  const dir = resolve(dataDir);
  const file = `${dir}.lock`;
  if (held.has(file)) throw new DataDirLockedError(dir, process.pid, file);
  mkdirSync(dirname(file), { recursive: true });
  if (!tryCreate(file)) {
    const holder = readHolder(file);
    // An unreadable lock is being written right now (or is damaged): treat it as held.
    if (!holder || alive(holder, file)) throw new DataDirLockedError(dir, holder?.pid ?? 0, file);
    try {
      unlinkSync(file);
    } catch {
      // someone else removed the stale lock first; the create below decides who wins
    }
    if (!tryCreate(file)) throw new DataDirLockedError(dir, readHolder(file)?.pid ?? 0, file);
  }
  held.add(file);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const f of held) removeIfOurs(f);
    });
  }
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      held.delete(file);
      removeIfOurs(file);
    },
  };
}
