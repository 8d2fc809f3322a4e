import ivm from 'isolated-vm';
import { SandboxError, type SandboxErrorCode } from './errors.ts';
import { HARDEN_SOURCE, HOOK_RUNTIME_SOURCE } from './guest-runtime.ts';
import type { HostCaller, HookWork } from './isolate-host.ts';
import { classifyIsolateError, tagged } from './isolate-result.ts';
import { Lru } from './lru.ts';
import { capabilityProblem, grantedFunctions } from './manifest.ts';

/**
 * A context of a plugin's isolate, hardened, with the hook runtime and the plugin's code already
 * run in it: what a call used to build from scratch (~5 ms, most of it freezing the intrinsics).
 */
interface WarmContext {
  context: ivm.Context;
  /** The runtime's `invoke`; holds the context alive until released. */
  invoke: ivm.Reference<unknown>;
}

interface PluginIsolate {
  isolate: ivm.Isolate;
  script: ivm.Script | null;
  /** Why the isolate was disposed by us, so every call running in it reports the same code. */
  reason: SandboxErrorCode | null;
  active: number;
  /** Contexts not running a call; one call per context at a time. */
  idle: WarmContext[];
  /** Shared by the isolate's contexts; routes a host call to its call by token. */
  bridge: ivm.Reference<(token: number, fn: string, argsJson: string) => Promise<string>> | null;
}

interface HookCall {
  work: HookWork;
  plugin: PluginIsolate;
  callHost: HostCaller;
  calls: number;
  pending: number;
  denied: string | null;
  stop: SandboxError | null;
  halt: (error: SandboxError) => void;
}

/**
 * The worker has no code for this plugin key (first call, evicted, or restarted): it answers
 * `need` and the pool sends the call again with the code. Code travels once, not on every call.
 */
export class NeedCode extends Error {}

/** Plugin code by plugin key, kept for building isolates of further tenants and contexts. */
const MAX_CODES = 64;

export interface HookRunnerOptions {
  maxIsolates: number;
  maxHostArgBytes: number;
  maxPendingHostCalls: number;
  newIsolate: (memoryMb: number) => ivm.Isolate;
}

/** Warm contexts kept per plugin isolate (the pool runs at most 4 calls of a tenant at once). */
const MAX_IDLE_CONTEXTS = 4;

/**
 * Runs plugin hooks in one isolate per (tenant, plugin code, memory limit), reusing warm contexts.
 * A context only ever serves calls of its isolate's tenant and plugin; it is discarded, never
 * reused, after any failure, after a call that overwrote a method of Object.prototype or
 * Array.prototype, and with its isolate when a limit stopped a call.
 */
export class HookRunner {
  readonly #isolates: Lru<string, PluginIsolate>;
  readonly #calls = new Map<number, HookCall>();
  readonly #codes = new Lru<string, string>(MAX_CODES);
  readonly #options: HookRunnerOptions;
  #nextToken = 1;

  constructor(options: HookRunnerOptions) {
    this.#options = options;
    this.#isolates = new Lru(options.maxIsolates, (_key, entry) => {
      // A plugin isolate with calls in flight is disposed by whoever finishes last.
      entry.idle = [];
      if (entry.active === 0) drop(entry);
    });
  }

  get size(): number {
    return this.#isolates.size;
  }

  /** Contexts ready for a call, over every plugin isolate (for tests and stats). */
  get warmContexts(): number {
    let n = 0;
    for (const entry of this.#isolates.values()) n += entry.idle.length;
    return n;
  }

  #entry(key: string, work: HookWork): PluginIsolate {
    let entry = this.#isolates.get(key);
    if (entry && (entry.reason !== null || entry.isolate.isDisposed)) {
      this.#isolates.delete(key);
      entry = undefined;
    }
    if (!entry) {
      entry = { isolate: this.#options.newIsolate(work.limits.memoryMb), script: null, reason: null, active: 0, idle: [], bridge: null };
      this.#isolates.set(key, entry);
    }
    return entry;
  }

  async #warm(plugin: PluginIsolate, work: HookWork): Promise<WarmContext> {
    const timeout = work.limits.wallMs;
    if (plugin.script === null) {
      const code = this.#codes.get(work.pluginKey);
      if (code === undefined) throw new NeedCode('the worker needs the plugin code');
      try {
        // The script's completion value crosses back to the host; a function there (e.g. a last
        // statement `hooks.x = () => …`) would keep the context alive, so it ends in undefined.
        plugin.script = await plugin.isolate.compileScript(`${code}\n;undefined;`, { filename: `plugin:${work.manifest.name}` });
      } catch (error) {
        const failure = classifyIsolateError(error, plugin.isolate, plugin.reason);
        throw failure.code === 'guest_error' ? new SandboxError('guest_error', `plugin code failed to compile: ${failure.message}`) : failure;
      }
    }
    plugin.bridge ??= new ivm.Reference((token: number, fn: string, argsJson: string) => this.#bridge(plugin, token, fn, argsJson));
    const context = await plugin.isolate.createContext();
    let invoke: ivm.Reference<unknown> | null = null;
    try {
      await context.evalClosure(HARDEN_SOURCE, [false], { timeout });
      invoke = (await context.evalClosure(HOOK_RUNTIME_SOURCE, [plugin.bridge, JSON.stringify(grantedFunctions(work.manifest))], {
        timeout,
        result: { reference: true },
      })) as ivm.Reference<unknown>;
      try {
        await plugin.script.run(context, { timeout });
      } catch (error) {
        const failure = classifyIsolateError(error, plugin.isolate, plugin.reason);
        throw failure.code === 'guest_error' ? new SandboxError('guest_error', `plugin code failed: ${failure.message}`) : failure;
      }
      return { context, invoke };
    } catch (error) {
      release(plugin, { context, invoke });
      throw error;
    }
  }

  /** Runs one hook in a warm context of the plugin's isolate (built on first use). */
  async run(work: HookWork, callHost: HostCaller): Promise<string> {
    if (work.code !== undefined) this.#codes.set(work.pluginKey, work.code);
    const key = `${work.tenant}\0${work.pluginKey}\0${work.limits.memoryMb}`;
    const plugin = this.#entry(key, work);
    plugin.active++;
    const { limits } = work;
    const token = this.#nextToken++;
    let settle: ((error: SandboxError) => void) | undefined;
    const stopped = new Promise<never>((_resolve, reject) => {
      settle = reject;
    });
    stopped.catch(() => {});
    const call: HookCall = {
      work,
      plugin,
      callHost,
      calls: 0,
      pending: 0,
      denied: null,
      stop: null,
      halt: (error) => {
        if (call.stop) return;
        call.stop = error;
        plugin.reason = error.code;
        settle?.(error);
        if (!plugin.isolate.isDisposed) plugin.isolate.dispose();
      },
    };
    this.#calls.set(token, call);
    let warm: WarmContext | null = null;
    let reusable = false;
    const cpuStart = plugin.isolate.cpuTime;
    const wallTimer = setTimeout(() => call.halt(new SandboxError('timeout', `plugin hook exceeded its wall time limit of ${limits.wallMs} ms`)), limits.wallMs);
    const cpuBudget = BigInt(limits.cpuMs) * 1_000_000n;
    const cpuTimer = setInterval(
      () => {
        if (!plugin.isolate.isDisposed && plugin.isolate.cpuTime - cpuStart > cpuBudget) {
          call.halt(new SandboxError('timeout', `plugin hook exceeded its CPU time limit of ${limits.cpuMs} ms`));
        }
      },
      Math.max(5, Math.min(50, Math.floor(limits.cpuMs / 4))),
    );
    try {
      warm = plugin.idle.pop() ?? null;
      if (warm === null) {
        const building = this.#warm(plugin, work);
        // Built while the call was being stopped: released with the disposed isolate.
        building.catch(() => {});
        warm = await Promise.race([building, stopped]);
      }
      const alias = work.hook.replace(/[^A-Za-z0-9_$]/g, '_');
      let reply = await Promise.race([
        warm.invoke.apply(undefined, [work.hook, alias, work.inputJson, limits.maxOutputBytes, token], {
          arguments: { copy: true },
          result: { promise: true, copy: true },
          timeout: limits.wallMs,
        }),
        stopped,
      ]);
      // 'T': the call overwrote a shared built-in; its answer stands, its context is not reused.
      const tampered = typeof reply === 'string' && reply[0] === 'T';
      if (tampered) reply = (reply as string).slice(1);
      let outcome: ReturnType<typeof tagged>;
      try {
        outcome = tagged(reply, limits.maxOutputBytes);
      } catch (error) {
        if (error instanceof SandboxError && error.code === 'guest_error' && call.denied !== null) {
          throw new SandboxError('capability_denied', call.denied);
        }
        throw error;
      }
      if (outcome.kind === 'missing') throw new SandboxError('guest_error', `plugin "${work.manifest.name}" does not define hook "${work.hook}"`);
      if (outcome.kind === 'numeric') throw new SandboxError('guest_error', 'unexpected runtime reply');
      reusable = !tampered;
      return outcome.text;
    } catch (error) {
      if (call.stop) throw call.stop;
      if (error instanceof NeedCode) throw error;
      throw classifyIsolateError(error, plugin.isolate, plugin.reason);
    } finally {
      clearTimeout(wallTimer);
      clearInterval(cpuTimer);
      this.#calls.delete(token);
      plugin.active--;
      const alive = plugin.reason === null && !plugin.isolate.isDisposed;
      if (warm !== null) {
        if (reusable && alive && call.stop === null && plugin.idle.length < MAX_IDLE_CONTEXTS && this.#isolates.peek(key) === plugin) plugin.idle.push(warm);
        else release(plugin, warm);
      }
      if (!alive) {
        plugin.idle = [];
        if (this.#isolates.peek(key) === plugin) this.#isolates.delete(key);
        if (plugin.active === 0) drop(plugin);
      } else if (plugin.active === 0 && this.#isolates.peek(key) !== plugin) {
        // Evicted from the cache while this call ran: the last call out disposes it.
        drop(plugin);
      }
    }
  }

  /** Guest → worker: enforce budget and capability, then forward to the host as JSON. */
  async #bridge(plugin: PluginIsolate, token: number, fn: string, argsJson: string): Promise<string> {
    const call = this.#calls.get(token);
    // A promise left running by a finished call (or a token of another isolate) reaches nothing.
    if (call === undefined || call.plugin !== plugin) return 'Eguest_error:the hook call has ended';
    if (call.stop) return `E${call.stop.code}:${call.stop.message}`;
    if (typeof fn !== 'string' || typeof argsJson !== 'string') return 'Einvalid_request:bad host call';
    const { work } = call;
    call.calls++;
    if (call.calls > work.limits.maxHostCalls) {
      const error = new SandboxError('concurrency_limit', `plugin exceeded its host-call budget (maxHostCalls=${work.limits.maxHostCalls})`);
      call.halt(error);
      return `E${error.code}:${error.message}`;
    }
    if (call.pending >= this.#options.maxPendingHostCalls) {
      const error = new SandboxError('concurrency_limit', `plugin exceeded ${this.#options.maxPendingHostCalls} concurrent host calls`);
      call.halt(error);
      return `E${error.code}:${error.message}`;
    }
    if (argsJson.length > this.#options.maxHostArgBytes) return `Einvalid_request:host call arguments exceed ${this.#options.maxHostArgBytes} bytes`;
    let args: unknown;
    try {
      args = JSON.parse(argsJson);
    } catch {
      return 'Einvalid_request:host call arguments are not JSON';
    }
    if (!Array.isArray(args)) return 'Einvalid_request:host call arguments must be a list';
    const problem = capabilityProblem(work.manifest, fn, args);
    if (problem !== null) {
      call.denied = problem;
      return `Ecapability_denied:${problem}`;
    }
    call.pending++;
    try {
      const json = await call.callHost(fn, argsJson);
      return `J${json}`;
    } catch (error) {
      const e = error instanceof SandboxError ? error : new SandboxError('guest_error', error instanceof Error ? error.message : 'host call failed');
      if (e.code === 'capability_denied') call.denied = e.message;
      return `E${e.code}:${e.message}`;
    } finally {
      call.pending--;
    }
  }

  /** Disposes every plugin isolate. */
  dispose(): void {
    for (const entry of this.#isolates.values()) entry.active = 0;
    this.#isolates.clear();
  }
}

/** Disposes the isolate (its contexts go with it) and lets go of the bridge. */
function drop(plugin: PluginIsolate): void {
  plugin.bridge?.release();
  plugin.bridge = null;
  if (!plugin.isolate.isDisposed) plugin.isolate.dispose();
}

function release(plugin: PluginIsolate, warm: { context: ivm.Context; invoke: ivm.Reference<unknown> | null }): void {
  if (plugin.isolate.isDisposed) return;
  warm.invoke?.release();
  warm.context.release();
}
