import { defineModule } from '../contract.ts';
import { inboundRoutes } from './inbound-routes.ts';
import { integrationsBackground } from './outbound.ts';
import { outboundRoutes } from './outbound-routes.ts';
import { integrationsTables } from './tables.ts';

export { integrationsBackground, DELIVER_QUEUE, MAX_ATTEMPTS } from './outbound.ts';
export { signatureHeader } from './signature.ts';

/**
 * Integrations with ERP and finance systems: signed inbound events (invoice paid, voided, order
 * cancelled) that change orders by external id, idempotent by event id; outbound change events of
 * chosen objects to subscriber URLs, signed, retried with backoff, dead letters an admin replays.
 * See docs/integrations.md.
 */
export const integrations = defineModule({
  id: 'integrations',
  label: { en: 'Integrations', 'zh-CN': '系统集成' },
  tables: [integrationsTables],
  routes: [inboundRoutes, outboundRoutes],
  jobs: (deps) => integrationsBackground(deps),
  screens: ['integrations'],
  permissions: [
    { name: 'integrations.inbound', description: "a sender signing events with the tenant's inbound secret (no user): writes the orders the event types name" },
    { name: 'integrations.admin', description: 'rotate the inbound secret, list received events, manage subscriptions, list and replay dead letters: admins' },
  ],
});
