// Sandbox benchmark: warm per-call overhead and a 1,000,000-row tiered commission in the sandbox
// versus the same function on the host. Run: node sandbox/bench/sandbox-bench.ts
import { check, compileJs, createRuntime, formulaRuntimeSource, type FormulaSchema, type RateTable } from '@attain/formula';
import { SandboxPool, type BatchRequest, type PoolOptions } from '../src/index.ts';

interface Ratio {
  rows: number;
  sandboxMs: number;
  hostMs: number;
  ratio: number;
  runs: number;
}

export interface SandboxBenchResult {
  tinyCall: { calls: number; meanUs: number; p50Us: number; p99Us: number };
  /** Default call: plain-array result, default transport ('auto': shm for big payloads). */
  tieredCommission: Ratio;
  /** The same formula and host baseline under other options of runBatch / the pool. */
  tieredVariants: {
    pipeJson: Ratio;
    float64: Ratio;
    float64Pipe: Ratio;
    parallelJson: Ratio;
    parallelFloat64: Ratio;
  };
  /** `TIER(amount, commission, "marginal")` compiled by @attain/formula (decimal runtime, text results). */
  formulaTier: Ratio & { parallelSandboxMs: number; parallelRatio: number };
}

// Marginal 3-tier commission: 5% up to 10k, 8% up to 50k, 12% above.
const TIERED = `(columns, rowCount) => {
  const amount = columns.amount;
  const out = new Array(rowCount);
  for (let i = 0; i < rowCount; i++) {
    const x = amount[i];
    let c;
    if (x <= 10000) c = x * 0.05;
    else if (x <= 50000) c = 500 + (x - 10000) * 0.08;
    else c = 3700 + (x - 50000) * 0.12;
    out[i] = c;
  }
  return out;
}`;

function hostTiered(columns: { amount: readonly number[] }, rowCount: number): number[] {
  const amount = columns.amount;
  const out = new Array<number>(rowCount);
  for (let i = 0; i < rowCount; i++) {
    const x = amount[i]!;
    let c: number;
    if (x <= 10000) c = x * 0.05;
    else if (x <= 50000) c = 500 + (x - 10000) * 0.08;
    else c = 3700 + (x - 50000) * 0.12;
    out[i] = c;
  }
  return out;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round1 = (x: number): number => Math.round(x * 10) / 10;

/** Median of `runs` timed calls after 2 warm-ups; host and sandbox alternate so both see the same machine state. */
async function ratioOf(rows: number, runs: number, sandbox: () => Promise<ArrayLike<unknown>>, host: () => ArrayLike<unknown>): Promise<Ratio> {
  const sandboxMs: number[] = [];
  const hostMs: number[] = [];
  for (let r = 0; r < runs + 2; r++) {
    let t = performance.now();
    const out = await sandbox();
    const s = performance.now() - t;
    t = performance.now();
    const expected = host();
    const h = performance.now() - t;
    if (out.length !== rows || out[rows - 1] !== expected[rows - 1] || out[rows >> 1] !== expected[rows >> 1]) throw new Error('sandbox and host disagree');
    if (r >= 2) {
      sandboxMs.push(s);
      hostMs.push(h);
    }
  }
  const s = median(sandboxMs);
  const h = median(hostMs);
  return { rows, sandboxMs: round1(s), hostMs: round1(h), ratio: Math.round((s / h) * 100) / 100, runs };
}

const TIER_TABLE: RateTable = {
  name: 'commission',
  kind: 'tier',
  rows: [
    { from: 0, to: 10000, rate: '0.05' },
    { from: 10000, to: 50000, rate: '0.08' },
    { from: 50000, to: null, rate: '0.12' },
  ],
};

/** The compiled formula, and the same logic on the host: the formula runtime called directly (no eval). */
function formulaTier(): { source: string; host: (amount: readonly number[], rows: number) => unknown[] } {
  const fields = new Map([['amount', { name: 'amount', column: 'amount', type: 'money' as const }]]);
  const schema: FormulaSchema = {
    object: (n) => (n === 'deal' ? { name: 'deal', table: 'deal', field: (f) => fields.get(f) } : undefined),
    rateTable: (n) => (n === 'commission' ? TIER_TABLE : undefined),
  };
  const checked = check('TIER(amount, commission, "marginal")', { schema, root: 'deal' });
  if (!checked.ok) throw new Error('bench formula does not check');
  const R = createRuntime();
  const table = (TIER_TABLE.rows as Array<{ from: number; to: number | null; rate: string }>).map(
    (r) =>
      [R.inDec(String(r.from))!, r.to === null ? null : R.inDec(String(r.to)), R.inDec(r.rate)!] as [
        ReturnType<typeof R.inDec> & object,
        (ReturnType<typeof R.inDec> & object) | null,
        ReturnType<typeof R.inDec> & object,
      ],
  );
  const host = (amount: readonly number[], rows: number): unknown[] => {
    const out = new Array<unknown>(rows);
    for (let i = 0; i < rows; i++) {
      out[i] = R.run(() => {
        const v0 = R.inDec(amount[i]);
        return R.tier(v0, table, 'marginal');
      }, 'money');
    }
    return out;
  };
  return { source: compileJs(checked).source, host };
}

export async function benchSandbox(options: { calls?: number; rows?: number; runs?: number; memoryMb?: number; formulaRows?: number; formulaRuns?: number } = {}): Promise<SandboxBenchResult> {
  const calls = options.calls ?? 5_000;
  const rows = options.rows ?? 1_000_000;
  const runs = options.runs ?? 7;
  const formulaRows = options.formulaRows ?? rows;
  const formulaRuns = options.formulaRuns ?? 3;
  const base: PoolOptions = { size: 2, ...(options.memoryMb ? { limits: { memoryMb: options.memoryMb } } : {}) };
  const pool = new SandboxPool(base);
  const pipePool = new SandboxPool({ ...base, transport: 'pipe' });
  try {
    await Promise.all([pool.ready(), pipePool.ready()]);
    const tiny = { tenant: 'bench', revision: 1, key: 'tiny', prelude: '', source: '(c, n) => [c.a[0] + 1]', columns: { a: [1] }, rowCount: 1 };
    for (let i = 0; i < 500; i++) await pool.runBatch(tiny);
    const times: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      await pool.runBatch(tiny);
      times.push((performance.now() - t) * 1000);
    }
    times.sort((a, b) => a - b);

    const amount = Array.from({ length: rows }, (_, i) => ((i * 7919) % 100_000) + 0.25);
    const big: BatchRequest = { tenant: 'bench', revision: 1, key: 'tiered', prelude: '', source: TIERED, columns: { amount }, rowCount: rows };
    const host = (): number[] => hostTiered({ amount }, rows);
    const tieredCommission = await ratioOf(rows, runs, () => pool.runBatch(big), host);
    const tieredVariants = {
      pipeJson: await ratioOf(rows, runs, () => pipePool.runBatch(big), host),
      float64: await ratioOf(rows, runs, () => pool.runBatch({ ...big, output: 'float64' }), host),
      float64Pipe: await ratioOf(rows, runs, () => pipePool.runBatch({ ...big, output: 'float64' }), host),
      parallelJson: await ratioOf(rows, runs, () => pool.runBatch({ ...big, parallel: true }), host),
      parallelFloat64: await ratioOf(rows, runs, () => pool.runBatch({ ...big, output: 'float64', parallel: true }), host),
    };

    const tier = formulaTier();
    const famount = formulaRows === rows ? amount : amount.slice(0, formulaRows);
    const freq: BatchRequest = {
      tenant: 'bench',
      revision: 1,
      key: 'tier-formula',
      prelude: formulaRuntimeSource,
      source: tier.source,
      columns: { amount: famount },
      rowCount: formulaRows,
      limits: { wallMs: 60_000 },
    };
    const fhost = (): unknown[] => tier.host(famount, formulaRows);
    const slow = new SandboxPool({ ...base, limits: { ...base.limits, wallMs: 60_000, cpuMs: 60_000 } });
    try {
      await slow.ready();
      const single = await ratioOf(formulaRows, formulaRuns, () => slow.runBatch(freq), fhost);
      const par = await ratioOf(formulaRows, formulaRuns, () => slow.runBatch({ ...freq, parallel: true }), fhost);
      return {
        tinyCall: {
          calls,
          meanUs: Math.round(times.reduce((a, b) => a + b, 0) / times.length),
          p50Us: Math.round(times[Math.floor(times.length / 2)]!),
          p99Us: Math.round(times[Math.floor(times.length * 0.99)]!),
        },
        tieredCommission,
        tieredVariants,
        formulaTier: { ...single, parallelSandboxMs: par.sandboxMs, parallelRatio: par.ratio },
      };
    } finally {
      await slow.close();
    }
  } finally {
    await Promise.all([pool.close(), pipePool.close()]);
  }
}

if (import.meta.main) {
  console.log(JSON.stringify(await benchSandbox(), null, 2));
}
