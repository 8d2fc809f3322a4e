import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseMetadataJson } from './parse.ts';

/** Reads every `*.json` file below a folder (sorted, so loading is deterministic). Node only. */
export async function readMetadataDir(dir: string): Promise<unknown[]> {
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.json')).sort();
  const docs: unknown[] = [];
  for (const file of files) {
    const text = await readFile(join(dir, file), 'utf8');
    docs.push(parseMetadataJson(text, `file ${relative(dir, join(dir, file))}`));
  }
  return docs;
}
