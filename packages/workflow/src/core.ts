import type { ApprovalFlowDoc, AutomationDoc, Registry } from '@attain/meta';
import { pickLabel, quoteIdent } from '@attain/meta';
import type { Actor, DataPort, Store } from '@attain/store';
import type { Knex } from 'knex';
import { WorkflowError } from './errors.ts';
import { T, workflowModule } from './module.ts';
import type { SmtpSettings } from './notify/email.ts';
import type { SubjectHandler } from './subjects.ts';
import { NotificationChannels } from './notify/channel.ts';

export type Q = Knex | Knex.Transaction;

export interface WorkflowOptions {
  /** The clock; tests pass a controllable one. */
  now?: () => Date;
  /** Default SMTP server when the tenant's settings name none. */
  smtp?: SmtpSettings;
  webhookTimeoutMs?: number;
  /**
   * Hosts that outbound webhooks may reach even though they resolve to a private, loopback or
   * link-local address (platform-wide; tenants add theirs in `settings.webhookAllowHosts`).
   * Empty by default: every such address is refused.
   */
  webhookAllowHosts?: string[];
  /** Largest webhook answer read, in bytes. */
  webhookMaxBytes?: number;
  /** Attempts of an action run before it is reported as failed. */
  maxAttempts?: number;
  /** Seconds between scheduler ticks (SLA sweep and cron rules). */
  tickSeconds?: number;
  /** Record events evaluated together per handler call (1 turns batching off). */
  eventBatch?: number;
}

export interface TenantCtx {
  tenant: string;
  tenantId: string;
  schema: string;
  knex: Knex;
  registry: Registry;
  /** The tenant's time zone (its settings): which day a moment falls on, e.g. for "manager on a day". */
  timeZone: string;
  /** The workflow module's data port: its audit entries go through it. */
  port: DataPort;
}

export interface WorkflowSettings {
  timezone?: string;
  locale?: string;
  smtp?: SmtpSettings;
  /** Webhook signing secrets by name; never returned by the API. */
  secrets?: Record<string, string>;
  /** Hosts (`name` or `name:port`) this tenant's webhooks may reach on private addresses. */
  webhookAllowHosts?: string[];
  /** Which approval flow gates each non-record subject (target plan versions, periods, disputes). */
  subjectFlows?: Partial<Record<string, string>>;
}

/** The shared state and helpers of one workflow service over one store. */
export class Core {
  readonly store: Store;
  readonly opts: Required<Pick<WorkflowOptions, 'webhookTimeoutMs' | 'maxAttempts' | 'tickSeconds' | 'eventBatch'>> & WorkflowOptions;
  readonly now: () => Date;
  private readonly seeded = new Set<string>();
  onEnsure?: (t: TenantCtx) => Promise<void>;
  /** Set by the approvals engine; automation's start_flow action calls it. */
  startFlow?: StartFlow;
  /** Handlers of non-record approval subjects, by kind (registered by the modules that own them). */
  readonly subjects = new Map<string, SubjectHandler>();
  /** How messages reach users (inbox, email, …), registered by the modules that own them. */
  readonly channels = new NotificationChannels();

  constructor(store: Store, opts: WorkflowOptions = {}) {
    this.store = store;
    this.opts = { webhookTimeoutMs: 10_000, maxAttempts: 5, tickSeconds: 60, eventBatch: 50, ...opts };
    this.now = opts.now ?? (() => new Date());
  }

  /** The tenant's module tables (created on first use) and its current registry. */
  async tenant(tenant: string): Promise<TenantCtx> {
    const h: DataPort = await this.store.port(tenant, workflowModule);
    const registry = await this.store.registry(tenant);
    const { timeZone } = await this.store.tenants.settings(h.tenant);
    const ctx = { tenant: h.tenant, tenantId: h.tenantId, schema: h.schema, knex: h.knex, registry, timeZone, port: h };
    if (!this.seeded.has(h.tenantId)) {
      this.seeded.add(h.tenantId);
      await this.onEnsure?.(ctx);
    }
    return ctx;
  }

  table(q: Q, t: TenantCtx, name: (typeof T)[keyof typeof T]): Knex.QueryBuilder {
    return q.withSchema(t.schema).table(name);
  }

  qualified(t: TenantCtx, name: string): string {
    return `${quoteIdent(t.schema)}.${quoteIdent(name)}`;
  }

  flow(t: TenantCtx, name: string): ApprovalFlowDoc {
    const flow = t.registry.documentsOf('approval_flow').find((f) => f.name === name);
    if (!flow) throw new WorkflowError('not_found', `There is no approval flow named "${String(name).slice(0, 64)}"`);
    return flow;
  }

  automations(t: TenantCtx): AutomationDoc[] {
    return t.registry.documentsOf('automation').filter((a) => a.active !== false);
  }

  /** An append-only audit entry in the store's log, in the caller's transaction. */
  async audit(q: Q, t: TenantCtx, e: { actor: Actor; action: string; object: string; recordId: string; after: unknown }): Promise<void> {
    await t.port.audit({ ...e, revision: t.registry.revision }, q);
  }

  /** Options of the SSRF guard for this tenant's outbound webhooks. */
  outbound(settings: WorkflowSettings): { timeoutMs: number; allowHosts: string[]; maxBytes?: number } {
    const allowHosts = [...(this.opts.webhookAllowHosts ?? []), ...(Array.isArray(settings.webhookAllowHosts) ? settings.webhookAllowHosts.filter((h) => typeof h === 'string') : [])];
    return { timeoutMs: this.opts.webhookTimeoutMs, allowHosts, ...(this.opts.webhookMaxBytes ? { maxBytes: this.opts.webhookMaxBytes } : {}) };
  }

  async settings(q: Q, t: TenantCtx): Promise<WorkflowSettings> {
    const rows = (await this.table(q, t, T.settings).select('key', 'value')) as Array<{ key: string; value: unknown }>;
    const out: Record<string, unknown> = {};
    for (const r of rows) out[r.key] = r.value;
    return out as WorkflowSettings;
  }

  async saveSettings(t: TenantCtx, patch: WorkflowSettings): Promise<void> {
    await t.knex.transaction(async (trx) => {
      for (const [key, value] of Object.entries(patch)) {
        if (value === undefined) continue;
        await this.table(trx, t, T.settings)
          .insert({ key, value: JSON.stringify(value) })
          .onConflict('key')
          .merge(['value']);
      }
    });
  }

  /** A record's title for messages, in the recipient's language where the label is translated. */
  objectLabel(t: TenantCtx, object: string, locale = 'en'): string {
    const o = t.registry.object(object);
    return o ? pickLabel(o.label, locale, object) : object;
  }

  async record(q: Q, t: TenantCtx, object: string, id: string): Promise<Record<string, unknown> | undefined> {
    const o = t.registry.object(object);
    if (!o) throw new WorkflowError('not_found', `There is no object named "${object.slice(0, 64)}"`);
    const row = (await q.withSchema(t.schema).from(o.table).where('id', id).whereNull('deleted_at').first()) as Record<string, unknown> | undefined;
    return row;
  }

  titleOf(t: TenantCtx, object: string, record: Record<string, unknown> | undefined): string {
    const o = t.registry.object(object);
    const v = o && record ? record[o.titleField] : undefined;
    return v === undefined || v === null ? String(record?.id ?? '') : String(v);
  }
}

export const SYSTEM = (label: string): Actor => ({ userId: null, label });

/** The transaction to enqueue jobs in, when `q` is one. */
export const trxOf = (q: Q): Knex.Transaction | undefined => ((q as Knex.Transaction).isTransaction ? (q as Knex.Transaction) : undefined);

export type StartFlow = (t: TenantCtx, flow: string, recordId: string, submitterId: string | null, actor: Actor) => Promise<void>;
