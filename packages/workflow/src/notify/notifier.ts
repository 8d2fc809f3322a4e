// Renders a message per recipient and hands it to every registered channel the sender asked for
// and the user has not turned off; each channel writes in the caller's transaction, so a message
// exists exactly when its cause does.
import { quoteIdent } from '@attain/meta';
import { uuidv7 } from '@attain/store';
import type { Core, Q, TenantCtx } from '../core.ts';
import { T } from '../module.ts';
import { renderTemplate, type Template } from './template.ts';

export { DELIVER_QUEUE } from './email-channel.ts';

export interface NotifyInput {
  userIds: string[];
  template: Template;
  vars: Record<string, unknown>;
  kind: string;
  object?: string | null;
  recordId?: string | null;
  /** Idempotency: the same key never notifies a user twice. */
  key?: string;
  /** Channels the sender asks for (every registered one when omitted); the user's preferences can turn each off. */
  channels?: string[];
}

export interface Preferences {
  /** Every registered channel, on unless the user turned it off. */
  channels: Record<string, boolean>;
  locale: string | null;
}

export async function preferencesOf(core: Core, q: Q, t: TenantCtx, userId: string): Promise<Preferences> {
  const row = (await core.table(q, t, T.preferences).where({ user_id: userId }).first()) as { channels: Record<string, unknown> | null; locale: string | null } | undefined;
  const channels = Object.fromEntries(core.channels.names().map((name) => [name, row?.channels?.[name] !== false]));
  return { channels, locale: row?.locale ?? null };
}

export async function notify(core: Core, q: Q, t: TenantCtx, input: NotifyInput): Promise<number> {
  const ids = [...new Set(input.userIds)];
  if (ids.length === 0) return 0;
  const user = t.registry.object('user');
  const cols = ['id', ...['name', 'email', 'locale'].filter((c) => t.registry.field('user', c))];
  const users = user
    ? (
        (await q.raw(`select ${cols.map((c) => quoteIdent(c)).join(', ')} from ${quoteIdent(t.schema)}.${quoteIdent(user.table)} where id = any(?::uuid[])`, [ids])) as {
          rows: Array<Record<string, unknown>>;
        }
      ).rows
    : [];
  const settings = await core.settings(q, t);
  const key = input.key ?? uuidv7();
  const channels = input.channels ? core.channels.list().filter((c) => input.channels?.includes(c.name)) : core.channels.list();
  let sent = 0;
  for (const u of users) {
    const id = u.id as string;
    const prefs = await preferencesOf(core, q, t, id);
    const locale = prefs.locale ?? (typeof u.locale === 'string' ? u.locale : null) ?? settings.locale ?? 'en';
    const vars = { ...input.vars, object: input.object ? core.objectLabel(t, input.object, locale) : '', recipient: u.name ?? '' };
    const message = renderTemplate(input.template, locale, vars);
    const recipient = { id, name: u.name, email: u.email, locale: u.locale };
    for (const channel of channels) {
      if (prefs.channels[channel.name] === false) continue;
      if (await channel.send({ core, q, t, key, user: recipient, message, kind: input.kind, object: input.object ?? null, recordId: input.recordId ?? null })) sent++;
    }
  }
  return sent;
}
