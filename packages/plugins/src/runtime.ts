import { randomBytes } from 'node:crypto';
import { nextRun, SandboxError, SandboxPool, type SandboxLimits } from '@attain/sandbox';
import { StoreError, type BackgroundModule, type BeforeWriteInput, type Job, type RecordEvent, type Store } from '@attain/store';
import { auditPluginRows, type PluginAuditRow } from './audit.ts';
import { PluginFormulaProvider } from './formula-functions.ts';
import { sdkHost, type CallRecord, type OutboundConfig } from './host.ts';
import { BACKGROUND_LIMITS, INBOUND_QUEUE, runInbound } from './inbound.ts';
import { SecretKeys } from './secrets.ts';
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
  /**
   * How long a node trusts its list of a tenant's plugins when the store's change feed cannot
   * vouch for it (feed down, or a first read). Changes made on this node apply at once; changes
   * made on another node apply as soon as their notification arrives.
   */
  cacheMs?: number;
  /** Sandbox worker processes (default 1). */
  poolSize?: number;
  /**
   * Keys for secret settings (newest first, comma-separated; 32 bytes as hex or base64). Default:
   * the ATTAIN_SECRETS_KEY environment variable.
   */
  secretsKey?: string;
  /**
   * The server's signing secret, from which the key is derived when no `secretsKey` is set (and
   * which still decrypts values saved under that derived key when one is). Without either, a
   * random per-process key: fine for tests and one node, lost on restart.
   */
  serverSecret?: string;
}

interface TenantPlugins {
  at: number;
  /** The tenant's schema, whose metadata version in the change feed moves on every plugin change. */
  schema: string | null;
  /** That version as read before the plugins were (undefined: not vouched for by the feed). */
  meta: number | undefined;
  plugins: ActivePlugin[];
  hooks: Map<string, ActivePlugin[]>;
}

/** Longest a list vouched for by the change feed is kept (a bound should a notification be lost). */
const FEED_TRUST_MS = 60_000;

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
  #keys: SecretKeys | undefined;
  /** The plugins' formula functions as the store's formulas see them (formula-functions.ts). */
  readonly formulas: PluginFormulaProvider;

  constructor(store: Store, opts: PluginRuntimeOptions) {
    this.store = store;
    this.#opts = opts;
    this.service = new PluginService(store, { attainVersion: opts.attainVersion, onChange: (tenant) => void this.#changed(tenant), secrets: () => this.secretKeys() });
    this.formulas = new PluginFormulaProvider(this, opts.cacheMs);
  }

  /**
   * Later callers of `pluginsFor` (the server after the background worker): test-only outbound
   * knobs, and the key material when none was given yet.
   */
  configure(opts: Partial<PluginRuntimeOptions>): void {
    if (opts.outbound) this.#opts.outbound = opts.outbound;
    if (opts.serverSecret !== undefined && this.#opts.serverSecret === undefined) {
      this.#opts.serverSecret = opts.serverSecret;
      // What this process sealed with its stand-in key stays readable (until rotated).
      const before = this.#keys;
      this.#keys = undefined;
      if (before) this.#keys = this.secretKeys().followedBy(before);
      this.#cache.clear();
    }
  }

  /** The key ring secret settings are encrypted and decrypted with (built on first use). */
  secretKeys(): SecretKeys {
    const configured = this.#opts.secretsKey ?? process.env.ATTAIN_SECRETS_KEY;
    this.#keys ??= SecretKeys.from({
      env: configured,
      // Neither a key nor a server secret: a stand-in for this process (like the JWT secret's).
      serverSecret: this.#opts.serverSecret ?? (configured ? undefined : randomBytes(32).toString('base64url')),
    });
    return this.#keys;
  }

  get pool(): SandboxPool {
    // Hook calls may ask for up to BACKGROUND_LIMITS (jobs, callbacks; each call states its own);
    // formula batches keep the pool's default ceiling.
    this.#pool ??= new SandboxPool({ size: this.#opts.poolSize ?? 1, maxConcurrentPerTenant: 4, maxQueuedPerTenant: 256, hookLimits: { ...BACKGROUND_LIMITS } });
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
        [INBOUND_QUEUE]: (job) => runInbound(this, job),
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

  /** The cached list still stands: the feed says nothing changed since, or it is young enough. */
  #fresh(known: TenantPlugins): boolean {
    const age = Date.now() - known.at;
    const now = known.schema === null ? undefined : this.store.db.changes.metaVersion(known.schema);
    // The feed vouches for (or against) the list; without it, only its age does.
    if (now !== undefined && known.meta !== undefined) return now === known.meta && age < FEED_TRUST_MS;
    return age < (this.#opts.cacheMs ?? 5_000);
  }

  async #load(tenant: string): Promise<TenantPlugins> {
    const known = this.#cache.get(tenant);
    if (known && this.#fresh(known)) return known;
    let loading = this.#loading.get(tenant);
    if (!loading) {
      loading = this.#read(tenant).then((entry) => {
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

  async #read(tenant: string): Promise<TenantPlugins> {
    const schema = (await this.store.snapshot(tenant))?.tenant.schema ?? null;
    // The version before the read: a change landing meanwhile makes the next call read again.
    const meta = schema === null ? undefined : this.store.db.changes.metaVersion(schema);
    const plugins = await this.service.active(tenant);
    const hooks = new Map<string, ActivePlugin[]>();
    for (const p of plugins) for (const h of p.plugin.manifest.hooks) hooks.set(h, [...(hooks.get(h) ?? []), p]);
    return { at: Date.now(), schema, meta, plugins, hooks };
  }

  /** The tenant's enabled plugins (settings in clear), as this node runs them. */
  async enabled(tenant: string): Promise<ActivePlugin[]> {
    return (await this.#load(tenant)).plugins;
  }

  /** Runs a scheduled job now (an admin's "sync now"), as a durable job; resolves once queued. */
  async runJobNow(tenant: string, plugin: string, name: string): Promise<boolean> {
    const p = (await this.#load(tenant)).plugins.find((x) => x.name === plugin);
    if (!p?.plugin.manifest.jobs?.some((j) => j.name === name)) return false;
    await this.store.jobs.enqueue({
      queue: JOB_QUEUE,
      tenant,
      key: `${tenant}:${plugin}:${name}:now:${Date.now()}:${randomBytes(4).toString('hex')}`,
      payload: { tenant, plugin, job: name, now: true },
      maxAttempts: 1,
    });
    return true;
  }

  #wants(tenant: string, object: string): boolean | Promise<boolean> {
    const known = this.#cache.get(tenant);
    const test = (t: TenantPlugins) => ['Create', 'Update', 'Delete'].some((op) => t.hooks.has(`before${op}:${object}`));
    if (known && this.#fresh(known)) return test(known);
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
    if (p.unavailable) return this.#fail(tenant, p, hook, p.unavailable.code, p.unavailable.message);
    const record: CallRecord = { denied: [], audits: [] };
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
      else {
        record.flushed = true;
        return this.#fail(tenant, p, hook, error instanceof SandboxError ? error.code : 'guest_error', error instanceof Error ? error.message : 'plugin failed', record.audits);
      }
    }
    if (out.logs.length > 0) record.audits.push({ action: 'plugin.log', after: { hook, version: p.version, logs: out.logs } });
    record.flushed = true;
    if (out.denied.length > 0) return this.#fail(tenant, p, hook, 'capability_denied', out.denied[0] ?? 'capability denied', record.audits);
    await this.#audit(tenant, p.name, record.audits);
    return out;
  }

  async #fail(tenant: string, p: ActivePlugin, hook: string, code: string, message: string, audits: PluginAuditRow[] = []): Promise<never> {
    await this.#audit(tenant, p.name, [...audits, { action: 'plugin.failed', after: { hook, version: p.version, code, message: message.slice(0, 500) } }]).catch(() => {});
    throw new StoreError('plugin_failed', `plugin "${p.name}" was stopped (${code}): ${message.slice(0, 300)}`, [{ path: `/plugins/${p.name}`, rule: code, message: message.slice(0, 300) }]);
  }

  /** A hook call's audit entries (SDK calls, logs, outcome) in one insert. */
  async #audit(tenant: string, plugin: string, rows: PluginAuditRow[]): Promise<void> {
    if (rows.length === 0) return;
    const h = await this.store.modules.ensure(tenant, PLUGINS_MODULE);
    await auditPluginRows(this.store, h.knex, h, { userId: null, label: `plugin:${plugin}` }, plugin, rows);
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
        await this.#audit(input.tenant, p.name, [{ action: 'plugin.refused', after: { hook, version: p.version, id: input.id ?? null, message } }]);
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
    const { tenant, plugin, job: name, now } = job.payload as { tenant: string; plugin: string; job: string; now?: boolean };
    const p = (await this.#load(tenant)).plugins.find((x) => x.name === plugin);
    const spec = p?.plugin.manifest.jobs?.find((j) => j.name === name);
    if (!p || !spec) return { skipped: true };
    try {
      const { result } = await this.run(tenant, p, `job:${name}`, { event: { job: name, at: new Date().toISOString() } }, BACKGROUND_LIMITS);
      return { result };
    } finally {
      // The next run is due whatever this one did; a failure is retried by the runner meanwhile.
      // A run asked for now leaves the schedule as it is.
      if (!now) {
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
