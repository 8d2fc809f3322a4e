// Formula benchmarks (issue 3): (a) a tiered-commission formula over 1,000,000 rows in the sandbox
// as a ratio to the same logic as a plain host JS function, (b) warm sandbox call overhead,
// (c) parse + type-check + compile of a ~500-character formula, (d) the same tiered formula as
// SQL over 1,000,000 rows on PostgreSQL. Run: npm run bench -- formula
import pg from 'pg';
import { check, compileJs, compileSql, formulaRuntimeSource, type FormulaSchema } from '@attain/formula';
import { SandboxPool } from '@attain/sandbox';
import { benchFormula } from '../../packages/formula/bench/formula-bench.ts';
import { benchSandbox } from '../../sandbox/bench/sandbox-bench.ts';
import { freshDatabase, round } from './util.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const WARMUP = 30;

/** Marginal 3-tier commission: 5% up to 10k, 8% from 10k to 50k, 12% above. */
export const TIERED_FORMULA = 'IF(amount <= 10000, amount * 5%, IF(amount <= 50000, 500 + (amount - 10000) * 8%, 3700 + (amount - 50000) * 12%))';

const schema: FormulaSchema = {
  object: (name) => (name === 'deal' ? { name: 'deal', table: 'deal', field: (f) => (f === 'amount' ? { name: 'amount', column: 'amount', type: 'money' } : undefined) } : undefined),
};

function hostTiered(amount: readonly number[], rowCount: number): number[] {
  const out = new Array<number>(rowCount);
  for (let i = 0; i < rowCount; i++) {
    const x = amount[i]!;
    out[i] = x <= 10000 ? x * 0.05 : x <= 50000 ? 500 + (x - 10000) * 0.08 : 3700 + (x - 50000) * 0.12;
  }
  return out;
}

/** The same host function over a Float64Array column (a separate copy keeps each one monomorphic). */
function hostTieredColumn(amount: Float64Array, rowCount: number): number[] {
  const out = new Array<number>(rowCount);
  for (let i = 0; i < rowCount; i++) {
    const x = amount[i]!;
    out[i] = x <= 10000 ? x * 0.05 : x <= 50000 ? 500 + (x - 10000) * 0.08 : 3700 + (x - 50000) * 0.12;
  }
  return out;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const amountOf = (i: number): number => ((i * 7919) % 100_000) + 0.25;

function checked() {
  const c = check(TIERED_FORMULA, { schema, root: 'deal' });
  if (!c.ok) throw new Error(c.errors.map((e) => e.message.en).join('; '));
  return c;
}

type Variant = { js: ReturnType<typeof compileJs>; output?: 'float64'; parallel?: boolean; plainArrays?: boolean };

/**
 * (a): the compiled formula in the sandbox vs a float host function. Headline: numeric output
 * (`numericOutput` + `output: 'float64'`), exact safe-integer fast path, one worker. Variants:
 * decimal-text output (the default contract), parallel, and the general BigInt path alone.
 */
async function sandboxRatio(): Promise<Record<string, unknown>> {
  const c = checked();
  // Columnar input, as a batch engine hands it over: the same Float64Array goes to the sandbox
  // and to the host function. The plainArrays variant passes a JS array of numbers to both.
  const amountArray = Array.from({ length: ROWS }, (_, i) => amountOf(i));
  const amountColumn = Float64Array.from(amountArray);
  const pool = new SandboxPool({ size: 2, limits: { wallMs: 120_000, memoryMb: 1024 } });
  try {
    await pool.ready();
    const measure = async (key: string, v: Variant, runs = RUNS) => {
      const amount: number[] | Float64Array = v.plainArrays ? amountArray : amountColumn;
      const req = {
        tenant: 'bench',
        revision: 1,
        key,
        prelude: formulaRuntimeSource,
        source: v.js.source,
        columns: { amount },
        rowCount: ROWS,
        ...(v.output ? { output: v.output } : {}),
        ...(v.parallel ? { parallel: true } : {}),
      };
      const sandboxMs: number[] = [];
      const hostMs: number[] = [];
      const warmup: number[] = [];
      // Thirty warm-up calls, reported apart (steady state is what a recalculating engine sees):
      // V8 in each worker's isolate tiers the formula up over its first calls (about 20), and
      // each process's allocator starts reusing freed 8 MB buffers instead of mapping fresh ones.
      for (let r = 0; r < runs + WARMUP; r++) {
        let t = performance.now();
        const out = (await pool.runBatch(req)) as ArrayLike<unknown>;
        const s = performance.now() - t;
        t = performance.now();
        const expected = v.plainArrays ? hostTiered(amountArray, ROWS) : hostTieredColumn(amountColumn, ROWS);
        const h = performance.now() - t;
        for (const i of [0, 1, ROWS >> 1, ROWS - 1]) {
          if (Math.abs(Number(out[i]) - expected[i]!) > 1e-6) throw new Error(`sandbox and host disagree at row ${i}: ${String(out[i])} vs ${expected[i]}`);
        }
        if (r >= WARMUP) {
          sandboxMs.push(s);
          hostMs.push(h);
        } else warmup.push(s);
      }
      const sm = median(sandboxMs);
      const hm = median(hostMs);
      return { sandboxMs: round(sm, 1), hostMs: round(hm, 1), ratio: round(sm / hm, 2), warmupSandboxMs: { first: round(warmup[0] ?? 0, 1), medianFirst10: round(median(warmup.slice(0, 10)), 1) } };
    };
    const numeric = compileJs(c, { numericOutput: true });
    const text = compileJs(c);
    const head = await measure('tiered-numeric', { js: numeric, output: 'float64', parallel: true });
    return {
      rows: ROWS,
      runs: RUNS,
      fastPath: numeric.fast,
      ...head,
      note: "sandbox: compiled formula, exact (safe-integer fast path, BigInt fallback), numericOutput + output float64, split across the pool's 2 worker processes as the store runs big batches (parallel); host: float64 JS on one thread; both read the same Float64Array column",
      variants: {
        singleWorker: await measure('tiered-numeric', { js: numeric, output: 'float64' }),
        plainArrayInput: await measure('tiered-numeric', { js: numeric, output: 'float64', plainArrays: true, parallel: true }),
        decimalText: await measure('tiered-text', { js: text }),
        generalPathText: await measure('tiered-general', { js: compileJs(c, { fastPath: false }) }, 1),
      },
    };
  } finally {
    await pool.close();
  }
}

/** (d): the same formula compiled to SQL, evaluated over every row (aggregated so no rows travel). */
async function sqlOverRows(): Promise<Record<string, unknown>> {
  const url = await freshDatabase('attain_bench_formula');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('create table deal (id bigint primary key, amount numeric(18,2) not null)');
    await client.query(`insert into deal select i, ((i * 7919) % 100000) + 0.25 from generate_series(0, $1::bigint - 1) as i`, [ROWS]);
    await client.query('vacuum analyze deal');
    const c = compileSql(checked(), { alias: 't', schema: 'public' });
    // Numbered placeholders for pg: the compiler emits `?` for every bound literal.
    let n = 0;
    const expr = c.sql.replace(/\?/g, () => `$${++n}`);
    const sql = `select count(v) as n, sum(v) as total from (select ${expr} as v from public.deal as t) as s`;
    const base = 'select count(*) as n, sum(amount) as total from public.deal';
    const times: number[] = [];
    const scan: number[] = [];
    let total = '';
    for (let r = 0; r < RUNS + 1; r++) {
      let t = performance.now();
      const res = await client.query(sql, c.bindings);
      const ms = performance.now() - t;
      t = performance.now();
      await client.query(base);
      const b = performance.now() - t;
      total = String(res.rows[0].total);
      if (Number(res.rows[0].n) !== ROWS) throw new Error('SQL formula skipped rows');
      if (r >= 1) {
        times.push(ms);
        scan.push(b);
      }
    }
    const expected = hostTiered(
      Array.from({ length: ROWS }, (_, i) => amountOf(i)),
      ROWS,
    ).reduce((a, b) => a + b, 0);
    if (Math.abs(Number(total) - expected) / expected > 1e-9) throw new Error(`SQL total ${total} differs from host ${expected}`);
    return { rows: ROWS, sqlMs: round(median(times), 1), plainScanMs: round(median(scan), 1), total, runs: RUNS };
  } finally {
    await client.end();
  }
}

export async function benchFormulaAll(): Promise<Record<string, unknown>> {
  const compile = await benchFormula();
  const sandbox = await benchSandbox({ rows: 100_000, runs: 3 });
  const a = await sandboxRatio();
  const d = await sqlOverRows();
  return {
    a_tieredSandboxVsHost: a,
    b_warmCallOverheadUs: sandbox.tinyCall,
    c_parseCheckCompile: compile,
    d_tieredSqlPostgres: d,
    formula: TIERED_FORMULA,
  };
}

if (import.meta.main) {
  console.log(JSON.stringify(await benchFormulaAll(), null, 2));
}
