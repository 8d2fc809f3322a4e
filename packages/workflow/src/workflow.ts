import type { ApprovalFlowDoc, AutomationDoc, Registry, WorkflowActionDoc } from '@attain/meta';
import { smtpHostProblem, webhookDocProblems, type OutboundProblem } from './notify/save-check.ts';
import type { BackgroundModule, Job, Store } from '@attain/store';
import { CronExpressionParser } from 'cron-parser';
import { Approvals } from './approvals.ts';
import { handleEvents, runSchedules } from './automation.ts';
import { checkCondition } from './conditions.ts';
import { Core, type TenantCtx, type WorkflowOptions } from './core.ts';
import { WorkflowError, type WorkflowErrorDetail } from './errors.ts';
import { lockGuard } from './locks.ts';
import { T } from './module.ts';
import type { NotificationChannel } from './notify/channel.ts';
import { DELIVER_QUEUE, emailChannel } from './notify/email-channel.ts';
import { inboxChannel } from './notify/inbox-channel.ts';
import { preferencesOf, type Preferences } from './notify/notifier.ts';
import { executeRun, RUN_QUEUE } from './runs.ts';
import { isRecordFlow, type SubjectHandler } from './subjects.ts';
import { NOTIFY_QUEUE, notifyUsers, type NotifyMessage } from './notify/public.ts';

export const EVENT_CONSUMER = 'workflow';
/** The channels the workflow module ships and registers. */
export const WORKFLOW_CHANNELS: readonly NotificationChannel[] = [inboxChannel, emailChannel];
export const TICK_QUEUE = 'workflow.tick';

/**
 * Approval flows, automation rules and notifications over one store. Every node builds one; all
 * state is in PostgreSQL, and the store's job queue makes each job run once across nodes.
 */
export class Workflow {
  readonly core: Core;
  readonly approvals: Approvals;

  constructor(store: Store, opts: WorkflowOptions = {}) {
    this.core = new Core(store, opts);
    this.approvals = new Approvals(this.core);
    store.writeGuards.register('workflow.locks', lockGuard());
    this.core.onEnsure = (t) => this.seedTick(t);
    // The workflow's own channels; a bare service (tests, the CLI) notifies through them too.
    for (const channel of WORKFLOW_CHANNELS) this.core.channels.register(channel);
  }

  /** Adds a module's notification channel (the same channel twice is one registration). */
  registerChannel(channel: NotificationChannel): void {
    this.core.channels.register(channel);
  }

  channelNames(): string[] {
    return this.core.channels.names();
  }

  /** Registers the handler of a non-record approval subject kind (one per kind; the last wins). */
  registerSubject(kind: string, handler: SubjectHandler): void {
    if (kind === 'record') throw new Error('records are the built-in subject');
    this.core.subjects.set(kind, handler);
  }

  tenant(name: string): Promise<TenantCtx> {
    return this.core.tenant(name);
  }

  /** Subscriptions and queue handlers for the background job runner. */
  background(): BackgroundModule {
    return {
      name: 'workflow',
      subscriptions: [{ consumer: EVENT_CONSUMER }],
      handlers: {
        [`event:${EVENT_CONSUMER}`]: (job) => this.eventJob(job),
        [RUN_QUEUE]: (job) => this.runJob(job),
        [DELIVER_QUEUE]: (job) => this.deliverJob(job),
        [TICK_QUEUE]: (job) => this.tickJob(job),
        [NOTIFY_QUEUE]: async (job) => {
          const p = job.payload as { tenant: string; message: NotifyMessage };
          return { sent: await notifyUsers(this, p.tenant, p.message) };
        },
      },
    };
  }

  /**
   * One event job, plus up to `eventBatch - 1` more due ones claimed (leased, skip-locked) from
   * the same queue, evaluated together: the runner calls handlers one at a time, so batching
   * here is what turns 100 rules × N changes into one statement per batch.
   */
  async eventJob(job: Job): Promise<unknown> {
    const extra = this.core.opts.eventBatch > 1 ? await this.core.store.jobs.claim([job.queue], { limit: this.core.opts.eventBatch - 1, leaseMs: 120_000 }) : [];
    let results: Array<{ matched: string[] }>;
    try {
      results = await handleEvents(this.core, [job, ...extra]);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      for (const x of extra) await this.core.store.jobs.fail(x.id, message, new Date(Date.now() + 1000 * 2 ** Math.min(x.attempts, 10)));
      throw error;
    }
    for (const [i, x] of extra.entries()) await this.core.store.jobs.complete(x.id, results[i + 1] ?? null);
    return results[0];
  }

  async runJob(job: Job): Promise<unknown> {
    const p = job.payload as { tenant: string; key: string };
    const t = await this.core.tenant(p.tenant);
    return executeRun(this.core, t, p.key, { final: job.attempts >= job.maxAttempts });
  }

  async deliverJob(job: Job): Promise<unknown> {
    const p = job.payload as { channel?: string };
    const channel = this.core.channels.get(p.channel ?? 'email');
    if (!channel?.deliver) return { skipped: `no channel "${String(p.channel)}" delivers jobs` };
    return channel.deliver(this.core, job.payload as Record<string, unknown>);
  }

  /** SLA sweep and cron schedules of one tenant, as of the clock's now. */
  async tick(tenant: string): Promise<{ reminded: number; escalated: number; fired: string[] }> {
    const t = await this.core.tenant(tenant);
    const sla = await this.approvals.sweep(t);
    const fired = await runSchedules(this.core, t);
    return { ...sla, fired };
  }

  private async tickJob(job: Job): Promise<unknown> {
    const { tenant } = job.payload as { tenant: string };
    const result = await this.tick(tenant);
    await this.seedTick(await this.core.tenant(tenant), 1);
    return result;
  }

  /** Ticks chain themselves, one job per tenant and period; keys keep nodes from doubling them. */
  private async seedTick(t: TenantCtx, ahead = 0): Promise<void> {
    const period = this.core.opts.tickSeconds * 1000;
    const at = new Date((Math.floor(Date.now() / period) + ahead) * period);
    await this.core.store.jobs.enqueue({ queue: TICK_QUEUE, tenant: t.tenant, key: `tick:${t.tenantId}:${at.toISOString()}`, payload: { tenant: t.tenant }, runAt: at, maxAttempts: 3 });
  }

  // --- notifications -------------------------------------------------------------------------

  async notifications(tenant: string, userId: string, opts: { unread?: boolean; limit?: number } = {}): Promise<{ data: Array<Record<string, unknown>>; unread: number }> {
    const t = await this.core.tenant(tenant);
    const qb = this.core
      .table(t.knex, t, T.inbox)
      .where({ user_id: userId })
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(Math.min(opts.limit ?? 50, 200));
    if (opts.unread) qb.whereNull('read_at');
    const data = (await qb.select('id', 'title', 'body', 'object', 'record_id', 'kind', 'created_at', 'read_at')) as Array<Record<string, unknown>>;
    return { data, unread: await this.unreadCount(tenant, userId) };
  }

  async unreadCount(tenant: string, userId: string): Promise<number> {
    const t = await this.core.tenant(tenant);
    const row = (await this.core.table(t.knex, t, T.inbox).where({ user_id: userId }).whereNull('read_at').count({ c: '*' }).first()) as { c: unknown };
    return Number(row.c);
  }

  async markRead(tenant: string, userId: string, ids: string[] | 'all'): Promise<number> {
    const t = await this.core.tenant(tenant);
    const qb = this.core.table(t.knex, t, T.inbox).where({ user_id: userId }).whereNull('read_at');
    if (ids !== 'all') qb.whereIn('id', ids);
    return Number(await qb.update({ read_at: this.core.now() }));
  }

  async preferences(tenant: string, userId: string): Promise<Preferences> {
    const t = await this.core.tenant(tenant);
    return preferencesOf(this.core, t.knex, t, userId);
  }

  async setPreferences(tenant: string, userId: string, prefs: { channels?: Record<string, boolean>; locale?: string | null }): Promise<void> {
    const t = await this.core.tenant(tenant);
    const current = await this.preferences(tenant, userId);
    const channels = { ...current.channels, ...(prefs.channels ?? {}) };
    const locale = prefs.locale === undefined ? current.locale : prefs.locale;
    await this.core
      .table(t.knex, t, T.preferences)
      .insert({ user_id: userId, channels: JSON.stringify(channels), locale })
      .onConflict('user_id')
      .merge(['channels', 'locale']);
  }

  /** Checks every flow's and rule's formulas and crons against the tenant's registry. */
  async check(tenant: string): Promise<WorkflowErrorDetail[]> {
    return checkWorkflowDocs((await this.core.tenant(tenant)).registry);
  }

  /**
   * Why webhook URLs in these documents, or an SMTP server, may not be saved for the tenant:
   * the send-time SSRF guard with the same allowlist (the operator's and the tenant's).
   */
  async outboundProblems(tenant: string, what: { docs?: readonly unknown[]; pathOf?: (index: number) => string; smtp?: { host: string; port: number } }): Promise<OutboundProblem[]> {
    const kinds = new Set((what.docs ?? []).map((d) => (d && typeof d === 'object' ? (d as { kind?: unknown }).kind : undefined)));
    if (!what.smtp && !kinds.has('automation') && !kinds.has('approval_flow')) return [];
    const t = await this.core.tenant(tenant);
    const { allowHosts } = this.core.outbound(await this.core.settings(t.knex, t));
    const problems = what.docs ? await webhookDocProblems(what.docs, allowHosts, what.pathOf ?? ((i) => `/${i}`)) : [];
    const smtp = what.smtp ? await smtpHostProblem(what.smtp, '/smtp/host', allowHosts) : undefined;
    return smtp ? [...problems, smtp] : problems;
  }
}

const services = new WeakMap<Store, Workflow>();

/** The one workflow service of a store (created on first use with the given options). */
export function workflowFor(store: Store, opts: WorkflowOptions = {}): Workflow {
  let w = services.get(store);
  if (!w) {
    w = new Workflow(store, opts);
    services.set(store, w);
  }
  return w;
}

/** Formulas and crons of every flow and rule, checked against a registry (before it is applied). */
export function checkWorkflowDocs(registry: Registry): WorkflowErrorDetail[] {
  {
    const t = { registry };
    const problems: WorkflowErrorDetail[] = [];
    const formula = (object: string, source: string | undefined, path: string) => {
      if (!source) return;
      try {
        checkCondition(t.registry, object, source, path);
      } catch (error) {
        if (error instanceof WorkflowError) problems.push(...error.details.map((d) => ({ ...d, message: `${path}: ${d.message}` })));
        else throw error;
      }
    };
    // `=formula` values of update/create actions are evaluated on the triggering record.
    const actions = (object: string | undefined, list: WorkflowActionDoc[] | undefined, path: string) => {
      if (!object) return;
      (list ?? []).forEach((a, i) => {
        for (const [field, v] of Object.entries(a.set ?? {})) if (typeof v === 'string' && v.startsWith('=')) formula(object, v.slice(1), `${path}/${i}/set/${field}`);
      });
    };
    for (const f of t.registry.documentsOf('approval_flow') as ApprovalFlowDoc[]) {
      // Flows on other subjects have no record to evaluate formulas on (the registry refuses them).
      const object = f.object;
      if (!object || !isRecordFlow(f)) continue;
      formula(object, f.entryCondition, `approval_flow "${f.name}" /entryCondition`);
      f.steps.forEach((s, i) => formula(object, s.condition, `approval_flow "${f.name}" /steps/${i}/condition`));
      actions(object, f.onApprove, `approval_flow "${f.name}" /onApprove`);
      actions(object, f.onReject, `approval_flow "${f.name}" /onReject`);
    }
    for (const r of t.registry.documentsOf('automation') as AutomationDoc[]) {
      actions(r.object, r.actions, `automation "${r.name}" /actions`);
      if (r.object) {
        formula(r.object, r.condition, `automation "${r.name}" /condition`);
        formula(r.object, r.trigger.previous, `automation "${r.name}" /trigger/previous`);
      }
      if (r.trigger.cron) {
        try {
          CronExpressionParser.parse(r.trigger.cron, { tz: r.trigger.timezone ?? 'UTC' });
        } catch (error) {
          problems.push({ path: `automation "${r.name}" /trigger/cron`, rule: 'cron', message: error instanceof Error ? error.message : 'invalid cron' });
        }
      }
    }
    return problems;
  }
}
