import { createHash } from 'node:crypto';
import { decodeJsonArray, decodeNumeric, sliceJson, splitColumns, TYPED_MIN_ROWS, type Columns } from './columns.ts';
import { revive, SandboxError } from './errors.ts';
import type { Frame } from './frames.ts';
import type { IsolateHostOptions } from './isolate-host.ts';
import { DEFAULT_LIMITS, resolveLimits, tighten, type SandboxLimits } from './limits.ts';
import { capabilityProblem, validateManifest, type CapabilityName, type Plugin, type PluginManifest } from './manifest.ts';
import { HOT_POLL_US, HotPoll } from './hot-poll.ts';
import { readBins, readInto, ShmDir } from './shm.ts';
import { TenantLimiter } from './tenant-limiter.ts';
import { WorkerHandle, type PendingCall } from './worker-handle.ts';

export interface PoolOptions {
  /** Worker processes (default 2). */
  size?: number;
  /** Ceiling and default for every call; a call may only tighten them. */
  limits?: Partial<SandboxLimits>;
  /** Ceiling of hook calls only (default `limits`): background jobs may need more than formula batches. */
  hookLimits?: Partial<SandboxLimits>;
  /** Calls of one tenant running at once (default 4). */
  maxConcurrentPerTenant?: number;
  /** Calls of one tenant waiting for a slot; beyond this `concurrency_limit` (default 64). */
  maxQueuedPerTenant?: number;
  /** `--max-old-space-size` of each worker (default 256). */
  workerHeapMb?: number;
  /** A worker whose resident memory exceeds this is killed (default 1024; Linux only). */
  workerMaxRssMb?: number;
  /** Extra time beyond `wallMs` before an unresponsive worker is killed (default 2000). */
  graceMs?: number;
  /** Per-worker caches. */
  maxIsolatesPerWorker?: number;
  maxFunctionsPerWorker?: number;
  /**
   * How float64 columns and numeric results travel: 'pipe' (frames on the worker's pipe), 'shm'
   * (per-call files in a private /dev/shm directory), or 'auto' (shm from `shmMinBytes` on, when
   * /dev/shm is usable). Default 'auto'.
   */
  transport?: 'auto' | 'pipe' | 'shm';
  /** Payload size from which 'auto' uses shm (default 1 MiB). */
  shmMinBytes?: number;
  /** Directory for shm files (default /dev/shm; a private subdirectory is created). */
  shmRoot?: string;
  /** Smallest batch that `parallel: true` splits across workers (default 65536 rows). */
  parallelMinRows?: number;
  /**
   * Microseconds the host and worker event loops poll instead of sleeping after a message while
   * its answer is expected (see HotPoll; default 100; 0 turns it off).
   */
  hotPollUs?: number;
}

export interface BatchRequest {
  tenant: string;
  revision: string | number;
  /** Identifies the compiled function within (tenant, revision). */
  key: string;
  /** Script run once per isolate before `source` (defines the formula runtime's globals). */
  prelude: string;
  /** A JavaScript expression evaluating to `(columns, rowCount) => outputArray`. */
  source: string;
  columns: Columns;
  rowCount: number;
  limits?: Partial<SandboxLimits>;
  /**
   * 'float64': resolve with a Float64Array instead of a plain array (no per-row rebuild on the
   * host). The result must be numeric: null becomes NaN, NaN/Infinity stay; anything else is a
   * `guest_error`. Default 'json'.
   */
  output?: 'json' | 'float64';
  /**
   * The caller promises the formula is row-independent: row i of the result depends only on
   * row i of every column. A batch of at least `parallelMinRows` is then cut into one row range
   * per worker (every column is cut the same way) and run in parallel. Limits apply to each part;
   * `maxOutputBytes` to the sum. Counts as one call for the tenant's concurrency.
   */
  parallel?: boolean;
}

interface BatchPart {
  /** Frame header without `id`. */
  header: Record<string, unknown>;
  text: string;
  bins: Float64Array[];
  /** Input file in shm (removed when the whole call settles), or null. */
  shmIn: string | null;
  start: number;
  rows: number;
}

interface PreparedBatch {
  limits: SandboxLimits;
  output: 'json' | 'float64';
  fnId: string;
  parts: BatchPart[];
  rowCount: number;
}

interface PartResult {
  data: unknown[] | Float64Array;
  /** Size as it travelled: 8 per row for numeric results, else JSON text length. */
  bytes: number;
}

/** Async functions of the host process a plugin may reach, each only if its manifest grants it. */
export interface HostCapabilities {
  read?: (object: string, query: unknown) => Promise<unknown>;
  write?: (object: string, record: unknown) => Promise<unknown>;
  fetch?: (url: string, init: unknown) => Promise<unknown>;
  org?: (op: string, input: unknown) => Promise<unknown>; // capabilities.org: `op` is a granted operation
  /** Told of every host call refused for lack of a grant (to audit it and stop the plugin). */
  denied?: (fn: string, reason: string) => void;
}

export interface HookRequest {
  tenant: string;
  plugin: Plugin;
  /** One of `plugin.manifest.hooks`, e.g. "beforeCreate:order". */
  hook: string;
  input: unknown;
  host: HostCapabilities;
  limits?: Partial<SandboxLimits>;
}

export interface PoolStats {
  workers: Array<{ pid: number | undefined; pending: number; alive: boolean }>;
  restarts: number;
}

const MAX_ROWS = 50_000_000;
const STARTUP_TIMEOUT_MS = 30_000;

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('base64url');

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new SandboxError('invalid_request', `${field} must be a non-empty string`);
  return value;
}

/**
 * A pool of worker processes running isolated-vm isolates. A crash or out-of-memory of one
 * worker fails only the calls in flight on it; the worker is replaced.
 */
export class SandboxPool {
  readonly limits: SandboxLimits;
  readonly hookLimits: SandboxLimits;
  readonly #workers: Array<WorkerHandle | null>;
  readonly #limiter: TenantLimiter;
  readonly #options: Required<Omit<PoolOptions, 'limits' | 'hookLimits' | 'shmRoot'>>;
  readonly #shm: ShmDir;
  readonly #hashes = new Map<string, string>();
  readonly #hotPoll: { start(): void; idle(): void };
  readonly #tenantSlots = new Map<string, number>();
  readonly #manifests = new WeakMap<object, PluginManifest>();
  readonly #pluginKeys = new WeakMap<PluginManifest, { code: string; key: string }>();
  readonly #hookCalls = new Map<number, { manifest: PluginManifest; host: HostCapabilities }>();
  readonly #sweeper: NodeJS.Timeout;
  #nextId = 1;
  #closed = false;
  #restarts = 0;
  #earlyCrashes = 0;

  constructor(options: PoolOptions = {}) {
    this.limits = resolveLimits(options.limits, DEFAULT_LIMITS);
    this.hookLimits = resolveLimits(options.hookLimits, this.limits);
    this.#options = {
      size: Math.max(1, Math.floor(options.size ?? 2)),
      maxConcurrentPerTenant: options.maxConcurrentPerTenant ?? 4,
      maxQueuedPerTenant: options.maxQueuedPerTenant ?? 64,
      workerHeapMb: options.workerHeapMb ?? 256,
      workerMaxRssMb: options.workerMaxRssMb ?? 1024,
      graceMs: options.graceMs ?? 2_000,
      maxIsolatesPerWorker: options.maxIsolatesPerWorker ?? 32,
      maxFunctionsPerWorker: options.maxFunctionsPerWorker ?? 2_000,
      transport: options.transport ?? 'auto',
      shmMinBytes: Math.max(0, options.shmMinBytes ?? 1024 * 1024),
      parallelMinRows: Math.max(2, options.parallelMinRows ?? 65_536),
      hotPollUs: Math.max(0, options.hotPollUs ?? HOT_POLL_US),
    };
    this.#shm = new ShmDir(options.shmRoot);
    const hot = new HotPoll(this.#options.hotPollUs);
    this.#hotPoll = {
      start: () => hot.start(),
      idle: () => {
        if (this.#workers.every((w) => w === null || w.pending.size === 0)) hot.stop();
      },
    };
    this.#limiter = new TenantLimiter(this.#options.maxConcurrentPerTenant, this.#options.maxQueuedPerTenant);
    this.#workers = Array.from({ length: this.#options.size }, () => null);
    for (let i = 0; i < this.#workers.length; i++) this.#spawn(i);
    this.#sweeper = setInterval(() => this.#sweep(), 100);
    this.#sweeper.unref();
  }

  /** Resolves when every worker has started (calls made earlier are buffered, not lost). */
  async ready(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w?.ready));
  }

  stats(): PoolStats {
    return {
      workers: this.#workers.map((w) => ({ pid: w?.pid, pending: w?.pending.size ?? 0, alive: w?.alive ?? false })),
      restarts: this.#restarts,
    };
  }

  #spawn(slot: number): void {
    const handle = new WorkerHandle({
      heapMb: this.#options.workerHeapMb,
      hotPollUs: this.#options.hotPollUs,
      hotPoll: this.#hotPoll,
      isolateHost: { maxIsolates: this.#options.maxIsolatesPerWorker, maxFunctions: this.#options.maxFunctionsPerWorker },
      onExit: (h) => this.#onExit(slot, h),
      onHostCall: (h, frame) => void this.#onHostCall(h, frame),
    });
    this.#workers[slot] = handle;
  }

  #onExit(slot: number, handle: WorkerHandle): void {
    if (this.#workers[slot] !== handle || this.#closed) return;
    this.#restarts++;
    // A worker that dies before it ever started (broken install) must not be respawned in a hot loop.
    this.#earlyCrashes = handle.started ? 0 : this.#earlyCrashes + 1;
    const delay = this.#earlyCrashes === 0 ? 0 : Math.min(5_000, 50 * 2 ** this.#earlyCrashes);
    if (delay === 0) {
      this.#spawn(slot);
      return;
    }
    this.#workers[slot] = null;
    setTimeout(() => {
      if (!this.#closed && this.#workers[slot] === null) this.#spawn(slot);
    }, delay).unref();
  }

  /** Backstops: a worker that stops answering, or grows past its memory cap, is killed. */
  #sweep(): void {
    const now = Date.now();
    for (const worker of this.#workers) {
      if (!worker || !worker.alive || worker.pending.size === 0) continue;
      if (!worker.started) {
        // Start-up time is not call time; only a worker that never comes up is killed.
        if (now - worker.spawnedAt > STARTUP_TIMEOUT_MS) worker.kill('worker_crashed', 'sandbox worker did not start');
        continue;
      }
      let wall = 0;
      for (const call of worker.pending.values()) wall = Math.max(wall, call.wallMs);
      if (now - worker.lastProgress > wall + this.#options.graceMs) {
        worker.kill('timeout', `sandbox call exceeded its time limit of ${wall} ms (worker unresponsive, restarted)`);
        continue;
      }
      const rss = worker.rssMb();
      if (rss !== null && rss > this.#options.workerMaxRssMb) {
        worker.kill('memory_limit', `sandbox worker exceeded its memory cap of ${this.#options.workerMaxRssMb} MB (restarted)`);
      }
    }
  }

  /** Prefers the tenant's home worker (warm caches); spills over when it is backed up. */
  #pick(tenant: string, avoid: WorkerHandle | null = null): WorkerHandle {
    let home = this.#tenantSlots.get(tenant);
    if (home === undefined) {
      home = fnv1a(tenant) % this.#workers.length;
      if (this.#tenantSlots.size > 10_000) this.#tenantSlots.clear();
      this.#tenantSlots.set(tenant, home);
    }
    let best: WorkerHandle | null = null;
    const preferred = this.#workers[home];
    if (preferred && preferred.alive && preferred !== avoid) {
      if (preferred.pending.size < 2) return preferred;
      best = preferred;
    }
    for (const w of this.#workers) {
      if (!w || !w.alive || w === avoid) continue;
      if (!best || w.pending.size + 1 < best.pending.size) best = w;
    }
    if (best) return best;
    // Every worker is restarting: queue on any live handle, or fail.
    for (const w of this.#workers) if (w && w.alive) return w;
    throw new SandboxError('worker_crashed', 'no sandbox worker is available (restarting)');
  }

  #hash(text: string): string {
    let h = this.#hashes.get(text);
    if (h === undefined) {
      h = sha256(text);
      if (this.#hashes.size > 512) this.#hashes.clear();
      this.#hashes.set(text, h);
    }
    return h;
  }

  async #withTenant<T>(tenant: string, run: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new SandboxError('closed', 'sandbox pool is closed');
    if (!this.#limiter.tryAcquire(tenant)) await this.#limiter.acquire(tenant);
    try {
      return await run();
    } finally {
      this.#limiter.release(tenant);
    }
  }

  /**
   * Runs a compiled formula over columns; resolves with a JSON array of `rowCount` values, or a
   * Float64Array with `output: 'float64'`.
   */
  runBatch(request: BatchRequest & { output: 'float64' }): Promise<Float64Array>;
  runBatch(request: BatchRequest): Promise<unknown[]>;
  runBatch(request: BatchRequest): Promise<unknown[] | Float64Array> {
    let prepared: PreparedBatch;
    try {
      prepared = this.#prepareBatch(request);
    } catch (error) {
      return Promise.reject(error);
    }
    const run = this.#withTenant(request.tenant, () => this.#runParts(request, prepared));
    if (!prepared.parts.some((p) => p.shmIn !== null)) return run;
    // The host owns the shm files: kept for reuse when the call succeeded (every worker is done
    // with them), removed otherwise (a worker may still be reading one).
    const release = (ok: boolean): void => {
      for (const part of prepared.parts) this.#shm.release(part.shmIn, ok);
    };
    return run.then(
      (result) => {
        release(true);
        return result;
      },
      (error: unknown) => {
        release(false);
        throw error;
      },
    );
  }

  #prepareBatch(request: BatchRequest): PreparedBatch {
    const tenant = requireString(request.tenant, 'tenant');
    const key = requireString(request.key, 'key');
    if (typeof request.revision !== 'string' && typeof request.revision !== 'number') throw new SandboxError('invalid_request', 'revision must be a string or number');
    if (typeof request.prelude !== 'string') throw new SandboxError('invalid_request', 'prelude must be a string');
    requireString(request.source, 'source');
    const rowCount = request.rowCount;
    if (!Number.isInteger(rowCount) || rowCount < 0 || rowCount > MAX_ROWS) throw new SandboxError('invalid_request', `rowCount must be an integer between 0 and ${MAX_ROWS}`);
    const output = request.output ?? 'json';
    if (output !== 'json' && output !== 'float64') throw new SandboxError('invalid_request', 'output must be "json" or "float64"');
    const limits = tighten(this.limits, request.limits);
    const alive = this.#workers.filter((w) => w !== null && w.alive).length;
    const partCount = request.parallel === true && rowCount >= this.#options.parallelMinRows ? Math.min(alive, Math.floor(rowCount / 1024)) : 1;
    // Caller Float64Arrays are copied only when they go through the pipe (written later, so the
    // caller could change them meanwhile); a shm file is written before this returns.
    const split = splitColumns(request.columns, TYPED_MIN_ROWS, false);
    const callerOwned = split.names.map((name) => (request.columns as Record<string, unknown>)[name] instanceof Float64Array);
    let binBytes = 0;
    for (const bin of split.bins) binBytes += bin.byteLength;
    const shmIn = this.#useShm(binBytes);
    const ph = this.#hash(request.prelude);
    const fk = `${request.revision}\0${key}`;
    const parts: BatchPart[] = [];
    const count = Math.max(1, partCount);
    for (let i = 0; i < count; i++) {
      const start = Math.floor((rowCount * i) / count);
      const end = Math.floor((rowCount * (i + 1)) / count);
      const whole = count === 1;
      const rows = end - start;
      const bins = whole ? split.bins : split.bins.map((b) => b.subarray(Math.min(start, b.length), Math.min(end, b.length)));
      const pipeBins = (): Float64Array[] => bins.map((b, k) => (callerOwned[k] ? b.slice() : b));
      const header: Record<string, unknown> = {
        op: 'b',
        id: 0,
        t: tenant,
        ph,
        fk,
        mm: limits.memoryMb,
        to: Math.min(limits.wallMs, limits.cpuMs),
        mo: limits.maxOutputBytes,
        n: rows,
        nm: split.names,
      };
      if (output === 'float64') header.o = 'f';
      let file: string | null = null;
      if (shmIn && bins.length > 0) {
        file = this.#shm.write(bins);
        if (file !== null) {
          header.si = file;
          header.sb = bins.map((b) => b.byteLength);
        }
      }
      parts.push({
        header,
        text: sliceJson(split.text, start, end, whole),
        bins: file !== null ? [] : pipeBins(),
        shmIn: file,
        start,
        rows,
      });
    }
    return { limits, output, fnId: `${tenant}\0${ph}\0${limits.memoryMb}\0${fk}`, parts, rowCount };
  }

  #useShm(bytes: number): boolean {
    const mode = this.#options.transport;
    if (mode === 'pipe' || bytes === 0) return false;
    if (mode === 'auto' && bytes < this.#options.shmMinBytes) return false;
    return this.#shm.dir !== null;
  }

  #runParts(request: BatchRequest, prepared: PreparedBatch): Promise<unknown[] | Float64Array> {
    const { parts, output, rowCount } = prepared;
    if (parts.length === 1) {
      // No extra async frame on the tiny-call path.
      return this.#dispatchBatch(request, prepared, parts[0]!, null, null, false).then((result) =>
        output === 'float64' || !(result.data instanceof Float64Array) ? result.data : decodeNumeric(result.data, rowCount),
      );
    }
    return this.#runSplit(request, prepared);
  }

  async #runSplit(request: BatchRequest, prepared: PreparedBatch): Promise<unknown[] | Float64Array> {
    const { parts, output, rowCount } = prepared;
    // Row-independent batch split across workers: part i prefers worker i. A float64 result is
    // read by every part straight into its rows of one buffer (no merge copy).
    const out = output === 'float64' ? new Float64Array(Buffer.allocUnsafeSlow(rowCount * 8).buffer, 0, rowCount) : null;
    const results = await Promise.all(parts.map((part, i) => this.#dispatchBatch(request, prepared, part, this.#workers[i] ?? null, null, false, out?.subarray(part.start, part.start + part.rows))));
    let bytes = 0;
    for (const r of results) bytes += r.bytes;
    if (bytes > prepared.limits.maxOutputBytes) {
      throw new SandboxError('output_too_large', `output of ${bytes} bytes exceeds the limit of ${prepared.limits.maxOutputBytes}`);
    }
    if (out !== null) return out;
    const joined = new Array<unknown>(rowCount);
    results.forEach((r, i) => {
      const data = r.data;
      const at = parts[i]!.start;
      for (let j = 0; j < data.length; j++) joined[at + j] = data[j];
    });
    return joined;
  }

  #dispatchBatch(request: BatchRequest, prepared: PreparedBatch, part: BatchPart, prefer: WorkerHandle | null, avoid: WorkerHandle | null, retried: boolean, into?: Float64Array): Promise<PartResult> {
    return new Promise<PartResult>((resolve, reject) => {
      let worker: WorkerHandle;
      try {
        worker = prefer !== null && prefer.alive && prefer !== avoid ? prefer : this.#pick(request.tenant, avoid);
      } catch (error) {
        reject(error);
        return;
      }
      const id = this.#nextId++;
      const header: Record<string, unknown> = { ...part.header, id };
      const shmOut = this.#useShm(part.rows * 8) ? this.#shm.acquire() : null;
      if (shmOut !== null) header.so = shmOut;
      let full = false;
      const sendTo = (w: WorkerHandle, withCode: boolean): void => {
        if (withCode) {
          header.p = request.prelude;
          header.s = request.source;
          w.known.add(prepared.fnId);
          if (w.known.size > 20_000) w.known.clear();
        }
        w.send(call, header, part.text, part.bins);
      };
      const call: PendingCall = {
        id,
        kind: 'batch',
        wallMs: prepared.limits.wallMs,
        onFrame: (frame: Frame) => {
          const op = frame.header.op;
          if (op === 'need') {
            if (full) {
              worker.detach(id);
              this.#shm.release(shmOut, false);
              reject(new SandboxError('guest_error', 'sandbox worker could not load the formula'));
              return;
            }
            full = true;
            worker.detach(id);
            sendTo(worker, true);
            return;
          }
          if (op === 'err') {
            // The worker is done with the call: it never writes a result after an error.
            this.#shm.release(shmOut, true);
            reject(revive(frame.header.code, frame.header.msg));
            return;
          }
          try {
            const rows = part.rows;
            let data: Float64Array | null = null;
            if (typeof frame.header.so === 'number' && shmOut !== null) {
              if (into && frame.header.so === into.byteLength) data = readInto(shmOut, into);
              else data = readBins(shmOut, [frame.header.so])[0]!;
            } else if (frame.bins.length > 0) data = frame.bins[0]!;
            if (data !== null && into && data !== into && data.length === into.length) {
              into.set(data);
              data = into;
            }
            if (data !== null) {
              if (data.length !== rows) throw new SandboxError('guest_error', `result has length ${data.length}, expected ${rows}`);
              resolve({ data, bytes: data.byteLength });
            } else if (prepared.output === 'float64') {
              throw new SandboxError('guest_error', 'sandbox returned a non-numeric result');
            } else {
              resolve({ data: decodeJsonArray(frame.text, rows), bytes: frame.text.length });
            }
          } catch (error) {
            reject(error instanceof SandboxError ? error : new SandboxError('guest_error', 'sandbox returned an invalid result'));
          } finally {
            this.#shm.release(shmOut, true);
          }
        },
        onFail: (error, bystander) => {
          this.#shm.release(shmOut, false);
          // A batch that was only queued behind the failing one is pure and safe to run again once.
          if (bystander && !retried && !this.#closed) {
            this.#dispatchBatch(request, prepared, part, null, worker, true, into).then(resolve, reject);
            return;
          }
          reject(error);
        },
      };
      full = !worker.known.has(prepared.fnId);
      sendTo(worker, full);
    });
  }

  #manifest(plugin: Plugin): PluginManifest {
    if (plugin === null || typeof plugin !== 'object') throw new SandboxError('invalid_request', 'plugin must be {manifest, code}');
    const raw = plugin.manifest as unknown;
    if (raw !== null && typeof raw === 'object') {
      const cached = this.#manifests.get(raw);
      if (cached) return cached;
    }
    const manifest = validateManifest(raw);
    if (raw !== null && typeof raw === 'object') this.#manifests.set(raw, manifest);
    return manifest;
  }

  /** Hash of manifest and code, once per validated manifest (not a JSON text and a hash of it per call). */
  #pluginKey(manifest: PluginManifest, code: string): string {
    const known = this.#pluginKeys.get(manifest);
    if (known !== undefined && known.code === code) return known.key;
    const key = sha256(`${JSON.stringify(manifest)}\0${code}`);
    this.#pluginKeys.set(manifest, { code, key });
    return key;
  }

  /** Runs one plugin hook; resolves with the hook's JSON result. */
  runHook(request: HookRequest): Promise<unknown> {
    let work: { header: Record<string, unknown>; code: string; text: string; limits: SandboxLimits; manifest: PluginManifest };
    try {
      const tenant = requireString(request.tenant, 'tenant');
      const manifest = this.#manifest(request.plugin);
      const code = request.plugin.code;
      if (typeof code !== 'string') throw new SandboxError('invalid_request', 'plugin code must be a string');
      if (!manifest.hooks.includes(request.hook)) {
        throw new SandboxError('capability_denied', `plugin "${manifest.name}" does not declare hook "${String(request.hook).slice(0, 100)}"`);
      }
      const limits = tighten(this.hookLimits, request.limits);
      const inputJson = JSON.stringify(request.input ?? null);
      if (inputJson.length > limits.maxOutputBytes) throw new SandboxError('invalid_request', 'hook input is too large');
      work = {
        header: { op: 'h', id: 0, t: tenant, pk: this.#pluginKey(manifest, code), m: manifest, hk: request.hook, l: limits },
        code,
        text: inputJson,
        limits,
        manifest,
      };
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#withTenant(
      request.tenant,
      () =>
        new Promise<unknown>((resolve, reject) => {
          const worker = this.#pick(request.tenant);
          const id = this.#nextId++;
          this.#hookCalls.set(id, { manifest: work.manifest, host: request.host ?? {} });
          const done = (): void => {
            this.#hookCalls.delete(id);
          };
          // The code travels once per worker (and again only when the worker says it lacks it).
          const codeKey = `h\0${String(work.header.pk)}`;
          let withCode = !worker.known.has(codeKey);
          const send = (): void => {
            const header: Record<string, unknown> = { ...work.header, id };
            if (withCode) {
              header.c = work.code;
              worker.known.add(codeKey);
            }
            worker.send(call, header, work.text);
          };
          const call: PendingCall = {
            id,
            kind: 'hook',
            wallMs: work.limits.wallMs,
            onFrame: (frame) => {
              if (frame.header.op === 'need') {
                worker.detach(id);
                if (withCode) {
                  done();
                  reject(new SandboxError('guest_error', 'sandbox worker could not load the plugin'));
                  return;
                }
                withCode = true;
                send();
                return;
              }
              done();
              if (frame.header.op === 'err') reject(revive(frame.header.code, frame.header.msg));
              else {
                try {
                  resolve(JSON.parse(frame.text === '' ? 'null' : frame.text));
                } catch {
                  reject(new SandboxError('guest_error', 'plugin returned invalid JSON'));
                }
              }
            },
            onFail: (error) => {
              done();
              reject(error);
            },
          };
          send();
        }),
    );
  }

  /** Guest → worker → here: check the capability again, call the host, reply with JSON. */
  async #onHostCall(worker: WorkerHandle, frame: Frame): Promise<void> {
    const { id, hc, fn } = frame.header;
    const reply = (header: Record<string, unknown>, text = ''): void => worker.send(null, { op: 'r', hc, ...header }, text);
    const call = this.#hookCalls.get(Number(id));
    if (!call || typeof fn !== 'string') {
      reply({ code: 'guest_error', msg: 'no such call' });
      return;
    }
    let args: unknown[];
    try {
      const parsed = JSON.parse(frame.text) as unknown;
      if (!Array.isArray(parsed)) throw new Error('not a list');
      args = parsed;
    } catch {
      reply({ code: 'guest_error', msg: 'host call arguments must be a JSON list' });
      return;
    }
    const problem = capabilityProblem(call.manifest, fn, args);
    const impl = problem === null ? call.host[fn as CapabilityName] : undefined;
    if (problem !== null || typeof impl !== 'function') {
      const reason = problem ?? `the host does not provide "${fn}"`;
      try {
        call.host.denied?.(fn.slice(0, 50), reason);
      } catch {
        // the observer's failure must not change the answer to the guest
      }
      reply({ code: 'capability_denied', msg: reason });
      return;
    }
    try {
      const result = await (impl as (a: unknown, b: unknown) => Promise<unknown>).call(call.host, args[0], args[1] ?? null);
      const json = JSON.stringify(result ?? null);
      if (typeof json !== 'string') throw new Error('host result is not JSON');
      reply({}, json);
    } catch (error) {
      const message = error instanceof Error ? error.message : 'host call failed';
      reply({ code: 'guest_error', msg: message.slice(0, 500) });
    }
  }

  /** Stops accepting calls, lets running calls finish (up to `timeoutMs`), then stops workers. */
  async close(timeoutMs = 5_000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#limiter.rejectQueued(new SandboxError('closed', 'sandbox pool is closed'));
    clearInterval(this.#sweeper);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && this.#workers.some((w) => w && w.alive && w.pending.size > 0)) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const exits = this.#workers.map((w) => {
      if (!w || !w.alive) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => w.kill('closed', 'sandbox pool is closed'), 2_000);
        w.child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        if (w.pending.size > 0) w.kill('closed', 'sandbox pool is closed');
        else w.end();
      });
    });
    await Promise.all(exits);
    this.#shm.dispose();
  }
}
