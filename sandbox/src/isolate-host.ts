import ivm from 'isolated-vm';
import { SandboxError } from './errors.ts';
import { HookRunner } from './hook-runner.ts';
import { classifyIsolateError, tagged } from './isolate-result.ts';
import type { SandboxLimits } from './limits.ts';
import { Lru } from './lru.ts';
import type { PluginManifest } from './manifest.ts';
import { BATCH_RUNTIME_SOURCE, HARDEN_SOURCE } from './guest-runtime.ts';

/** One formula batch as the worker sees it (columns already split into JSON text and numbers). */
export interface BatchWork {
  tenant: string;
  preludeHash: string;
  /** `${revision}\0${key}`: which compiled function. */
  fnKey: string;
  memoryMb: number;
  /** Synchronous runs stop at min(wallMs, cpuMs): CPU time can never exceed wall time. */
  timeoutMs: number;
  maxOutputBytes: number;
  rowCount: number;
  json: string;
  numericNames: string[];
  numeric: Float64Array[];
  /**
   * The bins are owned by this call and each spans its whole ArrayBuffer: they are transferred
   * into the isolate (ExternalCopy transferOut/transferIn, no memcpy) and detached here.
   */
  transferBins?: boolean;
  /** 'float64': the result must be numeric and always comes back as a Float64Array. */
  output?: 'json' | 'float64';
  prelude?: string;
  source?: string;
}

export type BatchOutcome =
  | { kind: 'numeric'; data: Float64Array }
  | { kind: 'json'; text: string }
  /** The worker lacks the prelude or source for this key; resend them. */
  | { kind: 'need' };

export interface HookWork {
  tenant: string;
  /** Hash of manifest and code, computed by the pool. */
  pluginKey: string;
  manifest: PluginManifest;
  /** Sent only when the worker may not have it (see NeedCode). */
  code?: string;
  hook: string;
  inputJson: string;
  limits: SandboxLimits;
}

/** Sends one host call to the host; resolves with the JSON text of the result. */
export type HostCaller = (fn: string, argsJson: string) => Promise<string>;

export interface IsolateHostOptions {
  maxIsolates?: number;
  maxFunctions?: number;
  /** Largest JSON argument list a guest may pass to one host call. */
  maxHostArgBytes?: number;
  /** Concurrent unresolved host calls per hook invocation. */
  maxPendingHostCalls?: number;
  /** isolated-vm reports the process is in an undefined state; the worker should exit. */
  onCatastrophicError?: (message: string) => void;
}

interface FormulaIsolate {
  key: string;
  isolate: ivm.Isolate;
  context: ivm.Context;
  run: ivm.Reference<(...args: unknown[]) => unknown>;
  dead: boolean;
}

interface CompiledFn {
  owner: FormulaIsolate;
  fn: ivm.Reference<unknown>;
}

/** A zero-copy handle for a Float64Array that spans its whole (non-shared) buffer, else null. */
function transferable(bin: Float64Array): ivm.Copy<ArrayBuffer> | null {
  const buffer = bin.buffer;
  if (!(buffer instanceof ArrayBuffer) || bin.byteOffset !== 0 || bin.byteLength !== buffer.byteLength) return null;
  return new ivm.ExternalCopy(buffer, { transferOut: true }).copyInto({ release: true, transferIn: true });
}

/**
 * Owns the isolates of one worker process. All logic of the worker lives here so it can be
 * tested in-process; the worker entry only moves frames.
 */
export class IsolateHost {
  readonly #formulaIsolates: Lru<string, FormulaIsolate>;
  readonly #functions: Lru<string, CompiledFn>;
  readonly #hooks: HookRunner;
  readonly #onCatastrophicError: (message: string) => void;

  constructor(options: IsolateHostOptions = {}) {
    const maxIsolates = options.maxIsolates ?? 32;
    this.#formulaIsolates = new Lru(maxIsolates, (_key, entry) => {
      entry.dead = true;
      if (!entry.isolate.isDisposed) entry.isolate.dispose();
    });
    this.#functions = new Lru(options.maxFunctions ?? 2_000, (_key, compiled) => {
      if (!compiled.owner.dead) compiled.fn.release();
    });
    this.#onCatastrophicError = options.onCatastrophicError ?? ((): void => {});
    this.#hooks = new HookRunner({
      maxIsolates,
      maxHostArgBytes: options.maxHostArgBytes ?? 1024 * 1024,
      maxPendingHostCalls: options.maxPendingHostCalls ?? 64,
      newIsolate: (memoryMb) => this.#newIsolate(memoryMb),
    });
  }

  get isolateCount(): number {
    return this.#formulaIsolates.size + this.#hooks.size;
  }

  get functionCount(): number {
    return this.#functions.size;
  }

  #newIsolate(memoryMb: number): ivm.Isolate {
    return new ivm.Isolate({ memoryLimit: memoryMb, onCatastrophicError: (message) => this.#onCatastrophicError(message) });
  }

  #formulaIsolate(work: BatchWork): FormulaIsolate | null {
    const key = `${work.tenant}\0${work.preludeHash}\0${work.memoryMb}`;
    const cached = this.#formulaIsolates.get(key);
    if (cached && !cached.dead && !cached.isolate.isDisposed) return cached;
    if (cached) this.#formulaIsolates.delete(key);
    if (work.prelude === undefined) return null;
    const isolate = this.#newIsolate(work.memoryMb);
    try {
      const context = isolate.createContextSync();
      try {
        isolate.compileScriptSync(work.prelude, { filename: 'prelude.js' }).runSync(context, { timeout: work.timeoutMs });
      } catch (error) {
        const failure = classifyIsolateError(error, isolate);
        if (failure.code === 'guest_error') throw new SandboxError('guest_error', `prelude failed: ${failure.message}`);
        throw failure;
      }
      context.evalClosureSync(HARDEN_SOURCE, [true], { timeout: work.timeoutMs });
      const run = context.evalSync(BATCH_RUNTIME_SOURCE, { reference: true, timeout: work.timeoutMs }) as ivm.Reference<(...args: unknown[]) => unknown>;
      const entry: FormulaIsolate = { key, isolate, context, run, dead: false };
      this.#formulaIsolates.set(key, entry);
      return entry;
    } catch (error) {
      const failure = classifyIsolateError(error, isolate);
      if (!isolate.isDisposed) isolate.dispose();
      throw failure;
    }
  }

  /** Runs one formula batch synchronously (a sync apply costs ~5 µs, an async one ~65 µs). */
  runBatch(work: BatchWork): BatchOutcome {
    const fnCacheKey = `${work.tenant}\0${work.preludeHash}\0${work.memoryMb}\0${work.fnKey}`;
    let compiled = this.#functions.get(fnCacheKey);
    if (compiled && (compiled.owner.dead || compiled.owner.isolate.isDisposed)) {
      this.#functions.delete(fnCacheKey);
      compiled = undefined;
    }
    let owner: FormulaIsolate;
    if (compiled) {
      owner = compiled.owner;
    } else {
      const entry = this.#formulaIsolate(work);
      if (entry === null || work.source === undefined) return { kind: 'need' };
      owner = entry;
      try {
        const fn = entry.context.evalSync(`(${work.source}\n)`, { reference: true, timeout: work.timeoutMs }) as ivm.Reference<unknown>;
        const kind = fn.typeof;
        if (kind !== 'function') {
          fn.release();
          throw new SandboxError('guest_error', `formula source must evaluate to a function, got ${kind}`);
        }
        compiled = { owner: entry, fn };
        this.#functions.set(fnCacheKey, compiled);
      } catch (error) {
        const failure = classifyIsolateError(error, entry.isolate);
        if (failure.code !== 'guest_error') this.#dropFormulaIsolate(entry);
        throw failure.code === 'guest_error' ? new SandboxError('guest_error', `formula failed to compile: ${failure.message}`) : failure;
      }
    }
    let result: unknown;
    try {
      // Only copies enter the isolate: a transferred buffer is detached here, never shared.
      const bins: unknown[] = work.transferBins ? work.numeric.map((bin) => transferable(bin) ?? bin) : work.numeric;
      result = owner.run.applySync(undefined, [compiled.fn.derefInto(), work.rowCount, work.json, work.numericNames, work.maxOutputBytes, work.output === 'float64' ? 1 : 0, ...bins], {
        arguments: { copy: true },
        result: { copy: true },
        timeout: work.timeoutMs,
      });
    } catch (error) {
      // After a timeout or memory failure the context may be half-mutated: rebuild it next time.
      this.#dropFormulaIsolate(owner);
      throw classifyIsolateError(error, owner.isolate);
    }
    if (typeof result === 'string' && result[0] === 'X') {
      this.#dropFormulaIsolate(owner);
      throw new SandboxError('guest_error', result.slice(1));
    }
    const outcome = tagged(result, work.maxOutputBytes);
    if (outcome.kind === 'missing') throw new SandboxError('guest_error', 'unexpected runtime reply');
    return outcome;
  }

  #dropFormulaIsolate(entry: FormulaIsolate): void {
    entry.dead = true;
    if (this.#formulaIsolates.peek(entry.key) === entry) this.#formulaIsolates.delete(entry.key);
    if (!entry.isolate.isDisposed) entry.isolate.dispose();
  }

  /** Runs one plugin hook in a warm context of the plugin's isolate (see HookRunner). */
  runHook(work: HookWork, callHost: HostCaller): Promise<string> {
    return this.#hooks.run(work, callHost);
  }

  /** Disposes every isolate. */
  dispose(): void {
    this.#functions.clear();
    this.#formulaIsolates.clear();
    this.#hooks.dispose();
  }
}
