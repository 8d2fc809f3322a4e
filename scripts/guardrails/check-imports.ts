import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { layers, testOnlyLayers } from './layers.ts';
import { sourceFiles } from './source-files.ts';
import { packageNameOf, specifiersOf } from './specifiers.ts';
import { isExported, loadWorkspaces, type Manifest } from './workspaces.ts';

export interface ImportProblem {
  /** Path relative to the root, with '/'. */
  readonly file: string;
  readonly line: number;
  /**
   * `layer`: against the direction in layers.ts; `deep_import`: past a package's exports;
   * `undeclared`: not in package.json; `unused`: in package.json but imported by nothing.
   */
  readonly rule: 'layer' | 'deep_import' | 'undeclared' | 'unused';
  readonly message: string;
}

const builtins = new Set(builtinModules);

/** Every import of every source file under `root` against its package's manifest and layer. */
export function checkImports(root: string): ImportProblem[] {
  const { root: rootManifest, workspaces } = loadWorkspaces(root);
  const byName = new Map(workspaces.map((w) => [w.name, w]));
  const declaredAnywhere = new Set([...rootManifest.dependencies, ...rootManifest.devDependencies, ...byName.keys()]);
  for (const w of workspaces) for (const dep of [...w.dependencies, ...w.devDependencies]) declaredAnywhere.add(dep);
  const problems: ImportProblem[] = [];

  for (const file of sourceFiles(root)) {
    const owner = workspaces.find((w) => file.startsWith(`${w.dir}/`));
    const inSrc = owner !== undefined && file.startsWith(`${owner.dir}/src/`);
    const report = (line: number, rule: ImportProblem['rule'], message: string) => problems.push({ file, line, rule, message });

    for (const { specifier, line } of specifiersOf(readFileSync(join(root, file), 'utf8'))) {
      if (specifier.startsWith('node:') || builtins.has(specifier) || specifier.startsWith('#') || specifier.startsWith('virtual:') || specifier === 'attain:sdk') continue; // attain:sdk: the plugin SDK the bundler provides
      if (specifier.startsWith('.')) {
        const target = relative(join(root, owner?.dir ?? ''), join(root, dirname(file), specifier));
        // The root's own tests may reach into any package (they are white-box); a package may not.
        if (owner !== undefined && (target.startsWith(`..${sep}`) || target === '..')) {
          report(line, 'deep_import', `"${specifier}" leaves ${owner.name} (${owner.dir}/): import the other package by name through its exports`);
        }
        continue;
      }
      const name = packageNameOf(specifier);
      const target = byName.get(name);
      if (target !== undefined && !isExported(target, specifier.slice(name.length + 1))) {
        report(line, 'deep_import', `"${specifier}" is not one of ${name}'s exports (${target.exports.join(', ')}) in ${target.dir}/package.json`);
      }
      if (owner === undefined) {
        if (!declaredAnywhere.has(name)) report(line, 'undeclared', `"${name}" is declared in no package.json: add it to the root's devDependencies`);
        continue;
      }
      if (name === owner.name) continue;
      if (target !== undefined) checkLayer(owner, name, inSrc, (message) => report(line, 'layer', message));
      const declared = owner.dependencies.has(name) || (!inSrc && (owner.devDependencies.has(name) || rootManifest.devDependencies.has(name) || rootManifest.dependencies.has(name)));
      if (!declared) {
        const where = inSrc ? 'dependencies' : "devDependencies (or the root's, for shared test tools)";
        report(line, 'undeclared', `"${name}" is imported but not declared in ${owner.dir}/package.json ${where}`);
      }
    }
  }
  return problems;
}

function checkLayer(owner: Manifest, name: string, inSrc: boolean, report: (message: string) => void): void {
  const allowed = layers[owner.name];
  if (allowed === undefined) {
    report(`${owner.name} has no entry in scripts/guardrails/layers.ts: say which packages it may import`);
    return;
  }
  if (allowed.includes(name)) return;
  const testOnly = testOnlyLayers[owner.name]?.[name];
  if (testOnly !== undefined && !inSrc) return;
  report(`${owner.name} may not import ${name}: packages depend one way (docs/modules.md, scripts/guardrails/layers.ts)${testOnly !== undefined ? ' — allowed only outside src/' : ''}`);
}
