import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a package.json says about a package, as far as the import check needs it. */
export interface Manifest {
  readonly name: string;
  /** Directory relative to the repository root, '' for the root. */
  readonly dir: string;
  readonly dependencies: ReadonlySet<string>;
  readonly devDependencies: ReadonlySet<string>;
  /** Keys of `exports` ('.', './node', './schemas/*'); only '.' when the field is absent. */
  readonly exports: readonly string[];
}

interface PackageJson {
  name?: string;
  workspaces?: string[];
  exports?: string | Record<string, unknown>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

function readManifest(root: string, dir: string): Manifest {
  const json = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as PackageJson;
  const runtime = { ...json.dependencies, ...json.peerDependencies, ...json.optionalDependencies };
  return {
    name: json.name ?? dir,
    dir,
    dependencies: new Set(Object.keys(runtime)),
    devDependencies: new Set(Object.keys(json.devDependencies ?? {})),
    exports: typeof json.exports === 'object' ? Object.keys(json.exports) : ['.'],
  };
}

/** The root manifest and one per workspace (`workspaces` entries: a directory or `dir/*`). */
export function loadWorkspaces(root: string): { root: Manifest; workspaces: Manifest[] } {
  const rootManifest = readManifest(root, '');
  const json = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
  const dirs: string[] = [];
  for (const entry of json.workspaces ?? []) {
    if (!entry.endsWith('/*')) dirs.push(entry);
    else {
      const parent = entry.slice(0, -2);
      for (const child of readdirSync(join(root, parent)).sort()) dirs.push(`${parent}/${child}`);
    }
  }
  const workspaces = dirs.filter((dir) => existsSync(join(root, dir, 'package.json'))).map((dir) => readManifest(root, dir));
  return { root: rootManifest, workspaces };
}

/** Whether `@pkg/sub` names one of the package's exports ('./sub', or a './x/*' pattern). */
export function isExported(manifest: Manifest, subpath: string): boolean {
  const wanted = subpath === '' ? '.' : `./${subpath}`;
  return manifest.exports.some((key) => (key.endsWith('*') ? wanted.startsWith(key.slice(0, -1)) : key === wanted));
}
