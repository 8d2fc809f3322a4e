// The server's attachment services, resolved once from `ServerOptions.files` and reached by the
// files module's routes through the fastify instance.
import { DEFAULT_ALLOWED_TYPES, DEFAULT_MAX_BYTES, DiskFileStore, type FileStore, type FilesOptions } from './storage.ts';
import type { FileScanner } from './scanner.ts';

export { DiskFileStore, type FileStore, type FilesOptions } from './storage.ts';
export { S3FileStore, s3ConfigFromEnv, type S3FileStoreConfig } from './s3-storage.ts';
export type { FileScanner, ScanVerdict } from './scanner.ts';

export interface FilesRuntime {
  store: FileStore;
  scanner: FileScanner | undefined;
  maxBytes: number;
  allowedTypes: ReadonlySet<string>;
}

export function filesRuntime(options: FilesOptions = {}): FilesRuntime {
  return {
    store: options.store ?? new DiskFileStore(),
    scanner: options.scanner,
    maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
    allowedTypes: new Set(options.allowedTypes ?? DEFAULT_ALLOWED_TYPES),
  };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A module route under `/objects/:object/...`: the OpenAPI document writes it out per object (openapi/route-paths.ts). */
    perObject?: boolean;
  }
  interface FastifyInstance {
    /** Where attachments are stored and how uploads are checked (see ServerOptions.files). */
    files: FilesRuntime;
  }
}
