// Sandbox benchmark: warm per-call overhead and a 1,000,000-row tiered commission in the sandbox
// versus the same function on the host. Run: node sandbox/bench/sandbox-bench.ts
import { SandboxPool } from '../src/index.ts';

export interface SandboxBenchResult {
  tinyCall: { calls: number; meanUs: number; p50Us: number; p99Us: number };
  tieredCommission: { rows: number; sandboxMs: number; hostMs: number; ratio: number; runs: number };
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

export async function benchSandbox(options: { calls?: number; rows?: number; runs?: number; memoryMb?: number } = {}): Promise<SandboxBenchResult> {
  const calls = options.calls ?? 5_000;
  const rows = options.rows ?? 1_000_000;
  const runs = options.runs ?? 7;
  const pool = new SandboxPool({ size: 2, ...(options.memoryMb ? { limits: { memoryMb: options.memoryMb } } : {}) });
  try {
    await pool.ready();
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
    const big = { tenant: 'bench', revision: 1, key: 'tiered', prelude: '', source: TIERED, columns: { amount }, rowCount: rows };
    const sandboxMs: number[] = [];
    const hostMs: number[] = [];
    for (let r = 0; r < runs + 2; r++) {
      let t = performance.now();
      const out = await pool.runBatch(big);
      const s = performance.now() - t;
      t = performance.now();
      const expected = hostTiered({ amount }, rows);
      const h = performance.now() - t;
      if (out.length !== rows || out[rows - 1] !== expected[rows - 1]) throw new Error('sandbox and host disagree');
      if (r >= 2) {
        sandboxMs.push(s);
        hostMs.push(h);
      }
    }
    const s = median(sandboxMs);
    const h = median(hostMs);
    return {
      tinyCall: {
        calls,
        meanUs: Math.round(times.reduce((a, b) => a + b, 0) / times.length),
        p50Us: Math.round(times[Math.floor(times.length / 2)]!),
        p99Us: Math.round(times[Math.floor(times.length * 0.99)]!),
      },
      tieredCommission: { rows, sandboxMs: Math.round(s * 10) / 10, hostMs: Math.round(h * 10) / 10, ratio: Math.round((s / h) * 100) / 100, runs },
    };
  } finally {
    await pool.close();
  }
}

if (import.meta.main) {
  console.log(JSON.stringify(await benchSandbox(), null, 2));
}
