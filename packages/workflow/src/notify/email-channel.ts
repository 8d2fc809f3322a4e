import { trxOf, type Core } from '../core.ts';
import type { NotificationChannel } from './channel.ts';
import { sendEmail, type MailAttachment, type SmtpSettings } from './email.ts';

export const DELIVER_QUEUE = 'workflow.deliver';

/**
 * Email: a durable delivery job enqueued in the notifying transaction (so a message exists exactly
 * when its cause does), sent by the job over the tenant's SMTP server or the platform's.
 */
export const emailChannel: NotificationChannel = {
  name: 'email',
  async send({ core, q, t, key, user, message }) {
    if (typeof user.email !== 'string' || !user.email) return false;
    await core.store.jobs.enqueue(
      {
        queue: DELIVER_QUEUE,
        tenant: t.tenant,
        key: `${t.tenantId}:${key}:${user.id}:email`,
        payload: { tenant: t.tenant, channel: 'email', to: user.email, subject: message.title, text: message.body },
        maxAttempts: core.opts.maxAttempts,
      },
      trxOf(q),
    );
    return true;
  },
  async deliver(core, payload) {
    const p = payload as { tenant: string; to: string; subject: string; text: string };
    if (!(await sendTenantEmail(core, p.tenant, { to: p.to, subject: p.subject, text: p.text }))) return { skipped: 'no SMTP server is configured' };
    return { sent: p.to };
  },
};

/**
 * Sends one message over the tenant's SMTP server or the platform's; false when neither is
 * configured. A tenant's own server is guarded like its webhooks; the platform's is the operator's choice.
 */
export async function sendTenantEmail(core: Core, tenant: string, mail: { to: string | string[]; subject: string; text: string; attachments?: MailAttachment[] }): Promise<boolean> {
  const t = await core.tenant(tenant);
  const settings = await core.settings(t.knex, t);
  const smtp: SmtpSettings | undefined = settings.smtp ?? core.opts.smtp;
  if (!smtp) return false;
  const guard = settings.smtp ? { allowHosts: core.outbound(settings).allowHosts } : undefined;
  await sendEmail(smtp, mail, guard);
  return true;
}
