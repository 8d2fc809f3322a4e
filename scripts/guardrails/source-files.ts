import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const SOURCE = /\.(?:ts|tsx|mts|cts|js|mjs|cjs)$/;
/** Installed, built or produced by runs: not the project's source. */
const SKIP = new Set(['node_modules', 'dist', 'coverage', 'test-artifacts', 'bench-results']);

/** The project's source files under `root`, as '/'-separated paths relative to it, sorted. */
export function sourceFiles(root: string, dir = ''): string[] {
  const files: string[] = [];
  const entries = readdirSync(join(root, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.') || SKIP.has(entry.name)) continue;
    const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) files.push(...sourceFiles(root, path));
    else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}
