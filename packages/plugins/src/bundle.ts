import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { build, type Plugin as EsbuildPlugin } from 'esbuild';
import { formulaHookProblems, SandboxError, validateManifest, type Plugin, type PluginManifest, type SandboxErrorDetail } from '@attain/sandbox';
import { StoreError } from '@attain/store';
import { BUNDLE_GLOBAL, SDK_GLUE, SDK_MODULE } from './sdk-glue.ts';

export const MANIFEST_FILE = 'attain-plugin.json';
const MAX_BUNDLE_BYTES = 2 * 1024 * 1024;

/** A manifest problem as the store's validation error (422, details naming the field). */
export function manifestError(error: unknown): never {
  if (error instanceof SandboxError && error.code === 'invalid_manifest') {
    throw new StoreError(
      'validation_failed',
      error.message,
      error.details.map((d) => ({ ...d, path: `/manifest/${d.path.replace(/\./g, '/')}` })),
    );
  }
  throw error;
}

/** Validates a manifest for install: the sandbox's rules, and a signature for every formula hook. */
export function checkManifest(raw: unknown): PluginManifest {
  let manifest: PluginManifest;
  try {
    manifest = validateManifest(raw);
  } catch (error) {
    return manifestError(error);
  }
  const details: SandboxErrorDetail[] = [];
  formulaHookProblems(manifest.hooks, manifest.formulas, details);
  if (details.length > 0) manifestError(new SandboxError('invalid_manifest', `invalid plugin manifest: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, details));
  return manifest;
}

/** Only the SDK module and files inside the plugin folder may be imported: no Node builtins, no host packages. */
function confine(root: string): EsbuildPlugin {
  return {
    name: 'attain-confine',
    setup(b) {
      b.onResolve({ filter: /^attain:sdk$/ }, () => ({ path: 'attain:sdk', namespace: 'attain-sdk' }));
      b.onLoad({ filter: /.*/, namespace: 'attain-sdk' }, () => ({ contents: SDK_MODULE, loader: 'js' }));
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        if (!args.path.startsWith('.'))
          return { errors: [{ text: `"${args.path}" cannot be imported: a plugin runs in a sandbox without Node builtins or packages (import "attain:sdk" or files of the plugin)` }] };
        const target = resolve(args.resolveDir, args.path);
        const rel = relative(root, target);
        if (rel.startsWith('..') || isAbsolute(rel)) return { errors: [{ text: `"${args.path}" is outside the plugin folder` }] };
        return undefined;
      });
    },
  };
}

/**
 * Reads a plugin folder (`attain-plugin.json` + TypeScript source) and bundles it in-process into
 * one script for the isolate: an IIFE of the plugin followed by the SDK glue that registers its
 * hooks. Throws StoreError('validation_failed') naming the field or the source problem.
 */
export async function bundlePlugin(dir: string): Promise<Plugin> {
  const root = resolve(dir);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(join(root, MANIFEST_FILE), 'utf8'));
  } catch (error) {
    const missing = (error as { code?: unknown }).code === 'ENOENT';
    throw new StoreError('validation_failed', missing ? `no ${MANIFEST_FILE} in ${dir}` : `${MANIFEST_FILE} is not valid JSON`, [
      { path: '/manifest', rule: missing ? 'required' : 'json', message: missing ? `${MANIFEST_FILE} is missing` : 'not valid JSON' },
    ]);
  }
  const manifest = checkManifest(raw);
  const entry = join(root, manifest.main ?? 'src/index.ts');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: BUNDLE_GLOBAL,
    platform: 'neutral',
    target: 'es2022',
    charset: 'utf8',
    logLevel: 'silent',
    plugins: [confine(root)],
  }).catch((error: unknown) => {
    const errors = (error as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }).errors ?? [];
    throw new StoreError(
      'validation_failed',
      `the plugin source does not build: ${errors[0]?.text ?? 'unknown error'}`,
      errors.slice(0, 10).map((e) => ({ path: e.location ? `/source/${e.location.file}:${e.location.line}` : '/source', rule: 'build', message: e.text })),
    );
  });
  const code = `${result.outputFiles[0]?.text ?? ''}${SDK_GLUE}`;
  if (code.length > MAX_BUNDLE_BYTES) {
    throw new StoreError('validation_failed', 'the bundled plugin is too large', [{ path: '/source', rule: 'maxLength', message: `at most ${MAX_BUNDLE_BYTES} bytes bundled` }]);
  }
  return { manifest, code };
}
