import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import type { ImportProblem } from './check-imports.ts';
import { sourceFiles } from './source-files.ts';
import { packageNameOf, specifiersOf } from './specifiers.ts';
import { loadWorkspaces } from './workspaces.ts';

/**
 * Declared dependencies that no import names but that are needed all the same, each with why.
 * Keyed by workspace name, then dependency.
 */
export const unusedExceptions: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  '@attain/engine': {
    fontkit: "loaded with createRequire in incentives/statement-pdf.ts (pdfkit's font engine, to measure CJK glyphs)",
    '@expo-google-fonts/noto-sans-sc': 'its TrueType files are read by path for statement PDFs',
  },
  '@attain/server': {
    '@expo-google-fonts/noto-sans-sc': 'its directory is given to fontconfig by path (analytics/snapshot-fonts.ts), so dashboard PNGs draw CJK labels',
    'china-geojson': "its province shapes are loaded with createRequire in analytics/snapshot-render.ts for map widgets' snapshots",
  },
};

const builtins = new Set(builtinModules);

/** `@types/x` is used when `x` is; `@types/scope__x` when `@scope/x` is; `@types/node` by a Node import. */
function typedPackage(types: string): string {
  const bare = types.slice('@types/'.length);
  return bare.includes('__') ? `@${bare.replace('__', '/')}` : bare;
}

/** Each workspace dependency (runtime or dev) that none of the workspace's files imports. */
export function checkUnusedDependencies(root: string, exceptions = unusedExceptions): ImportProblem[] {
  const { workspaces } = loadWorkspaces(root);
  const files = sourceFiles(root);
  const problems: ImportProblem[] = [];
  for (const workspace of workspaces) {
    const used = new Set<string>();
    for (const file of files.filter((f) => f.startsWith(`${workspace.dir}/`))) {
      for (const { specifier } of specifiersOf(readFileSync(join(root, file), 'utf8'))) {
        used.add(specifier.startsWith('node:') || builtins.has(specifier) ? 'node' : packageNameOf(specifier));
      }
    }
    for (const dep of [...workspace.dependencies, ...workspace.devDependencies].sort()) {
      const isUsed = dep.startsWith('@types/') ? used.has(typedPackage(dep)) : used.has(dep);
      if (isUsed || exceptions[workspace.name]?.[dep] !== undefined) continue;
      problems.push({
        file: `${workspace.dir}/package.json`,
        line: 1,
        rule: 'unused',
        message: `"${dep}" is declared but nothing in ${workspace.dir}/ imports it: remove it, or list it with a reason in scripts/guardrails/unused-deps.ts`,
      });
    }
  }
  return problems;
}
