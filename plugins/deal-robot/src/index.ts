import { definePlugin } from 'attain:sdk';
import { robotAccepted, robotRequest, type Platform } from './messages.ts';

interface Settings {
  platform: Platform;
  webhookUrl: string;
  secret?: string;
  minAmount?: number;
}

const WON = 'closed_won';

/**
 * After an opportunity is saved as won (it was not before), tells the sales group. Runs as a
 * durable job: a robot that is down or answers with an error code makes the hook throw, and the
 * job is retried with backoff.
 */
export default definePlugin<Settings>({
  hooks: {
    'afterUpdate:opportunity': async (event, attain) => {
      const after = event.record ?? {};
      if (after.stage !== WON || event.before?.stage === WON) return { posted: false };
      if (Number(after.amount ?? 0) < (attain.settings.minAmount ?? 0)) return { posted: false };
      const customer = typeof after.customer_id === 'string' ? await attain.records.get('customer', after.customer_id) : null;
      const owner = typeof after.owner_id === 'string' ? await attain.records.get('user', after.owner_id) : null;
      const deal = {
        name: String(after.name ?? 'a deal'),
        amount: `${String(after.amount ?? '')} ${String(after.currency ?? '')}`.trim(),
        customer: String(customer?.name ?? '-'),
        owner: String(owner?.name ?? '-'),
      };
      const req = robotRequest(attain.settings.platform, attain.settings.webhookUrl, deal, attain.settings.secret, Date.now());
      const res = await attain.fetch(req.url, { method: 'POST', json: req.body });
      if (!res.ok || !robotAccepted(res.json)) throw new Error(`the ${attain.settings.platform} robot did not accept the message (HTTP ${res.status}: ${res.body.slice(0, 200)})`);
      attain.log('posted won deal', deal.name);
      return { posted: true };
    },
  },
});
