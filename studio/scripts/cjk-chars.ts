// The Chinese characters Attain itself shows: every CJK character in the studio's sources and
// catalogs, the shipped metadata (labels, templates, sample data), the server's messages and the
// first-party plugins. The studio's CJK web font is subset to these (cjk-font.ts), and a test
// checks the committed subset still covers them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('../../', import.meta.url).pathname;
const SOURCES = ['studio/src', 'metadata', 'packages', 'plugins'];
const SKIP = new Set(['node_modules', 'dist', 'test', 'generated', 'fonts']);
const TEXT = /\.(ts|tsx|json)$/;
// CJK ideographs (and extension A), compatibility ideographs, CJK punctuation, full-width forms.
const CJK = /[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]/gu;

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (TEXT.test(name)) yield path;
  }
}

/** The characters, sorted, each once. */
export function cjkCharacters(): string[] {
  const found = new Set<string>();
  for (const source of SOURCES) for (const file of files(join(ROOT, source))) for (const c of readFileSync(file, 'utf8').match(CJK) ?? []) found.add(c);
  return [...found].sort();
}
