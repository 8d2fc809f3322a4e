import { nextRun, SandboxError, SandboxPool, type SandboxLimits } from '@attain/sandbox';
import { StoreError, type BackgroundModule, type BeforeWriteInput, type Job, type RecordEvent, type Store } from '@attain/store';
import { auditPlugin } from './audit.ts';
import { PluginFormulaProvider } from './formula-functions.ts';
import { sdkHost, type CallRecord, type OutboundConfig } from './host.ts';
import { PluginService, type ActivePlugin } from './service.ts';
import { PLUGINS_MODULE } from './tables.ts';

export const EVENT_CONSUMER = 'plugins';
export const AFTER_QUEUE = 'plugins.after';
export const JOB_QUEUE = 'plugins.job';

export interface PluginRuntimeOptions {
  attainVersion: string;
  /** Limits of one hook call (tightened from the pool's); defaults suit a before-hook on a save. */
  limits?: Partial<SandboxLimits>;
  outbound?: OutboundConfig;
  /** How long a node trusts its list of a tenant's plugins; changes made on this node apply at once. */
  cacheMs?: number;
  /** Sandbox worker processes (default 1). */
  poolSize?: number;
}

interface TenantPlugins {
  at: number;
  plugins: ActivePlugin[];
  hooks: Map<string, ActivePlugin[]>;
}

const cap = (op: string): string => op.charAt(0).toUpperCase() + op.slice(1);

/** What a hook returns, after the SDK glue: `{result, logs, denied}`. */
interface HookOutput {
  result: unknown;
  logs: string[];
  denied: string[];
}

/**
 * Runs tenants' plugins: before-write hooks (in the records service's write path), after-write
 * hooks (durable jobs fed by record events), scheduled jobs. One sandbox pool serves every tenant;
 * its per-tenant limiter and the isolate's time and memory limits keep one tenant's plugin from
 * blocking another's.
 */
export class PluginRuntime {
  readonly store: Store;
  readonly service: PluginService;
  readonly #opts: PluginRuntimeOptions;
  readonly #cache = new Map<string, TenantPlugins>();
  readonly #loading = new Map<string, Promise<TenantPlugins>>();
  #pool: SandboxPool | undefined;
  /** The plugins' formula functions as the store's formulas see them (formula-functions.ts). */
  readonly formulas: PluginFormulaProvider;

  constructor(store: Store, opts: PluginRuntimeOptions) {
    this.store = store;
    this.#opts = opts;
    this.service = new PluginService(store, { attainVersion: opts.attainVersion, onChange: (tenant) => void this.#changed(tenant) });
    this.formulas = new PluginFormulaProvider(this, opts.cacheMs);
  }

  /** Test-only knobs (a local HTTPS server's CA and host); the first server of a process sets them. */
  configure(outbound: OutboundConfig | undefined): void {
    if (outbound) this.#opts.outbound = outbound;
  }

  get pool(): SandboxPool {
    this.#pool ??= new SandboxPool({ size: this.#opts.poolSize ?? 1, maxConcurrentPerTenant: 4, maxQueuedPerTenant: 256 });
    return this.#pool;
  }

  /** Registers the before-write hook (the one place plugins join the write path) and the formula functions with the store. */
  attach(): void {
    this.store.formulaFunctions.register(this.formulas);
    this.store.beforeWrite.register('plugins', {
      wants: (tenant, object) => this.#wants(tenant, object),
      run: (input) => this.#before(input),
    });
  }

  /** After-write hooks and scheduled jobs, for the CLI's background worker. */
  background(): BackgroundModule {
    return {
      name: 'plugins',
      subscriptions: [{ consumer: EVENT_CONSUMER, accepts: (tenant, object, op) => this.#acceptsEvent(tenant, object, op) }],
      handlers: {
        [`event:${EVENT_CONSUMER}`]: (job) => this.#fanOut(job),
        [AFTER_QUEUE]: (job) => this.#afterJob(job),
        [JOB_QUEUE]: (job) => this.#scheduledJob(job),
      },
    };
  }

  async close(): Promise<void> {
    this.store.formulaFunctions.unregister(this.formulas);
    await this.#pool?.close();
    this.#pool = undefined;
  }

  async #changed(tenant: string): Promise<void> {
    this.#cache.delete(tenant);
    this.formulas.forget(tenant);
    this.#loading.delete(tenant);
    await this.schedule(tenant).catch(() => {});
  }

  async #load(tenant: string): Promise<TenantPlugins> {
    const known = this.#cache.get(tenant);
    if (known && Date.now() - known.at < (this.#opts.cacheMs ?? 5_000)) return known;
    let loading = this.#loading.get(tenant);
    if (!loading) {
      loading = this.service.active(tenant).then((plugins) => {
        const hooks = new Map<string, ActivePlugin[]>();
        for (const p of plugins) for (const h of p.plugin.manifest.hooks) hooks.set(h, [...(hooks.get(h) ?? []), p]);
        const entry = { at: Date.now(), plugins, hooks };
        if (this.#loading.get(tenant) === loading) {
          this.#cache.set(tenant, entry);
          this.#loading.delete(tenant);
        }
        return entry;
      });
      loading.catch(() => this.#loading.delete(tenant));
      this.#loading.set(tenant, loading);
    }
    return loading;
  }

  #wants(tenant: string, object: string): boolean | Promise<boolean> {
    const known = this.#cache.get(tenant);
    const test = (t: TenantPlugins) => ['Create', 'Update', 'Delete'].some((op) => t.hooks.has(`before${op}:${object}`));
    if (known && Date.now() - known.at < (this.#opts.cacheMs ?? 5_000)) return test(known);
    return this.#load(tenant).then(test);
  }

  #acceptsEvent(tenant: string, object: string, op: string): boolean {
    const known = this.#cache.get(tenant);
    // Not loaded on this node yet: deliver, and let the handler decide (never lose an event).
    if (!known) return true;
    return known.hooks.has(`after${cap(op)}:${object}`);
  }

  /**
   * Runs one hook of one plugin; resolves with its output, or throws StoreError('plugin_failed')
   * naming the sandbox's stable code (timeout, memory_limit, guest_error, capability_denied, …),
   * after auditing the failure.
   */
  async run(tenant: string, p: ActivePlugin, hook: string, input: Record<string, unknown>, limits?: Partial<SandboxLimits>): Promise<HookOutput> {
    const record: CallRecord = { denied: [] };
    let out: HookOutput;
    try {
      const raw = await this.pool.runHook({
        tenant,
        plugin: p.plugin,
        hook,
        input: { ...input, settings: p.settings },
        host: sdkHost(this.store, tenant, p.name, this.#opts.outbound ?? {}, record),
        limits: { wallMs: 3_000, cpuMs: 1_000, memoryMb: 64, maxHostCalls: 100, maxOutputBytes: 256 * 1024, ...this.#opts.limits, ...limits },
      });
      out = readOutput(raw);
      out.denied.push(...record.denied);
    } catch (error) {
      if (record.denied.length > 0) out = { result: null, logs: [], denied: record.denied };
      else return this.#fail(tenant, p, hook, error instanceof SandboxError ? error.code : 'guest_error', error instanceof Error ? error.message : 'plugin failed');
    }
    if (out.logs.length > 0) await this.#audit(tenant, p.name, 'plugin.log', { hook, version: p.version, logs: out.logs });
    if (out.denied.length > 0) return this.#fail(tenant, p, hook, 'capability_denied', out.denied[0] ?? 'capability denied');
    return out;
  }

  async #fail(tenant: string, p: ActivePlugin, hook: string, code: string, message: string): Promise<never> {
    await this.#audit(tenant, p.name, 'plugin.failed', { hook, version: p.version, code, message: message.slice(0, 500) }).catch(() => {});
    throw new StoreError('plugin_failed', `plugin "${p.name}" was stopped (${code}): ${message.slice(0, 300)}`, [{ path: `/plugins/${p.name}`, rule: code, message: message.slice(0, 300) }]);
  }

  async #audit(tenant: string, plugin: string, action: string, after: Record<string, unknown>): Promise<void> {
    const h = await this.store.modules.ensure(tenant, PLUGINS_MODULE);
    await auditPlugin(this.store, h.knex, h, { userId: null, label: `plugin:${plugin}` }, action, plugin, after);
  }

  /** The before-write hook: each plugin in turn may refuse (422 plugin_refused) or set fields. */
  async #before(input: BeforeWriteInput): Promise<Record<string, unknown> | undefined> {
    const hook = `before${cap(input.op)}:${input.object}`;
    const t = await this.#load(input.tenant);
    const plugins = t.hooks.get(hook);
    if (!plugins) return undefined;
    let data = input.data;
    for (const p of plugins) {
      // A plugin's own SDK writes do not re-enter its hooks (no recursion through itself).
      if (input.actor.label === `plugin:${p.name}`) continue;
      const event = { op: input.op, object: input.object, id: input.id ?? null, record: data ?? null, before: input.before ?? null, actor: input.actor };
      const { result } = await this.run(input.tenant, p, hook, { event });
      if (result === null || typeof result !== 'object' || Array.isArray(result)) continue;
      const r = result as { refuse?: unknown; set?: unknown };
      if (typeof r.refuse === 'string' && r.refuse.length > 0) {
        const message = r.refuse.slice(0, 500);
        await this.#audit(input.tenant, p.name, 'plugin.refused', { hook, version: p.version, id: input.id ?? null, message });
        throw new StoreError('plugin_refused', message, [{ path: `/plugins/${p.name}`, rule: 'plugin_refused', message }]);
      }
      if (r.set !== null && typeof r.set === 'object' && !Array.isArray(r.set) && input.op !== 'delete') {
        data = { ...(data ?? {}), ...(r.set as Record<string, unknown>) };
      }
    }
    return data;
  }

  /** A record event: one durable job per plugin with a matching after-hook, each retried on its own. */
  async #fanOut(job: Job): Promise<unknown> {
    const e = job.payload as RecordEvent;
    if (e.op === 'restore') return { plugins: 0 };
    const hook = `after${cap(e.op)}:${e.object}`;
    const plugins = ((await this.#load(e.tenant)).hooks.get(hook) ?? []).filter((p) => e.actor.label !== `plugin:${p.name}`);
    // One plugin (the common case): run it in this job, whose retries are its retries. Several:
    // one job each, so one plugin's failure never re-runs another's hook.
    if (plugins.length === 1) return this.#afterJob({ ...job, payload: { plugin: plugins[0]!.name, hook, event: e } });
    for (const p of plugins) {
      await this.store.jobs.enqueue({ queue: AFTER_QUEUE, tenant: e.tenant, key: `${job.id}:${p.name}`, payload: { plugin: p.name, hook, event: e }, maxAttempts: 5 });
    }
    return { plugins: plugins.length };
  }

  async #afterJob(job: Job): Promise<unknown> {
    const { plugin, hook, event } = job.payload as { plugin: string; hook: string; event: RecordEvent };
    const p = (await this.#load(event.tenant)).hooks.get(hook)?.find((x) => x.name === plugin);
    // Disabled or uninstalled since: nothing to do.
    if (!p) return { skipped: true };
    const { result } = await this.run(event.tenant, p, hook, { event: { op: event.op, object: event.object, id: event.recordId, record: event.after, before: event.before, actor: event.actor } });
    return { result };
  }

  /** (Re)schedules the next run of every job of the tenant's enabled plugins (idempotent per slot). */
  async schedule(tenant: string, now = new Date()): Promise<void> {
    const t = await this.#load(tenant);
    for (const p of t.plugins) {
      for (const j of p.plugin.manifest.jobs ?? []) {
        const at = nextRun(j.schedule, now);
        await this.store.jobs.enqueue({
          queue: JOB_QUEUE,
          tenant,
          key: `${tenant}:${p.name}:${j.name}:${at.toISOString()}`,
          payload: { tenant, plugin: p.name, job: j.name },
          runAt: at,
          maxAttempts: 3,
        });
      }
    }
  }

  async #scheduledJob(job: Job): Promise<unknown> {
    const { tenant, plugin, job: name } = job.payload as { tenant: string; plugin: string; job: string };
    const p = (await this.#load(tenant)).plugins.find((x) => x.name === plugin);
    const spec = p?.plugin.manifest.jobs?.find((j) => j.name === name);
    if (!p || !spec) return { skipped: true };
    try {
      const { result } = await this.run(tenant, p, `job:${name}`, { event: { job: name, at: new Date().toISOString() } });
      return { result };
    } finally {
      // The next run is due whatever this one did; a failure is retried by the runner meanwhile.
      await this.store.jobs.enqueue({
        queue: JOB_QUEUE,
        tenant,
        key: `${tenant}:${plugin}:${name}:${nextRun(spec.schedule, new Date()).toISOString()}`,
        payload: { tenant, plugin, job: name },
        runAt: nextRun(spec.schedule, new Date()),
        maxAttempts: 3,
      });
    }
  }

  /** Calls a plugin formula function over many argument rows in one sandbox call. */
  async formula(tenant: string, name: string, rows: unknown[][]): Promise<unknown[]> {
    const hook = `formula:${name}`;
    const p = (await this.#load(tenant)).hooks.get(hook)?.[0];
    if (!p)
      throw new StoreError('not_found', `no enabled plugin provides the formula function ${name}`, [
        { path: '/function', rule: 'plugin_function', message: `${name} is not provided by an enabled plugin` },
      ]);
    const { result } = await this.run(tenant, p, hook, { rows });
    if (!Array.isArray(result) || result.length !== rows.length) return this.#fail(tenant, p, hook, 'guest_error', 'a formula function must return one value per row');
    return result;
  }
}

function readOutput(raw: unknown): HookOutput {
  const r = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return { result: r.result ?? null, logs: strings(r.logs), denied: strings(r.denied) };
}
