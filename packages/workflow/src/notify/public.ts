// The notification API other modules use: a message to users, into their in-app inbox and the
// channels they prefer (the registered ones: email, …), in their language; idempotent per key. Goals alerts come
// through `alertNotifier`, which fits the engine's `AlertNotifier` port without importing it.
import type { Label } from '@attain/meta';
import { uuidv7 } from '@attain/store';
import type { Knex } from 'knex';
import type { Workflow } from '../workflow.ts';
import { notify as deliver } from './notifier.ts';
import type { Template } from './template.ts';

export interface NotifyMessage {
  /** Recipients (user ids). */
  to: readonly string[];
  /** A template with `{{placeholders}}` filled from `vars`, per locale. */
  template: Template;
  vars?: Record<string, unknown>;
  /** What the message is about, for the inbox (e.g. `goal_alert`). */
  kind: string;
  object?: string | null;
  recordId?: string | null;
  /** Idempotency: a key never notifies the same user twice. */
  key?: string;
  /** Channels the sender asks for; each user's preferences can turn any off. */
  channels?: string[];
}

export const NOTIFY_QUEUE = 'workflow.notify';

/**
 * Notifies users of a tenant. Without `db` the inbox rows and email jobs are written at once.
 * With `db` (a transaction of the caller, on the store's database) a durable delivery job is
 * enqueued in it instead, so the message exists exactly when the caller's change commits, and
 * nothing inside the caller's transaction has to wait for another connection.
 */
export async function notifyUsers(wf: Workflow, tenant: string, message: NotifyMessage, db?: Knex | Knex.Transaction): Promise<number> {
  const userIds = message.to.filter((u) => typeof u === 'string' && /^[0-9a-f-]{36}$/i.test(u));
  if (userIds.length === 0) return 0;
  const key = message.key ?? uuidv7();
  const clean: NotifyMessage = { ...message, to: userIds, key };
  if (db) {
    const trx = (db as Knex.Transaction).isTransaction ? (db as Knex.Transaction) : undefined;
    await wf.core.store.jobs.enqueue({ queue: NOTIFY_QUEUE, tenant, key: `notify:${tenant}:${key}`.slice(0, 500), payload: { tenant, message: clean }, maxAttempts: wf.core.opts.maxAttempts }, trx);
    return userIds.length;
  }
  const t = await wf.tenant(tenant);
  return deliver(wf.core, t.knex, t, {
    userIds,
    template: clean.template,
    vars: clean.vars ?? {},
    kind: clean.kind,
    object: clean.object ?? null,
    recordId: clean.recordId ?? null,
    key,
    ...(clean.channels ? { channels: clean.channels } : {}),
  });
}

const ALERT_TEMPLATES: Record<string, Template> = {
  pacing_below: {
    title: { en: 'Behind pace: {{person}} on {{kpi}} ({{period}})', 'zh-CN': '进度落后：{{person}} — {{kpi}}（{{period}}）' },
    body: {
      en: '{{person}} is at {{pacingPct}}% of the expected pace for {{kpi}} in {{period}} (alert below {{thresholdPct}}%): {{actual}} against {{expected}} expected to date.',
      'zh-CN': '{{person}} 在 {{period}} 的 {{kpi}} 仅达到预期进度的 {{pacingPct}}%（低于 {{thresholdPct}}% 时提醒）：实际 {{actual}}，截至今日预期 {{expected}}。',
    },
  },
  no_activity: {
    title: { en: 'No activity: {{person}} on {{kpi}}', 'zh-CN': '无活动：{{person}} — {{kpi}}' },
    body: { en: '{{person}} has logged no {{kpi}} for {{days}} days (last: {{lastOrNever}}).', 'zh-CN': '{{person}} 已 {{days}} 天没有记录 {{kpi}}（上次：{{lastOrNever}}）。' },
  },
};

/** The shape of the engine's goal alert (kept structural: workflow sits below the engine). */
export interface AlertNoticeLike {
  tenant: string;
  key: string;
  rule: string;
  kind: string;
  subjectId: string;
  to: string[];
  params: Record<string, string | number>;
}

/**
 * A goals `AlertNotifier` that delivers through the workflow notifications (inbox + preferred
 * channels), in the firing's transaction; `also` runs another notifier too (e.g. the goals
 * module's own in-app notices that its screens read).
 */
export function alertNotifier<C extends { tenant: string }>(wf: Workflow, opts: { also?: { notify(ctx: C, notice: AlertNoticeLike, db: Knex | Knex.Transaction): Promise<void> } } = {}) {
  return {
    async notify(ctx: C, notice: AlertNoticeLike, db: Knex | Knex.Transaction): Promise<void> {
      await opts.also?.notify(ctx, notice, db);
      const p = notice.params;
      const pct = (v: unknown) => (typeof v === 'number' ? String(Math.round(v * 1000) / 10) : '');
      const template = ALERT_TEMPLATES[notice.kind] ?? { title: { en: 'Goal alert: {{rule}}', 'zh-CN': '目标提醒：{{rule}}' } as Label };
      await notifyUsers(
        wf,
        notice.tenant,
        {
          to: notice.to,
          template,
          vars: { ...p, rule: notice.rule, pacingPct: pct(p.pacing), thresholdPct: pct(p.threshold), lastOrNever: p.last || 'never' },
          kind: 'goal_alert',
          key: `goal:${notice.key}`,
        },
        db,
      );
    },
  };
}

/**
 * An approval gateway over the workflow (the engine's `ApprovalGateway` port): a subject goes to
 * the tenant's flow for its kind when one is configured, else `manual` (the module's own rule).
 */
export function approvalGateway(wf: Workflow) {
  return {
    async submit(request: { tenant: string; subject: { kind: string; id: string; label?: string }; requestedBy: string | null; comment?: string | null }): Promise<{ ref: string } | 'manual'> {
      const t = await wf.tenant(request.tenant);
      if (!(await wf.approvals.flowForSubject(t, request.subject.kind))) return 'manual';
      const inst = await wf.approvals.submitSubject(t, request.subject, { userId: request.requestedBy }, { comment: request.comment ?? null });
      return { ref: inst.id };
    },
    /** The pending approval of a subject, if any (a manual decision must then wait for it). */
    async pending(tenant: string, kind: string, id: string): Promise<string | undefined> {
      const t = await wf.tenant(tenant);
      const { instances } = await wf.approvals.forSubject(t, kind, id);
      return instances.find((i) => i.status === 'pending' || i.status === 'returned')?.id;
    },
  };
}
