// Big-batch fast paths: float64 output, parallel split across workers, shm transport (and that
// the shm files are kept for reuse after a success and removed after a failure).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsolateHost } from '../src/isolate-host.ts';
import { SandboxPool } from '../src/index.ts';
import { readBins, remove, ShmDir, writeBin } from '../src/shm.ts';
import { batch, expectCode } from './helpers.ts';

const TIERED = `(c, n) => {
  const a = c.amount;
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    out[i] = x <= 10000 ? x * 0.05 : x <= 50000 ? 500 + (x - 10000) * 0.08 : 3700 + (x - 50000) * 0.12;
  }
  return out;
}`;
const tiered = (x: number): number => (x <= 10000 ? x * 0.05 : x <= 50000 ? 500 + (x - 10000) * 0.08 : 3700 + (x - 50000) * 0.12);
const amounts = (n: number): number[] => Array.from({ length: n }, (_, i) => ((i * 7919) % 100_000) + 0.25);

let root: string;
let pool: SandboxPool;
const shmFiles = (): string[] => fs.readdirSync(root).flatMap((d) => fs.readdirSync(path.join(root, d)).map((f) => `${d}/${f}`));

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'sbx-shm-test-'));
  pool = new SandboxPool({ size: 2, limits: { wallMs: 3_000 }, shmRoot: root, shmMinBytes: 4096, parallelMinRows: 1000 });
  await pool.ready();
});
afterAll(async () => {
  await pool.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("output: 'float64'", () => {
  it('returns a Float64Array equal to the plain result', async () => {
    const a = amounts(5000);
    const req = batch('f64', TIERED, { columns: { amount: a }, rowCount: a.length });
    const typed = await pool.runBatch({ ...req, output: 'float64' });
    expect(typed).toBeInstanceOf(Float64Array);
    expect(Array.from(typed)).toEqual(a.map(tiered));
    expect(await pool.runBatch(req)).toEqual(a.map(tiered));
  });

  it('keeps small results typed; null becomes NaN, NaN and Infinity stay', async () => {
    const out = await pool.runBatch({ ...batch('f64', '(c, n) => [null, NaN, -Infinity]'), output: 'float64' });
    expect(out).toBeInstanceOf(Float64Array);
    expect(Array.from(out)).toEqual([NaN, NaN, -Infinity]);
    const guestTyped = await pool.runBatch({ ...batch('f64', '(c, n) => Float64Array.from(c.a, F.dbl)'), output: 'float64' });
    expect(Array.from(guestTyped)).toEqual([2, 4, 6]);
  });

  it('refuses non-numeric, wrongly sized, oversized and invalid requests', async () => {
    await expectCode(pool.runBatch({ ...batch('f64', '(c, n) => ["x", 1, 2]'), output: 'float64' }), 'guest_error');
    await expectCode(pool.runBatch({ ...batch('f64', '(c, n) => [1]'), output: 'float64' }), 'guest_error');
    await expectCode(pool.runBatch({ ...batch('f64', '(c, n) => ({})'), output: 'float64' }), 'guest_error');
    await expectCode(pool.runBatch({ ...batch('f64', '(c, n) => [1, 2, 3]'), output: 'float64', limits: { maxOutputBytes: 16 } }), 'output_too_large');
    await expectCode(pool.runBatch({ ...batch('f64', '(c, n) => [1, 2, 3]'), output: 'text' as 'json' }), 'invalid_request');
  });
});

describe('parallel: true', () => {
  it('splits a large batch into one row range per worker and reassembles it in order', async () => {
    const n = 10_000;
    const a = amounts(n);
    const label = Array.from({ length: n }, (_, i) => `r${i}`);
    const src = '(c, n) => { const out = []; for (let i = 0; i < n; i++) out.push(c.label[i] + ":" + n + ":" + (c.amount[i] * 2)); return out; }';
    const out = (await pool.runBatch(batch('par', src, { columns: { amount: a, label }, rowCount: n, parallel: true }))) as string[];
    expect(out).toHaveLength(n);
    expect(out[0]).toBe(`r0:5000:${a[0]! * 2}`);
    expect(out[n - 1]).toBe(`r${n - 1}:5000:${a[n - 1]! * 2}`);
    const numeric = await pool.runBatch(batch('par', TIERED, { columns: { amount: a }, rowCount: n, parallel: true }));
    expect(numeric).toEqual(a.map(tiered));
    const typed = await pool.runBatch({ ...batch('par', TIERED, { columns: { amount: new Float64Array(a) }, rowCount: n, parallel: true }), output: 'float64' });
    expect(Array.from(typed)).toEqual(a.map(tiered));
  });

  it('does not split small batches or batches not marked row-independent', async () => {
    const src = '(c, n) => Array.from({ length: n }, () => n)';
    expect(new Set(await pool.runBatch(batch('par', src, { rowCount: 500, parallel: true })))).toEqual(new Set([500]));
    expect(new Set(await pool.runBatch(batch('par', src, { rowCount: 4000 })))).toEqual(new Set([4000]));
    expect(new Set(await pool.runBatch(batch('par', src, { rowCount: 4000, parallel: true })))).toEqual(new Set([2000]));
  });

  it('applies maxOutputBytes to the sum of the parts and fails as a whole if one part fails', async () => {
    const src = '(c, n) => Array.from({ length: n }, (_, i) => i)';
    await expectCode(pool.runBatch(batch('par', src, { rowCount: 4000, parallel: true, limits: { maxOutputBytes: 20_000 } })), 'output_too_large');
    const failing = '(c, n) => { if (c.a[0] === 2000) throw new Error("second half"); return Array.from({ length: n }, () => 1); }';
    const a = Array.from({ length: 4000 }, (_, i) => i);
    await expectCode(pool.runBatch(batch('par', failing, { columns: { a }, rowCount: 4000, parallel: true })), 'guest_error');
  });
});

describe('shm transport', () => {
  it('moves big columns and results through files, keeping a bounded set for reuse', async () => {
    const a = amounts(20_000);
    const out = await pool.runBatch(batch('shm', TIERED, { columns: { amount: a }, rowCount: a.length }));
    expect(out).toEqual(a.map(tiered));
    expect(fs.readdirSync(root).length).toBe(1);
    // A successful call's files are kept for the next call, so tmpfs holds a bounded set.
    const kept = shmFiles();
    expect(kept.length).toBeLessThanOrEqual(8);
    for (let i = 0; i < 5; i++) expect(await pool.runBatch(batch('shm', TIERED, { columns: { amount: a }, rowCount: a.length }))).toEqual(a.map(tiered));
    expect(shmFiles()).toEqual(kept);
    await expectCode(pool.runBatch(batch('shm', '(c, n) => { throw new Error("boom"); }', { columns: { amount: a }, rowCount: a.length })), 'guest_error');
    await expectCode(pool.runBatch(batch('shm', '(c, n) => { while (true) {} }', { columns: { amount: a }, rowCount: a.length, limits: { wallMs: 100 } })), 'timeout');
    await expectCode(pool.runBatch({ ...batch('shm', '(c, n) => c.amount', { columns: { amount: a }, rowCount: 7 }) }), 'guest_error');
    expect(shmFiles().length).toBeLessThanOrEqual(kept.length);
  });

  it('a caller Float64Array goes to the file as it was at call time', async () => {
    const typed = new Float64Array(amounts(20_000));
    const expected = Array.from(typed, tiered);
    const pending = pool.runBatch({ ...batch('shm', TIERED, { columns: { amount: typed }, rowCount: typed.length }), output: 'float64' });
    typed.fill(0);
    expect(Array.from(await pending)).toEqual(expected);
    expect(shmFiles().length).toBeLessThanOrEqual(8);
  });

  it('removes the files when the worker crashes mid-call', async () => {
    const local = new SandboxPool({ size: 1, limits: { wallMs: 20_000 }, shmRoot: root, transport: 'shm' });
    try {
      await local.ready();
      const a = amounts(5000);
      const before = shmFiles(); // other pools' kept files
      const call = local.runBatch(batch('crash', '(c, n) => { while (true) {} }', { columns: { amount: a }, rowCount: a.length }));
      // Kill it once the call's files exist (mid-call), however long a busy machine takes to write them.
      await expect.poll(() => shmFiles().length).toBeGreaterThan(before.length);
      process.kill(local.stats().workers[0]!.pid!, 'SIGKILL');
      await expectCode(call, 'worker_crashed');
      expect(shmFiles()).toEqual(before); // a crashed call's files are removed, never kept
      // The replacement worker serves shm calls (and needs the code sent again).
      expect(await local.runBatch(batch('crash', TIERED, { columns: { amount: a }, rowCount: a.length }))).toEqual(a.map(tiered));
    } finally {
      await local.close();
    }
    expect(fs.readdirSync(root).filter((d) => d.includes(`-${process.pid}-`)).length).toBe(1); // only the shared pool's
  });

  it('close() removes the directory; stale directories of dead processes are swept', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const stale = path.join(root, `attain-sandbox-${dead}-old`);
    fs.mkdirSync(stale);
    fs.writeFileSync(path.join(stale, 'x.in'), 'x');
    const local = new SandboxPool({ size: 1, shmRoot: root, transport: 'shm' });
    await local.ready();
    const a = amounts(300);
    expect(await local.runBatch({ ...batch('t', TIERED, { columns: { amount: a }, rowCount: a.length }), output: 'float64' })).toEqual(new Float64Array(a.map(tiered)));
    expect(fs.existsSync(stale)).toBe(false);
    const before = fs.readdirSync(root).length;
    await local.close();
    expect(fs.readdirSync(root).length).toBe(before - 1);
  });

  it('falls back to the pipe when the shm root is unusable, and pipe transport still works', async () => {
    const a = amounts(3000);
    for (const options of [{ shmRoot: path.join(root, 'missing', 'dir'), transport: 'shm' as const }, { transport: 'pipe' as const }]) {
      const local = new SandboxPool({ size: 1, ...options });
      try {
        const typed = new Float64Array(a);
        const pending = local.runBatch({ ...batch('t', TIERED, { columns: { amount: typed }, rowCount: a.length }), output: 'float64' });
        typed.fill(0); // the pipe path copies caller arrays
        expect(Array.from(await pending)).toEqual(a.map(tiered));
      } finally {
        await local.close();
      }
    }
  });

  it('file helpers round-trip, keep files of successful calls for reuse and report short files', () => {
    const dir = new ShmDir(root);
    const file = dir.write([new Float64Array([1, 2]), new Float64Array([3])])!;
    expect(readBins(file, [16, 8]).map((b) => Array.from(b))).toEqual([[1, 2], [3]]);
    expect(() => readBins(file, [32])).toThrow(/shorter/);
    expect(() => readBins(file, [3])).toThrow(/size/);
    dir.release(file, true);
    // The kept file is handed out again and overwritten in place; readers go by the sizes they are told.
    const again = dir.write([new Float64Array([7])])!;
    expect(again).toBe(file);
    expect(Array.from(readBins(again, [8])[0]!)).toEqual([7]);
    dir.release(again, false); // a failed call's file is removed, never reused
    expect(fs.existsSync(file)).toBe(false);
    const out = dir.acquire()!;
    expect(out).not.toBe(file);
    writeBin(out, new Float64Array([5]));
    expect(Array.from(readBins(out, [8])[0]!)).toEqual([5]);
    dir.release(dir.acquire(), true); // never written: nothing to keep
    const many = Array.from({ length: 10 }, () => dir.acquire()!);
    for (const f of many) writeBin(f, new Float64Array([1]));
    for (const f of many) dir.release(f, true);
    expect(many.filter((f) => fs.existsSync(f))).toHaveLength(8); // at most eight idle files kept
    remove(out);
    remove(out);
    dir.dispose();
    expect(new ShmDir(path.join(root, 'nope', 'x')).acquire()).toBeNull();
  });
});

describe('IsolateHost transferBins', () => {
  it('transfers whole buffers into the isolate and copies partial views', () => {
    const host = new IsolateHost();
    try {
      const work = {
        tenant: 't',
        preludeHash: 'p',
        fnKey: 'k',
        memoryMb: 64,
        timeoutMs: 2000,
        maxOutputBytes: 1e6,
        rowCount: 2,
        json: '',
        numericNames: ['a', 'b'],
        prelude: '',
        source: '(c, n) => [c.a[0] + c.b[0], c.a.length + c.b.length]',
        transferBins: true,
      };
      const whole = new Float64Array([1, 2]);
      const partial = new Float64Array([10, 20, 30]).subarray(1);
      const out = host.runBatch({ ...work, numeric: [whole, partial], output: 'float64' });
      expect(out.kind === 'numeric' && Array.from(out.data)).toEqual([21, 4]);
      expect(whole.byteLength).toBe(0); // detached: moved into the isolate, not shared
      expect(partial.length).toBe(2);
    } finally {
      host.dispose();
    }
  });
});
