// ERP and finance events received this month that failed (an unknown order, bad data): per event
// type, with the latest refusal. A failed event retried successfully with the same id is no longer
// failed, so it is not listed.
import { integrationsTables } from '../../integrations/tables.ts';
import { group, type ErrorSource } from './source.ts';

/** The most failed events one report reads (newest first). */
export const INBOUND_CAP = 1000;

export const inboundEventsSource: ErrorSource = {
  id: 'inbound_events',
  label: { en: 'Inbound events (ERP, finance)', 'zh-CN': '接收的事件（ERP、财务）' },
  async collect(ctx) {
    const port = await ctx.store.port(ctx.tenant, integrationsTables);
    const events = (await port
      .table('inbound')
      .where('status', 'failed')
      .where('updated_at', '>=', ctx.from)
      .where('updated_at', '<', ctx.to)
      .orderBy('updated_at', 'desc')
      .limit(INBOUND_CAP)
      .select('type', 'result', 'updated_at')) as Array<{ type: string; result: string | null; updated_at: Date | string }>;
    return group(events.map((e) => ({ key: e.type, at: new Date(e.updated_at), error: e.result })));
  },
};
