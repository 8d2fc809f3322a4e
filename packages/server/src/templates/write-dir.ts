// Writes a template package as a folder (stable, diffable): template.json, metadata/<kind>s/<name>.json, data/*.json.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DATA_FILES } from './data-format.ts';
import type { TemplatePackage } from './manifest.ts';

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

export async function writeTemplateDir(dir: string, pkg: TemplatePackage): Promise<number> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'template.json'), json({ ...pkg.manifest, metadata: ['metadata'], data: 'data' }));
  let files = 1;
  for (const doc of pkg.documents as Array<{ kind: string; name: string }>) {
    const folder = join(dir, 'metadata', `${doc.kind}s`);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, `${doc.name}.json`), json(doc));
    files++;
  }
  await mkdir(join(dir, 'data'), { recursive: true });
  for (const [key, file] of Object.entries(DATA_FILES) as Array<[keyof typeof DATA_FILES, string]>) {
    const value = pkg.data[key];
    if (value === undefined) continue;
    await writeFile(join(dir, 'data', file), json(value));
    files++;
  }
  for (const [i, r] of (pkg.data.records ?? []).entries()) {
    await mkdir(join(dir, 'data', 'records'), { recursive: true });
    await writeFile(join(dir, 'data', 'records', `${String(i + 1).padStart(2, '0')}-${r.object}.json`), json({ object: r.object, rows: r.rows }));
    files++;
  }
  return files;
}
