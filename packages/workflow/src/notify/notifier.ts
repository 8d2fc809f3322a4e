// In-app inbox and email: inbox rows are written in the caller's transaction; emails become
// durable delivery jobs in the same transaction, so a message exists exactly when its cause does.
import { quoteIdent } from '@attain/meta';
import { uuidv7 } from '@attain/store';
import { trxOf, type Core, type Q, type TenantCtx } from '../core.ts';
import { T } from '../module.ts';
import { renderTemplate, type Template } from './template.ts';

export const DELIVER_QUEUE = 'workflow.deliver';

export interface NotifyInput {
  userIds: string[];
  template: Template;
  vars: Record<string, unknown>;
  kind: string;
  object?: string | null;
  recordId?: string | null;
  /** Idempotency: the same key never notifies a user twice. */
  key?: string;
  /** Channels the sender asks for; the user's preferences can turn each off. */
  channels?: Array<'inbox' | 'email'>;
}

export interface Preferences {
  channels: { inbox: boolean; email: boolean };
  locale: string | null;
}

export async function preferencesOf(core: Core, q: Q, t: TenantCtx, userId: string): Promise<Preferences> {
  const row = (await core.table(q, t, T.preferences).where({ user_id: userId }).first()) as { channels: Preferences['channels']; locale: string | null } | undefined;
  return { channels: { inbox: row?.channels?.inbox !== false, email: row?.channels?.email !== false }, locale: row?.locale ?? null };
}

export async function notify(core: Core, q: Q, t: TenantCtx, input: NotifyInput): Promise<number> {
  const ids = [...new Set(input.userIds)];
  if (ids.length === 0) return 0;
  const user = t.registry.object('user');
  const cols = ['id', ...['name', 'email', 'locale'].filter((c) => t.registry.field('user', c))];
  const users = user
    ? ((await q.raw(`select ${cols.map((c) => quoteIdent(c)).join(', ')} from ${quoteIdent(t.schema)}.${quoteIdent(user.table)} where id = any(?::uuid[])`, [ids])) as { rows: Array<Record<string, unknown>> }).rows
    : [];
  const settings = await core.settings(q, t);
  const key = input.key ?? uuidv7();
  const wanted = new Set(input.channels ?? ['inbox', 'email']);
  let sent = 0;
  for (const u of users) {
    const id = u.id as string;
    const prefs = await preferencesOf(core, q, t, id);
    const locale = prefs.locale ?? (typeof u.locale === 'string' ? u.locale : null) ?? settings.locale ?? 'en';
    const vars = { ...input.vars, object: input.object ? core.objectLabel(t, input.object, locale) : '', recipient: u.name ?? '' };
    const msg = renderTemplate(input.template, locale, vars);
    if (wanted.has('inbox') && prefs.channels.inbox) {
      await core
        .table(q, t, T.inbox)
        .insert({ id: uuidv7(), user_id: id, title: msg.title, body: msg.body, object: input.object ?? null, record_id: input.recordId ?? null, kind: input.kind, key: `${key}:${id}`, created_at: core.now() })
        .onConflict('key')
        .ignore();
      sent++;
    }
    if (wanted.has('email') && prefs.channels.email && typeof u.email === 'string' && u.email) {
      await core.store.jobs.enqueue(
        { queue: DELIVER_QUEUE, tenant: t.tenant, key: `${t.tenantId}:${key}:${id}:email`, payload: { tenant: t.tenant, channel: 'email', to: u.email, subject: msg.title, text: msg.body }, maxAttempts: core.opts.maxAttempts },
        trxOf(q),
      );
      sent++;
    }
  }
  return sent;
}
