import { defineConfig, type ViteUserConfig } from 'vitest/config';

// One forked worker per core; modules are not re-isolated between files so that a worker
// keeps one embedded database (PGlite costs ~4 s and ~500 MB to open) for all of its files.
// CI asks for a JSON result per run so it can print one closing line over both databases.
const summaryDir = process.env.ATTAIN_TEST_SUMMARY_DIR;
const reporters: NonNullable<ViteUserConfig['test']>['reporters'] = summaryDir ? ['default', ['json', { outputFile: `${summaryDir}/${process.env.ATTAIN_TEST_RUN ?? 'run'}.json` }]] : ['default'];

export default defineConfig({
  test: {
    reporters,
    include: ['packages/*/test/**/*.test.ts', 'sandbox/test/**/*.test.ts', 'plugins/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/bench/**'],
    globalSetup: ['test/e2e/browser-check.ts'],
    pool: 'forks',
    isolate: false,
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // expect.poll gives up after 1 s by default, racing even a Playwright read that is still
    // waiting for its element: on a loaded machine a screen can take longer than that. Match
    // the browser helpers' 15 s action timeout (a bound against hangs, not a speed check).
    expect: { poll: { timeout: 15_000 } },
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts', 'sandbox/src/**/*.ts'],
      exclude: ['**/generated/**', 'packages/cli/src/main.ts'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: { lines: 85 },
    },
  },
});
