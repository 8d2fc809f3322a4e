/**
 * Bulk float64 payloads through files in /dev/shm (tmpfs) instead of pipe chunks: one write per
 * column on one side, one read per column on the other, straight into an ArrayBuffer that the worker then
 * transfers into the isolate. The host owns every file: it names them, and removes them when the
 * call settles (success, failure or worker crash); the directory goes when the pool closes.
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = '/dev/shm';
const PREFIX = 'attain-sandbox-';

/** A private (0700) directory of per-call files, created on first use. */
export class ShmDir {
  #dir: string | null = null;
  #failed = false;
  readonly #root: string;

  constructor(root: string = ROOT) {
    this.#root = root;
  }

  /** The directory, or null when tmpfs is not usable here (callers fall back to the pipe). */
  get dir(): string | null {
    if (this.#dir !== null || this.#failed) return this.#dir;
    try {
      removeStale(this.#root);
      this.#dir = fs.mkdtempSync(path.join(this.#root, `${PREFIX}${process.pid}-`));
      fs.chmodSync(this.#dir, 0o700);
    } catch {
      this.#failed = true;
    }
    return this.#dir;
  }

  /** Writes the payloads back to back into a new file; returns the path, or null on failure. */
  write(name: string, bins: readonly Float64Array[]): string | null {
    const dir = this.dir;
    if (dir === null) return null;
    const file = path.join(dir, name);
    let fd: number | null = null;
    try {
      fd = fs.openSync(file, 'wx', 0o600);
      let position = 0;
      for (const b of bins) {
        const view = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
        let at = 0;
        while (at < view.byteLength) at += fs.writeSync(fd, view, at, view.byteLength - at, position + at);
        position += view.byteLength;
      }
      return file;
    } catch {
      remove(file);
      return null;
    } finally {
      if (fd !== null) fs.closeSync(fd);
    }
  }

  /** Path for a file the worker will create (e.g. a result). */
  path(name: string): string | null {
    const dir = this.dir;
    return dir === null ? null : path.join(dir, name);
  }

  dispose(): void {
    if (this.#dir !== null) fs.rmSync(this.#dir, { recursive: true, force: true });
    this.#dir = null;
  }
}

/** Removes a file, ignoring a missing one. */
export function remove(file: string | null | undefined): void {
  if (!file) return;
  try {
    fs.unlinkSync(file);
  } catch {
    // already gone (the worker removes inputs early) or never created
  }
}

/** Reads consecutive float64 payloads of the given byte sizes, each into its own ArrayBuffer. */
export function readBins(file: string, sizes: readonly number[]): Float64Array[] {
  const fd = fs.openSync(file, 'r');
  try {
    const out: Float64Array[] = [];
    let position = 0;
    for (const bytes of sizes) {
      if (!Number.isInteger(bytes) || bytes < 0 || bytes % 8 !== 0) throw new Error('shm: bad payload size');
      const bin = new Float64Array(bytes / 8);
      let at = 0;
      while (at < bytes) {
        const n = fs.readSync(fd, bin, at, bytes - at, position + at);
        if (n === 0) throw new Error('shm: file is shorter than announced');
        at += n;
      }
      position += bytes;
      out.push(bin);
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes one payload to a new file (the worker side of a result). */
export function writeBin(file: string, bin: Float64Array): void {
  const fd = fs.openSync(file, 'wx', 0o600);
  try {
    const view = new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength);
    let at = 0;
    while (at < view.byteLength) at += fs.writeSync(fd, view, at, view.byteLength - at, at);
  } finally {
    fs.closeSync(fd);
  }
}

/** Directories left by pool processes that died without closing (pid no longer alive). */
function removeStale(root: string): void {
  for (const name of fs.readdirSync(root)) {
    if (!name.startsWith(PREFIX)) continue;
    const pid = Number(name.slice(PREFIX.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || alive(pid)) continue;
    fs.rmSync(path.join(root, name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
