// The first screen's budget (≤ 150 kB of JS+CSS compressed, measured by `npm run bench studio`)
// guarded in `npm test`: the modules the entry and Home load statically (lazy screens excluded)
// must not import the heavy packages by value. The metadata package's index once crept in through
// Home's dashboard widgets (48 kB); the formula checker and ECharts before it.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const STUDIO = resolve(import.meta.dirname, '../../studio/src');
/** Packages only screens behind a lazy import may load. */
const HEAVY = ['@attain/meta', '@attain/formula', 'echarts', '@rjsf/core', 'react-grid-layout'];

/** The value imports of a module (type-only imports and dynamic `import()` excluded). */
function valueImports(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/^(?:import|export)\s+(type\s+)?([\s\S]*?)\s+from\s+'([^']+)'/gm)) {
    if (m[1]) continue;
    // `{ type A, type B }`: every name type-only, so nothing is loaded.
    const clause = (m[2] ?? '').trim();
    const names = clause.startsWith('{')
      ? clause
          .slice(1, -1)
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean)
      : [];
    if (names.length > 0 && names.every((n) => n.startsWith('type '))) continue;
    out.push(m[3] as string);
  }
  for (const m of source.matchAll(/^import\s+'([^']+)'/gm)) out.push(m[1] as string);
  return out;
}

/** Every module reached by value imports from `entries`, and the packages each imports. */
function reach(entries: string[]): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string) => {
    if (seen.has(file) || !/\.(ts|tsx)$/.test(file)) return;
    const specs = valueImports(readFileSync(file, 'utf8'));
    seen.set(
      file,
      specs.filter((s) => !s.startsWith('.')),
    );
    for (const s of specs) if (s.startsWith('.')) visit(resolve(dirname(file), s));
  };
  for (const e of entries) visit(e);
  return seen;
}

describe('the first screen', () => {
  it('loads none of the heavy packages by value: not from the entry, the shell or Home', () => {
    const reached = reach([resolve(STUDIO, 'main.tsx'), resolve(STUDIO, 'screens/Home.tsx')]);
    expect(reached.size).toBeGreaterThan(20);
    const offending = [...reached].flatMap(([file, packages]) => packages.filter((p) => HEAVY.includes(p)).map((p) => `${file.slice(STUDIO.length + 1)} → ${p}`));
    expect(offending).toEqual([]);
  });

  it('knows a type-only import from a value import', () => {
    expect(valueImports("import type { A } from '@attain/meta';\nimport { type B } from 'x';\nimport { c, type D } from 'y';\nimport './s.css';")).toEqual(['y', './s.css']);
  });
});
