import ivm from 'isolated-vm';
import { SandboxError, type SandboxErrorCode } from './errors.ts';
import type { SandboxLimits } from './limits.ts';
import { Lru } from './lru.ts';
import { capabilityProblem, grantedFunctions, type PluginManifest } from './manifest.ts';
import { BATCH_RUNTIME_SOURCE, HARDEN_SOURCE, HOOK_RUNTIME_SOURCE } from './guest-runtime.ts';

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
  code: string;
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

interface PluginIsolate {
  isolate: ivm.Isolate;
  script: ivm.Script | null;
  /** Why the isolate was disposed by us, so every call running in it reports the same code. */
  reason: SandboxErrorCode | null;
  active: number;
}

interface HookCallState {
  calls: number;
  pending: number;
  denied: string | null;
  stop: SandboxError | null;
}

const MEMORY_RE = /memory limit|out of memory|array buffer allocation failed/i;
const TIMEOUT_RE = /timed out/i;
const GUEST_MEMORY_RE = /^RangeError: (?:Array buffer allocation failed|Invalid string length)/;

/** Maps an isolated-vm failure to a stable code. */
export function classifyIsolateError(error: unknown, isolate: ivm.Isolate, reason: SandboxErrorCode | null = null): SandboxError {
  if (error instanceof SandboxError) return error;
  const message = error instanceof Error ? (error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message) : String(error);
  if (reason === 'timeout') return new SandboxError('timeout', 'sandbox call exceeded its time limit');
  if (reason !== null) return new SandboxError(reason, `sandbox call stopped (${reason})`);
  if (MEMORY_RE.test(message)) return new SandboxError('memory_limit', 'sandbox call exceeded its memory limit');
  if (TIMEOUT_RE.test(message)) return new SandboxError('timeout', 'sandbox call exceeded its time limit');
  if (isolate.isDisposed) return new SandboxError('memory_limit', 'sandbox isolate was disposed (memory limit)');
  return new SandboxError('guest_error', message.length > 2000 ? `${message.slice(0, 2000)}…` : message);
}

function tagged(result: unknown, maxOutputBytes: number): { kind: 'json'; text: string } | { kind: 'numeric'; data: Float64Array } | { kind: 'missing' } {
  if (result instanceof Float64Array) {
    if (result.byteLength > maxOutputBytes) throw new SandboxError('output_too_large', `output of ${result.byteLength} bytes exceeds the limit of ${maxOutputBytes}`);
    return { kind: 'numeric', data: result };
  }
  if (typeof result !== 'string' || result.length === 0) throw new SandboxError('guest_error', 'sandbox runtime returned an unexpected value');
  const tag = result[0];
  if (tag === 'J') {
    if (result.length - 1 > maxOutputBytes) throw new SandboxError('output_too_large', `output of ${result.length - 1} bytes exceeds the limit of ${maxOutputBytes}`);
    return { kind: 'json', text: result.slice(1) };
  }
  if (tag === 'O') throw new SandboxError('output_too_large', `output of ${result.slice(1)} bytes exceeds the limit of ${maxOutputBytes}`);
  if (tag === 'M') return { kind: 'missing' };
  if (tag === 'E') {
    const message = result.slice(1);
    // Allocation failures surface inside the guest as catchable RangeErrors.
    if (GUEST_MEMORY_RE.test(message)) throw new SandboxError('memory_limit', `sandbox call exceeded its memory limit (${message})`);
    throw new SandboxError('guest_error', message);
  }
  throw new SandboxError('guest_error', 'sandbox runtime returned an unexpected value');
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
  readonly #pluginIsolates: Lru<string, PluginIsolate>;
  readonly #maxHostArgBytes: number;
  readonly #maxPendingHostCalls: number;
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
    this.#pluginIsolates = new Lru(maxIsolates, (_key, entry) => {
      // A plugin isolate with calls in flight is disposed by whoever finishes last.
      if (entry.active === 0 && !entry.isolate.isDisposed) entry.isolate.dispose();
    });
    this.#maxHostArgBytes = options.maxHostArgBytes ?? 1024 * 1024;
    this.#maxPendingHostCalls = options.maxPendingHostCalls ?? 64;
    this.#onCatastrophicError = options.onCatastrophicError ?? ((): void => {});
  }

  get isolateCount(): number {
    return this.#formulaIsolates.size + this.#pluginIsolates.size;
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

  /** Runs one plugin hook in a fresh, hardened context of the plugin's isolate. */
  async runHook(work: HookWork, callHost: HostCaller): Promise<string> {
    const key = `${work.tenant}\0${work.pluginKey}\0${work.limits.memoryMb}`;
    let entry = this.#pluginIsolates.get(key);
    if (entry && (entry.reason !== null || entry.isolate.isDisposed)) {
      this.#pluginIsolates.delete(key);
      entry = undefined;
    }
    if (!entry) {
      entry = { isolate: this.#newIsolate(work.limits.memoryMb), script: null, reason: null, active: 0 };
      this.#pluginIsolates.set(key, entry);
    }
    const plugin = entry;
    plugin.active++;
    const state: HookCallState = { calls: 0, pending: 0, denied: null, stop: null };
    const { limits } = work;
    let context: ivm.Context | null = null;
    let bridge: ivm.Reference<HostCaller> | null = null;
    // The runtime's entry point in this call's context: a reference that keeps the context alive
    // until released (unreleased, every call's context stayed in the isolate and calls slowed
    // down until the CPU limit stopped them after a few hundred).
    let entryRef: ivm.Reference<unknown> | null = null;
    let wallTimer: NodeJS.Timeout | undefined;
    let cpuTimer: NodeJS.Timeout | undefined;
    let settle: ((error: SandboxError) => void) | undefined;
    const stopped = new Promise<never>((_resolve, reject) => {
      settle = reject;
    });
    stopped.catch(() => {});
    const stop = (error: SandboxError): void => {
      if (state.stop) return;
      state.stop = error;
      plugin.reason = error.code;
      settle?.(error);
      if (!plugin.isolate.isDisposed) plugin.isolate.dispose();
    };
    try {
      const cpuStart = plugin.isolate.cpuTime;
      wallTimer = setTimeout(() => stop(new SandboxError('timeout', `plugin hook exceeded its wall time limit of ${limits.wallMs} ms`)), limits.wallMs);
      const cpuBudget = BigInt(limits.cpuMs) * 1_000_000n;
      cpuTimer = setInterval(
        () => {
          if (!plugin.isolate.isDisposed && plugin.isolate.cpuTime - cpuStart > cpuBudget) {
            stop(new SandboxError('timeout', `plugin hook exceeded its CPU time limit of ${limits.cpuMs} ms`));
          }
        },
        Math.max(5, Math.min(50, Math.floor(limits.cpuMs / 4))),
      );
      const bridgeFn: HostCaller = (fn, argsJson) => this.#bridge(work, state, stop, callHost, fn, argsJson);
      bridge = new ivm.Reference(bridgeFn);
      const invoke = await Promise.race([
        (async () => {
          if (plugin.script === null) {
            try {
              // The script's completion value crosses back to the host; a function there (e.g. a last
              // statement `hooks.x = () => …`) would keep every call's context alive, so it ends in undefined.
              plugin.script = await plugin.isolate.compileScript(`${work.code}\n;undefined;`, { filename: `plugin:${work.manifest.name}` });
            } catch (error) {
              const failure = classifyIsolateError(error, plugin.isolate, plugin.reason);
              throw failure.code === 'guest_error' ? new SandboxError('guest_error', `plugin code failed to compile: ${failure.message}`) : failure;
            }
          }
          context = await plugin.isolate.createContext();
          await context.evalClosure(HARDEN_SOURCE, [false], { timeout: limits.wallMs });
          const fn = (await context.evalClosure(HOOK_RUNTIME_SOURCE, [bridge, JSON.stringify(grantedFunctions(work.manifest))], {
            timeout: limits.wallMs,
            result: { reference: true },
          })) as ivm.Reference<unknown>;
          entryRef = fn;
          try {
            await plugin.script.run(context, { timeout: limits.wallMs });
          } catch (error) {
            const failure = classifyIsolateError(error, plugin.isolate, plugin.reason);
            throw failure.code === 'guest_error' ? new SandboxError('guest_error', `plugin code failed: ${failure.message}`) : failure;
          }
          return fn;
        })(),
        stopped,
      ]);
      const alias = work.hook.replace(/[^A-Za-z0-9_$]/g, '_');
      const reply = await Promise.race([
        invoke.apply(undefined, [work.hook, alias, work.inputJson, limits.maxOutputBytes], {
          arguments: { copy: true },
          result: { promise: true, copy: true },
          timeout: limits.wallMs,
        }),
        stopped,
      ]);
      let outcome: ReturnType<typeof tagged>;
      try {
        outcome = tagged(reply, limits.maxOutputBytes);
      } catch (error) {
        if (error instanceof SandboxError && error.code === 'guest_error' && state.denied !== null) {
          throw new SandboxError('capability_denied', state.denied);
        }
        throw error;
      }
      if (outcome.kind === 'missing') throw new SandboxError('guest_error', `plugin "${work.manifest.name}" does not define hook "${work.hook}"`);
      if (outcome.kind === 'numeric') throw new SandboxError('guest_error', 'unexpected runtime reply');
      return outcome.text;
    } catch (error) {
      if (state.stop) throw state.stop;
      throw classifyIsolateError(error, plugin.isolate, plugin.reason);
    } finally {
      clearTimeout(wallTimer);
      clearInterval(cpuTimer);
      plugin.active--;
      const ctx = context as ivm.Context | null;
      if (ctx !== null && !plugin.isolate.isDisposed) ctx.release();
      bridge?.release();
      const entry = entryRef as ivm.Reference<unknown> | null;
      if (entry !== null && !plugin.isolate.isDisposed) entry.release();
      if (plugin.reason !== null || plugin.isolate.isDisposed) {
        if (this.#pluginIsolates.peek(key) === plugin) this.#pluginIsolates.delete(key);
        if (plugin.active === 0 && !plugin.isolate.isDisposed) plugin.isolate.dispose();
      }
    }
  }

  /** Guest → worker: enforce budget and capability, then forward to the host as JSON. */
  async #bridge(work: HookWork, state: HookCallState, stop: (error: SandboxError) => void, callHost: HostCaller, fn: string, argsJson: string): Promise<string> {
    if (state.stop) return `E${state.stop.code}:${state.stop.message}`;
    if (typeof fn !== 'string' || typeof argsJson !== 'string') return 'Einvalid_request:bad host call';
    state.calls++;
    if (state.calls > work.limits.maxHostCalls) {
      const error = new SandboxError('concurrency_limit', `plugin exceeded its host-call budget (maxHostCalls=${work.limits.maxHostCalls})`);
      stop(error);
      return `E${error.code}:${error.message}`;
    }
    if (state.pending >= this.#maxPendingHostCalls) {
      const error = new SandboxError('concurrency_limit', `plugin exceeded ${this.#maxPendingHostCalls} concurrent host calls`);
      stop(error);
      return `E${error.code}:${error.message}`;
    }
    if (argsJson.length > this.#maxHostArgBytes) return `Einvalid_request:host call arguments exceed ${this.#maxHostArgBytes} bytes`;
    let args: unknown;
    try {
      args = JSON.parse(argsJson);
    } catch {
      return 'Einvalid_request:host call arguments are not JSON';
    }
    if (!Array.isArray(args)) return 'Einvalid_request:host call arguments must be a list';
    const problem = capabilityProblem(work.manifest, fn, args);
    if (problem !== null) {
      state.denied = problem;
      return `Ecapability_denied:${problem}`;
    }
    state.pending++;
    try {
      const json = await callHost(fn, argsJson);
      return `J${json}`;
    } catch (error) {
      const e = error instanceof SandboxError ? error : new SandboxError('guest_error', error instanceof Error ? error.message : 'host call failed');
      if (e.code === 'capability_denied') state.denied = e.message;
      return `E${e.code}:${e.message}`;
    } finally {
      state.pending--;
    }
  }

  /** Disposes every isolate. */
  dispose(): void {
    this.#functions.clear();
    this.#formulaIsolates.clear();
    for (const entry of this.#pluginIsolates.values()) entry.active = 0;
    this.#pluginIsolates.clear();
  }
}
