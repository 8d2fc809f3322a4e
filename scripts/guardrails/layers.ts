/**
 * Which workspace may import which: the one-way direction of docs/modules.md
 * (meta ← store ← engine, workflow ← server ← cli; formula and sandbox sit low; the studio is a
 * browser bundle and may only take the pure parts). The import check reads this table and nothing else
 * names the direction, so changing the architecture is one edit here plus docs/modules.md.
 */
export const layers: Readonly<Record<string, readonly string[]>> = {
  '@attain/meta': [],
  '@attain/formula': [],
  '@attain/sandbox': ['@attain/meta'],
  '@attain/store': ['@attain/meta', '@attain/formula'],
  '@attain/engine': ['@attain/meta', '@attain/formula', '@attain/store'],
  '@attain/workflow': ['@attain/meta', '@attain/formula', '@attain/store'],
  '@attain/plugins': ['@attain/meta', '@attain/formula', '@attain/sandbox', '@attain/store', '@attain/workflow'],
  '@attain/server': ['@attain/meta', '@attain/formula', '@attain/sandbox', '@attain/store', '@attain/engine', '@attain/workflow', '@attain/plugins'],
  '@attain/cli': ['@attain/meta', '@attain/formula', '@attain/sandbox', '@attain/store', '@attain/engine', '@attain/workflow', '@attain/plugins', '@attain/server'],
  '@attain/studio': ['@attain/meta', '@attain/formula', '@attain/engine'],
};

/**
 * Edges allowed only outside `src/` (tests, benches): the package under test meets a sibling in
 * one test without either depending on the other at run time. Each needs a reason.
 */
export const testOnlyLayers: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  '@attain/sandbox': { '@attain/formula': 'the sandbox bench runs compiled formulas' },
  '@attain/store': { '@attain/sandbox': 'formula-field tests evaluate the same formula in the isolate' },
  '@attain/engine': { '@attain/workflow': 'approval-subject tests decide engine subjects through workflow flows' },
};
