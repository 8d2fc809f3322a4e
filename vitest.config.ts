import { defineConfig } from 'vitest/config';

// One forked worker per core; modules are not re-isolated between files so that a worker
// keeps one embedded database (PGlite costs ~4 s and ~500 MB to open) for all of its files.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'sandbox/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/bench/**'],
    pool: 'forks',
    isolate: false,
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts', 'sandbox/src/**/*.ts'],
      exclude: ['**/generated/**', 'packages/cli/src/main.ts'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: { lines: 85 },
    },
  },
});
