// Prints the gzipped size of the JavaScript the first screen loads: the entry module script of
// dist/index.html plus every <link rel="modulepreload"> (Vite lists the entry's static imports
// there). Usage: node studio/scripts/size.ts [distDir]  ->  JSON on stdout; exit 1 over budget.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Issue #16: the first screen after sign-in within 150 kB of JS+CSS compressed; `npm run bench studio`
// measures that path in a browser, this the static entry (before sign-in) at build time.
export const FIRST_SCREEN_BUDGET = 150 * 1024;

export interface SizeReport {
  files: Array<{ file: string; bytes: number; gzip: number }>;
  totalGzip: number;
  budget: number;
  ok: boolean;
}

export function firstScreenSize(distDir: string): SizeReport {
  const html = readFileSync(join(distDir, 'index.html'), 'utf8');
  const urls = new Set<string>();
  for (const m of html.matchAll(/<script\b[^>]*type=["']module["'][^>]*\bsrc=["']([^"']+)["']/g)) urls.add(m[1]!);
  for (const m of html.matchAll(/<link\b[^>]*rel=["']modulepreload["'][^>]*\bhref=["']([^"']+)["']/g)) urls.add(m[1]!);
  const files = [...urls].map((url) => {
    const file = url.replace(/^\//, '');
    const content = readFileSync(join(distDir, file));
    return { file, bytes: content.length, gzip: gzipSync(content, { level: 9 }).length };
  });
  const totalGzip = files.reduce((n, f) => n + f.gzip, 0);
  return { files, totalGzip, budget: FIRST_SCREEN_BUDGET, ok: totalGzip <= FIRST_SCREEN_BUDGET };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dist = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'dist'));
  const report = firstScreenSize(dist);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (!report.ok) process.exitCode = 1;
}
