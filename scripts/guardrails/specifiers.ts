/**
 * The module specifiers a TypeScript source file imports. A scan, not a parser: the tree is ESM with
 * literal specifiers (CONVENTIONS.md), so static `import … from`, `export … from`, side-effect
 * `import '…'` and dynamic imports of a string literal cover it. Template-literal and computed
 * imports (`import(process.env.X)`) are not checked, on purpose: they name no package.
 */
export interface Specifier {
  readonly specifier: string;
  readonly line: number;
}

const patterns = [/^[ \t]*(?:import|export)\b[^;'"`]*?\bfrom\s*['"]([^'"]+)['"]/gm, /^[ \t]*import\s*['"]([^'"]+)['"]/gm, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];

export function specifiersOf(source: string): Specifier[] {
  const found: Specifier[] = [];
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) {
      const specifier = match[1];
      if (specifier === undefined) continue;
      const at = match.index + match[0].lastIndexOf(specifier);
      found.push({ specifier, line: source.slice(0, at).split('\n').length });
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}
