import { uuidv7 } from '@attain/store';
import { T } from '../module.ts';
import type { NotificationChannel } from './channel.ts';

/** The in-app inbox: a row per user, written in the notifying transaction, once per key. */
export const inboxChannel: NotificationChannel = {
  name: 'inbox',
  async send({ core, q, t, key, user, message, kind, object, recordId }) {
    await core
      .table(q, t, T.inbox)
      .insert({ id: uuidv7(), user_id: user.id, title: message.title, body: message.body, object, record_id: recordId, kind, key: `${key}:${user.id}`, created_at: core.now() })
      .onConflict('key')
      .ignore();
    return true;
  },
};
