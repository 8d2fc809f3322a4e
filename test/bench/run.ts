// `npm run bench`: runs the benchmarks and writes JSON results to bench-results/.
// Needs PostgreSQL at 127.0.0.1:5432 (or BENCH_PG_ADMIN_URL) for the database benchmarks. Benchmarks in
// OPT_IN (below) run only when named: `npm run bench dashboards`.
import { mkdir, writeFile } from 'node:fs/promises';
import { ROOT } from './util.ts';

type Bench = () => Promise<Record<string, unknown>>;

const benches: Record<string, () => Promise<Bench>> = {
  goals: async () => (await import('./goals-bench.ts')).benchGoals,
  start: async () => (await import('./start-bench.ts')).benchStart,
  api: async () => (await import('./api-bench.ts')).benchApi,
  incentives: async () => (await import('./incentives-bench.ts')).benchIncentives,
  formula: async () => (await import('./formula-bench.ts')).benchFormulaAll,
  workflow: async () => (await import('./workflow-bench.ts')).benchWorkflow,
  analytics: async () => (await import('./analytics-bench.ts')).benchAnalytics,
  funnel: async () => (await import('./funnel-bench.ts')).benchFunnel,
  dashboards: async () => (await import('./dashboards-bench.ts')).benchDashboards,
  plugins: async () => (await import('./plugins-bench.ts')).benchPlugins,
  pluginFormulas: async () => (await import('./plugin-formulas-bench.ts')).benchPluginFormulas,
  bulk: async () => (await import('./bulk-bench.ts')).benchBulk,
  studio: async () => (await import('./studio-bench.ts')).benchStudio,
  templates: async () => (await import('./templates-bench.ts')).benchTemplates,
  field: async () => (await import('./field-bench.ts')).benchField,
  quality: async () => (await import('./quality-bench.ts')).benchQuality,
  mixed: async () => (await import('./mixed-bench.ts')).benchMixed,
  reads: async () => (await import('./read-queries.ts')).benchReadQueries,
  soak: async () => {
    const { benchMixed } = await import('./mixed-bench.ts');
    return () => benchMixed({ soakSeconds: Number(process.env.MIXED_SOAK_SECONDS ?? 600) });
  },
};

const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
// Opt-in by name: seeding 1,000,000 orders and 200,000 opportunities takes minutes.
// The soak runs ten minutes by default.
const OPT_IN = new Set(['dashboards', 'soak', 'reads']);
const selected = only.length ? only : Object.keys(benches).filter((name) => !OPT_IN.has(name));
const outDir = `${ROOT}/bench-results`;
await mkdir(outDir, { recursive: true });
const summary: Record<string, unknown> = { machine: { cpus: (await import('node:os')).cpus().length, node: process.version }, at: new Date().toISOString() };
let failed = false;
for (const name of selected) {
  const load = benches[name];
  if (!load) throw new Error(`unknown benchmark "${name}"; known: ${Object.keys(benches).join(', ')}`);
  process.stdout.write(`bench ${name} … `);
  try {
    const result = await (await load())();
    summary[name] = result;
    await writeFile(`${outDir}/${name}.json`, `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result));
  } catch (error) {
    failed = true;
    summary[name] = { error: error instanceof Error ? error.message : String(error) };
    console.log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
await writeFile(`${outDir}/summary.json`, `${JSON.stringify(summary, null, 2)}\n`);
console.log(`results in ${outDir}`);
process.exitCode = failed ? 1 : 0;
