// Outbound change events that used up their attempts this month and wait, as dead letters, for an
// admin to replay them: per object and event, with the latest error. A replayed delivery that
// arrived is no longer dead, so it is not listed.
import { integrationsTables } from '../../integrations/tables.ts';
import { group, type ErrorSource } from './source.ts';

/** The most dead letters one report reads (newest first). */
export const DEAD_LETTER_CAP = 1000;

export const deadLettersSource: ErrorSource = {
  id: 'dead_letters',
  label: { en: 'Outbound events not delivered (dead letters)', 'zh-CN': '未送达的外发事件（死信）' },
  async collect(ctx) {
    const port = await ctx.store.port(ctx.tenant, integrationsTables);
    const dead = (await port
      .table('delivery')
      .where('status', 'dead')
      .where('dead_at', '>=', ctx.from)
      .where('dead_at', '<', ctx.to)
      .orderBy('dead_at', 'desc')
      .limit(DEAD_LETTER_CAP)
      .select('object', 'event_type', 'last_error', 'dead_at')) as Array<{ object: string; event_type: string; last_error: string | null; dead_at: Date | string }>;
    return group(dead.map((d) => ({ key: `${d.object} ${d.event_type}`, at: new Date(d.dead_at), error: d.last_error })));
  },
};
