// A template package: template.json (the manifest), its metadata documents and its data written
// with natural keys. Read from a folder here; the same shape travels over the API as JSON.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import semver from 'semver';
import { apiNameProblem, parseMetadataJson } from '@attain/meta';
import { readMetadataDir } from '@attain/meta/node';
import { refuse, type TemplateProblem } from './errors.ts';
import { DATA_FILES, type TemplateData } from './data-format.ts';

/** The Attain version a template's `requires.attain` range is checked against. */
export const ATTAIN_VERSION = '0.1.0';

export interface TemplateManifest {
  kind: 'template';
  id: string;
  name: string;
  /** semver, e.g. 1.2.0 */
  version: string;
  label: { en: string; 'zh-CN': string } & Record<string, string>;
  description?: string;
  industry?: string;
  requires?: { attain?: string; plugins?: Array<{ name: string; version?: string }> };
  /** Base currency, time zone and fiscal year start of a tenant created by installing it. */
  settings?: { baseCurrency?: string; timeZone?: string; fiscalYearStartMonth?: number };
  /** Folders of metadata documents, relative to the template folder. */
  metadata: string[];
  /** Folder of data files (see data-format.ts), relative to the template folder. */
  data?: string;
  /** The demo's generated sample data (metadata/templates/demo only). */
  seed?: { generator: 'sales-demo' } & Record<string, unknown>;
}

export interface TemplatePackage {
  manifest: TemplateManifest;
  documents: unknown[];
  data: TemplateData;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Problems with a manifest, each naming its field; empty when fine. */
export function manifestProblems(value: unknown, file = 'template.json'): TemplateProblem[] {
  const p: TemplateProblem[] = [];
  const at = (field: string) => `${file}#/${field}`;
  if (!isRecord(value)) return [{ path: file, rule: 'type', message: 'must be a JSON object' }];
  if (value.kind !== 'template') p.push({ path: at('kind'), rule: 'const', message: 'must be "template"' });
  if (typeof value.id !== 'string' || value.id === '') p.push({ path: at('id'), rule: 'required', message: 'a stable id such as "tpl.saas" is required' });
  const nameProblem = typeof value.name === 'string' ? apiNameProblem(value.name) : 'is required';
  if (nameProblem) p.push({ path: at('name'), rule: 'api_name', message: nameProblem });
  if (typeof value.version !== 'string' || !semver.valid(value.version)) p.push({ path: at('version'), rule: 'semver', message: 'must be a version such as 1.0.0' });
  const label = value.label;
  if (!isRecord(label) || typeof label.en !== 'string' || typeof label['zh-CN'] !== 'string') p.push({ path: at('label'), rule: 'required', message: 'needs "en" and "zh-CN" labels' });
  if (value.requires !== undefined) {
    const r = value.requires;
    if (!isRecord(r)) p.push({ path: at('requires'), rule: 'type', message: 'must be an object' });
    else {
      if (r.attain !== undefined && (typeof r.attain !== 'string' || semver.validRange(r.attain) === null))
        p.push({ path: at('requires/attain'), rule: 'semver_range', message: 'must be a version range such as ">=0.1.0 <1"' });
      if (r.plugins !== undefined && (!Array.isArray(r.plugins) || r.plugins.some((x) => !isRecord(x) || typeof x.name !== 'string')))
        p.push({ path: at('requires/plugins'), rule: 'type', message: 'must list {"name", "version"?}' });
    }
  }
  if (!Array.isArray(value.metadata) || value.metadata.some((m) => typeof m !== 'string' || m.includes('\0'))) p.push({ path: at('metadata'), rule: 'type', message: 'must list metadata folders' });
  if (value.data !== undefined && typeof value.data !== 'string') p.push({ path: at('data'), rule: 'type', message: 'must be a folder name' });
  return p;
}

/** Problems with running this template here: Attain version and plugins it needs. */
export function requirementProblems(manifest: TemplateManifest, plugins: ReadonlySet<string>): TemplateProblem[] {
  const p: TemplateProblem[] = [];
  const range = manifest.requires?.attain;
  if (range && !semver.satisfies(ATTAIN_VERSION, range)) p.push({ path: 'template.json#/requires/attain', rule: 'attain_version', message: `needs Attain ${range}; this is ${ATTAIN_VERSION}` });
  for (const plugin of manifest.requires?.plugins ?? []) {
    if (!plugins.has(plugin.name))
      p.push({
        path: 'template.json#/requires/plugins',
        rule: 'plugin_missing',
        message: `needs the plugin "${plugin.name}"${plugin.version ? ` ${plugin.version}` : ''}, which this tenant has not installed`,
      });
  }
  return p;
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function readJson(file: string, shown: string): Promise<unknown> {
  try {
    return parseMetadataJson(await readFile(file, 'utf8'), shown);
  } catch (error) {
    return refuse('template_invalid', [{ path: shown, rule: 'json', message: error instanceof Error ? error.message : String(error) }]);
  }
}

/** Reads a template folder: its manifest, metadata and data, refusing it with every problem named. */
export async function readTemplateDir(dir: string): Promise<TemplatePackage> {
  const root = resolve(dir);
  if (!(await isDir(root))) refuse('template_not_found', [{ path: dir, rule: 'exists', message: 'no such template folder' }], 404);
  const raw = await readJson(join(root, 'template.json'), 'template.json');
  const problems = manifestProblems(raw);
  if (problems.length) refuse('template_invalid', problems);
  const manifest = raw as TemplateManifest;
  const documents: unknown[] = [];
  for (const folder of manifest.metadata) {
    const path = resolve(root, folder);
    if (!(await isDir(path))) refuse('template_invalid', [{ path: `template.json#/metadata`, rule: 'exists', message: `the folder "${folder}" does not exist` }]);
    documents.push(...(await readMetadataDir(path)));
  }
  const data: TemplateData = {};
  if (manifest.data) {
    const folder = resolve(root, manifest.data);
    for (const [key, file] of Object.entries(DATA_FILES) as Array<[keyof typeof DATA_FILES, string]>) {
      const path = join(folder, file);
      if (
        await stat(path).then(
          () => true,
          () => false,
        )
      )
        (data as Record<string, unknown>)[key] = await readJson(path, `${manifest.data}/${file}`);
    }
    const recordsDir = join(folder, 'records');
    if (await isDir(recordsDir)) {
      data.records = [];
      for (const file of (await readdir(recordsDir)).filter((f) => f.endsWith('.json')).sort()) {
        const shown = `${manifest.data}/records/${file}`;
        const body = await readJson(join(recordsDir, file), shown);
        if (!isRecord(body) || typeof body.object !== 'string' || !Array.isArray(body.rows))
          refuse('template_invalid', [{ path: shown, rule: 'type', message: 'must be {"object": "<name>", "rows": [ … ]}' }]);
        data.records.push({ file: shown, object: body.object as string, rows: body.rows as Array<Record<string, unknown>> });
      }
    }
  }
  return { manifest, documents, data };
}

/** The templates shipped with Attain (metadata/templates/<name>). */
export const SHIPPED_TEMPLATES_DIR = resolve(import.meta.dirname, '../../../../metadata/templates');

export async function listTemplateDirs(root = SHIPPED_TEMPLATES_DIR): Promise<Array<{ dir: string; manifest: TemplateManifest }>> {
  const out: Array<{ dir: string; manifest: TemplateManifest }> = [];
  for (const name of (await readdir(root)).sort()) {
    const dir = join(root, name);
    if (
      !(await stat(join(dir, 'template.json')).then(
        () => true,
        () => false,
      ))
    )
      continue;
    out.push({ dir, manifest: (await readTemplateDir(dir)).manifest });
  }
  return out;
}
