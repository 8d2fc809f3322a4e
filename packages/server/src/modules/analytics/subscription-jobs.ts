// Each subscription is a chain of durable jobs on the queue: one job per run (key
// `dashboard-sub:<id>:<time>`, so two nodes never double it), at the schedule's next time on the
// tenant's clock. A run renders the dashboard with the OWNER's access (never wider), sends it,
// records `lastRun`/`lastError` on the row and enqueues the next run, whether it sent or failed.
import { tenantCalendar } from '@attain/engine';
import type { BackgroundModule } from '@attain/store';
import { sendTenantEmail, sendWebhook, workflowFor } from '@attain/workflow';
import type { Store } from '../../store-port.ts';
import { renderDashboard, type RenderedSnapshot } from './dashboard-export.ts';
import { ownerAccess } from './owner-access.ts';
import { robotRequests } from './robot-message.ts';
import { nextRun } from './subscription-schedule.ts';
import { deleteSubscription, recordRun, saveLink, subscription, type Subscription } from './subscription-store.ts';
import { visibleDashboard } from './dashboard-visible.ts';
import type { AccessContext } from '../../rbac/context.ts';

export const SUBSCRIPTION_QUEUE = 'analytics.subscription.send';
/** How long a robot's snapshot link works. */
export const LINK_TTL_MS = 7 * 24 * 3_600_000;

export interface SubscriptionJobOptions {
  /** The clock; tests drive runs with a fixed one. */
  now?: () => Date;
}

/** Enqueues the run after `after` and notes it on the row; answers its time. */
export async function scheduleSubscription(store: Store, tenant: string, sub: Pick<Subscription, 'id' | 'schedule'>, after: Date): Promise<Date> {
  const cal = await tenantCalendar(store, tenant);
  const runAt = nextRun(sub.schedule, cal.timeZone, after);
  await store.jobs.enqueue({ queue: SUBSCRIPTION_QUEUE, tenant, key: `dashboard-sub:${sub.id}:${runAt.toISOString()}`, payload: { tenant, id: sub.id }, runAt, maxAttempts: 3 });
  return runAt;
}

/** The recipients' addresses, read through the owner's own scope on users (one they may not read gets nothing). */
async function recipientEmails(access: AccessContext, ids: string[]): Promise<string[]> {
  const users = (await access.grant('user', 'read')).service;
  const out: string[] = [];
  for (const id of ids) {
    const u = await users.get('user', id).catch(() => undefined);
    if (u && u.active !== false && typeof u.email === 'string' && u.email) out.push(u.email);
  }
  return out;
}

async function deliver(store: Store, tenant: string, sub: Subscription, access: AccessContext, file: RenderedSnapshot, now: Date): Promise<void> {
  const wf = workflowFor(store);
  const locale = typeof access.principal.user.locale === 'string' ? access.principal.user.locale : 'en';
  if (sub.channel === 'email') {
    const to = await recipientEmails(access, sub.recipients);
    if (!to.length) throw new Error('no recipient the owner may read has an email address');
    const zh = locale === 'zh-CN';
    const sent = await sendTenantEmail(wf.core, tenant, {
      to,
      subject: file.title,
      text: zh ? `附件是仪表板「${file.title}」的快照（${file.filename}）。` : `Attached: a snapshot of the dashboard "${file.title}" (${file.filename}).`,
      attachments: [{ filename: file.filename, content: file.bytes, contentType: file.contentType }],
    });
    if (!sent) throw new Error('no SMTP server is configured');
    return;
  }
  const robot = sub.robot;
  if (!robot) throw new Error('the subscription has no robot');
  const token = await saveLink(store, tenant, sub.id, file, now, LINK_TTL_MS);
  const url = `${sub.linkBase ?? ''}/api/v1/analytics/snapshots/${token}`;
  const notice = {
    subscriptionId: sub.id,
    dashboard: sub.dashboard,
    title: file.title,
    format: sub.format,
    url,
    expiresAt: new Date(now.getTime() + LINK_TTL_MS).toISOString(),
    takenAt: now.toISOString(),
    bytes: file.bytes,
    locale,
  };
  const t = await wf.tenant(tenant);
  const outbound = wf.core.outbound(await wf.core.settings(t.knex, t));
  // The send-time SSRF guard of workflow webhooks, with the same allowlist.
  for (const req of robotRequests(robot.format, robot.url, robot.secret, notice, now)) await sendWebhook(robot.format, req, outbound);
}

/** One run: render as the owner, send, record the outcome, enqueue the next. */
export async function runSubscription(store: Store, tenant: string, id: string, now: Date): Promise<{ sent: boolean; error?: string } | { skipped: string }> {
  const sub = await subscription(store, tenant, id);
  if (!sub) return { skipped: 'the subscription was deleted' };
  let error: string | null = null;
  try {
    const access = await ownerAccess(store, tenant, sub.ownerId);
    // A dashboard removed from the metadata (or no longer shared with the owner) ends its
    // subscriptions, audited, instead of failing at every run from now on.
    if (!(await visibleDashboard(store, access, sub.dashboard))) {
      await deleteSubscription(store, tenant, sub.id, { userId: null, label: 'subscription run: the dashboard is gone' });
      return { skipped: 'the dashboard is gone or no longer shared with its owner; the subscription was cancelled' };
    }
    const file = await renderDashboard(store, access, sub.dashboard, { format: sub.format, filters: sub.filters, now });
    await deliver(store, tenant, sub, access, file, now);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  const next = await scheduleSubscription(store, tenant, sub, now);
  await recordRun(store, tenant, id, { at: now, error, next });
  return error === null ? { sent: true } : { sent: false, error };
}

export function subscriptionBackground(store: Store, opts: SubscriptionJobOptions = {}): BackgroundModule {
  return {
    name: 'analytics',
    handlers: {
      [SUBSCRIPTION_QUEUE]: async (job) => {
        const p = job.payload as { tenant?: unknown; id?: unknown };
        if (typeof p.tenant !== 'string' || typeof p.id !== 'string') return { skipped: 'bad payload' };
        return runSubscription(store, p.tenant, p.id, (opts.now ?? (() => new Date()))());
      },
    },
  };
}
