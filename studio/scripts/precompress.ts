// Writes `<file>.br` and `<file>.gz` beside every text file of the build, once, at build time, so
// the server sends them as they are (@fastify/static `preCompressed`) instead of compressing each
// response. A compressed copy that is not smaller than the file is not written.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const TEXT = /\.(js|mjs|css|html|svg|json|txt|map|woff)$/;

export function precompressDir(dir: string): { files: number; bytes: number; brotli: number } {
  let files = 0;
  let bytes = 0;
  let brotli = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !TEXT.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    const content = readFileSync(path);
    const br = brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: content.length } });
    const gz = gzipSync(content, { level: 9 });
    if (br.length < content.length) writeFileSync(`${path}.br`, br);
    if (gz.length < content.length) writeFileSync(`${path}.gz`, gz);
    files += 1;
    bytes += content.length;
    brotli += Math.min(br.length, content.length);
  }
  return { files, bytes, brotli };
}

/** The Vite plugin: runs after the bundle is written. */
export function precompress(outDir = 'dist') {
  return {
    name: 'attain-precompress',
    apply: 'build' as const,
    closeBundle() {
      precompressDir(outDir);
    },
  };
}
