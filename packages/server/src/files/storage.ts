// Where attachment bytes live. The files module names every object by a key it makes itself
// (`<tenant id>/<file id>` and `<tenant id>/<file id>.thumb`), so a store never sees a client's file name or path.
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import type { FileScanner } from './scanner.ts';

export interface FileStore {
  /** Human name for logs and the health of the store (`disk`, `s3`). */
  readonly kind: string;
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  /** The bytes, or undefined when nothing is stored under the key. */
  get(key: string): Promise<Buffer | undefined>;
  /** Removes the object; removing a missing one is no error. */
  delete(key: string): Promise<void>;
}

/** How the server stores and checks attachments (`ServerOptions.files`). */
export interface FilesOptions {
  /** Where the bytes go; a disk store in a fresh temporary folder when omitted (tests, embedding). */
  store?: FileStore;
  /** Called with every upload's bytes before it is stored; a refusal is a 422. None by default. */
  scanner?: FileScanner;
  /** Largest upload in bytes (default 10 MiB). */
  maxBytes?: number;
  /** Media types accepted, as detected from the bytes (default: common images, PDF, text). */
  allowedTypes?: readonly string[];
}

export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
export const DEFAULT_ALLOWED_TYPES: readonly string[] = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/heic', 'image/avif', 'application/pdf', 'text/plain'];

const KEY = /^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9.-]*)*$/;

/** Keys are ours, but a store checks them anyway: no `..`, no absolute paths, no odd characters. */
export function assertKey(key: string): void {
  if (!KEY.test(key) || key.includes('..') || key.length > 300) throw new Error(`bad file store key "${key.slice(0, 80)}"`);
}

/** Files on the local disk under `root` (the CLI's is `<data dir>/../files`, beside the database). */
export class DiskFileStore implements FileStore {
  readonly kind = 'disk';
  private readonly root: string | undefined;
  private temporary: Promise<string> | undefined;

  /** `root` omitted: a fresh temporary folder, made on first use. */
  constructor(root?: string) {
    this.root = root ? resolve(root) : undefined;
  }

  private async base(): Promise<string> {
    if (this.root) return this.root;
    this.temporary ??= mkdtemp(join(tmpdir(), 'attain-files-'));
    return this.temporary;
  }

  private async path(key: string): Promise<string> {
    assertKey(key);
    const base = await this.base();
    const full = resolve(base, ...key.split('/'));
    if (!full.startsWith(base + sep)) throw new Error('file store key escapes the root');
    return full;
  }

  // The type is the row's business on disk; S3 keeps it as the object's Content-Type.
  async put(key: string, bytes: Buffer, _contentType?: string): Promise<void> {
    const file = await this.path(key);
    await mkdir(dirname(file), { recursive: true });
    // Written beside and renamed: a reader never sees half a file.
    const partial = `${file}.${process.pid}.${Date.now()}.partial`;
    await writeFile(partial, bytes);
    await rename(partial, file);
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(await this.path(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(await this.path(key), { force: true });
  }
}
