import { definePlugin } from 'attain:sdk';

interface Settings {
  serviceUrl: string;
  apiKey?: string;
  limit?: number;
}

interface Verdict {
  approved?: boolean;
  reason?: string;
}

/**
 * Orders up to the limit pass untouched. Above it, the credit-check service decides; when it
 * cannot be asked (down, error status) the order is refused too: an unchecked large order is
 * exactly what the plugin exists to stop.
 */
export default definePlugin<Settings>({
  hooks: {
    'beforeCreate:order': async (event, attain) => {
      const order = event.record ?? {};
      const amount = Number(order.amount ?? 0);
      const limit = attain.settings.limit ?? 100000;
      if (!(amount > limit)) return;
      const customerId = typeof order.customer_id === 'string' ? order.customer_id : '';
      const customer = customerId ? await attain.records.get('customer', customerId) : null;
      const name = typeof customer?.name === 'string' ? customer.name : 'this customer';
      const headers: Record<string, string> = {};
      if (attain.settings.apiKey) headers.authorization = `Bearer ${attain.settings.apiKey}`;
      let res;
      try {
        res = await attain.fetch(attain.settings.serviceUrl, {
          method: 'POST',
          headers,
          json: { customerId, customerName: name, amount: String(order.amount), currency: order.currency ?? null },
        });
      } catch (error) {
        attain.log('credit check unreachable', String(error));
        return { refuse: `The credit check for ${name} could not be done (the service is unreachable); orders over ${limit} need one.` };
      }
      if (!res.ok) {
        attain.log('credit check unavailable', res.status);
        return { refuse: `The credit check for ${name} could not be done (service answered ${res.status}); orders over ${limit} need one.` };
      }
      const verdict = (res.json ?? {}) as Verdict;
      if (verdict.approved === true) return;
      return { refuse: `Credit check refused an order of ${amount} for ${name}: ${verdict.reason ?? 'no reason given'}` };
    },
  },
});
