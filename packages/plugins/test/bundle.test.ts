// The bundler: one isolate script from a plugin folder; imports confined to the folder and the
// virtual SDK; every problem a 422 naming the manifest field or the source line.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundlePlugin } from '../src/index.ts';
import { beyond, grantOf } from '../src/grant.ts';
import { maskSettings, mergeSettings } from '../src/settings.ts';

let root: string;
async function folder(name: string, manifest: unknown, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  await mkdir(join(dir, 'src'), { recursive: true });
  if (manifest !== undefined) await writeFile(join(dir, 'attain-plugin.json'), typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
  for (const [path, text] of Object.entries(files)) await writeFile(join(dir, path), text);
  return dir;
}
const m = (name: string, extra: Record<string, unknown> = {}) => ({ name, version: '1.0.0', hooks: ['beforeCreate:order'], ...extra });

async function refusal(dir: string): Promise<{ code: string; details: Array<{ path: string; rule: string; message: string }> }> {
  return bundlePlugin(dir).then(
    () => ({ code: 'none', details: [] }),
    (e: { code: string; details: Array<{ path: string; rule: string; message: string }> }) => e,
  );
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'attain-bundle-'));
});

describe('bundlePlugin', () => {
  it('bundles TypeScript across files of the plugin into one script with the SDK glue', async () => {
    const dir = await folder('ok', m('ok'), {
      'src/index.ts':
        "import { definePlugin } from 'attain:sdk';\nimport { limit } from './limit.ts';\nexport default definePlugin({ hooks: { 'beforeCreate:order': (e) => (Number(e.record?.amount) > limit ? { refuse: 'no' } : undefined) } });\n",
      'src/limit.ts': 'export const limit: number = 10;\n',
    });
    const p = await bundlePlugin(dir);
    expect(p.manifest.name).toBe('ok');
    expect(p.code).toContain('__attainPlugin');
    expect(p.code).toContain('hooks[name] = wrap(');
    expect(p.code).not.toMatch(/\bimport\b.*from/);
  });

  it('refuses Node builtins, packages and files outside the folder', async () => {
    const builtin = await refusal(await folder('fs', m('fs'), { 'src/index.ts': "import { readFileSync } from 'node:fs';\nexport default { hooks: { x: () => readFileSync('/etc/passwd') } };\n" }));
    expect(builtin.code).toBe('validation_failed');
    expect(builtin.details[0]).toMatchObject({ rule: 'build', message: expect.stringContaining('"node:fs" cannot be imported') });
    const pkg = await refusal(await folder('pkg', m('pkg'), { 'src/index.ts': "import knex from 'knex';\nexport default knex;\n" }));
    expect(pkg.details[0]?.message).toContain('"knex" cannot be imported');
    await writeFile(join(root, 'secret.ts'), 'export const s = 1;\n');
    const outside = await refusal(await folder('out', m('out'), { 'src/index.ts': "import { s } from '../../secret.ts';\nexport default { s };\n" }));
    expect(outside.details[0]?.message).toContain('outside the plugin folder');
  });

  it('names source errors with file and line, and manifest problems with their field', async () => {
    const syntax = await refusal(await folder('syntax', m('syntax'), { 'src/index.ts': 'export default {\n  oops: ,\n};\n' }));
    expect(syntax.details[0]?.path).toMatch(/^\/source\/.*index\.ts:2$/);
    expect((await refusal(await folder('nomanifest', undefined, {}))).details[0]).toMatchObject({ path: '/manifest', rule: 'required' });
    expect((await refusal(await folder('badjson', '{nope', {}))).details[0]).toMatchObject({ path: '/manifest', rule: 'json' });
    const bad = await refusal(await folder('badmanifest', { name: 'Bad', version: 'x', capabilities: { exec: [] } }, {}));
    expect(bad.details.map((d) => `${d.path} ${d.rule}`)).toEqual(['/manifest/name pattern', '/manifest/version semver', '/manifest/capabilities/exec additionalProperties']);
    const nomain = await refusal(await folder('nomain', m('nomain', { main: 'src/missing.ts' }), {}));
    expect(nomain.details[0]?.rule).toBe('build');
  });
});

describe('grants and settings', () => {
  it('an upgrade asking for more lists exactly what is new', () => {
    const a = grantOf({ name: 'a', version: '1.0.0', capabilities: { read: ['customer'] }, hooks: ['beforeCreate:order'] });
    const b = grantOf({ name: 'a', version: '2.0.0', capabilities: { read: ['customer', 'user'], fetch: ['https://x.com/'] }, hooks: ['beforeCreate:order'] });
    expect(beyond(a, b)).toEqual(['read:user', 'fetch:https://x.com/']);
    expect(beyond(b, a)).toEqual([]);
    expect(beyond(null, a)).toEqual(['read:customer', 'hooks:beforeCreate:order']);
  });

  it('secrets stay unless replaced, and never show', () => {
    const schema = { type: 'object' as const, required: ['url'], properties: { url: { type: 'string' }, key: { type: 'string', secret: true } } };
    const first = mergeSettings(schema, {}, { url: 'https://a', key: 's1' });
    expect(maskSettings(schema, first)).toEqual({ url: 'https://a', key: '••••' });
    expect(mergeSettings(schema, first, { url: 'https://b', key: '••••' })).toEqual({ url: 'https://b', key: 's1' });
    expect(mergeSettings(schema, first, { url: 'https://b' })).toEqual({ url: 'https://b', key: 's1' });
    expect(mergeSettings(schema, first, { url: 'https://b', key: 's2' }).key).toBe('s2');
    expect(() => mergeSettings(schema, {}, [])).toThrow(/settings must be a JSON object/);
    expect(() => mergeSettings(schema, {}, { key: 'x' })).toThrow(expect.objectContaining({ details: [expect.objectContaining({ path: '/settings/url', rule: 'required' })] }));
    expect(() => mergeSettings(schema, {}, { url: 'a', other: 1 })).toThrow(expect.objectContaining({ details: [expect.objectContaining({ path: '/settings/other', rule: 'additionalProperties' })] }));
    expect(mergeSettings(undefined, {}, {})).toEqual({});
  });
});
