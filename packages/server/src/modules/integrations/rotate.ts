// `attain secrets rotate` for integrations: the tenant's inbound signing secret and every outbound
// subscription's secret, opened with any key of the ring and sealed again with its first key, in
// one transaction (a value no key opens refuses the whole tenant, naming it, and changes nothing).
import type { SecretKeys } from '@attain/plugins';
import type { Store } from '../../store-port.ts';
import { integrationsPort } from './secrets.ts';

/** How many values were sealed again. */
export async function rotateIntegrationSecrets(store: Store, keys: SecretKeys, tenant: string): Promise<number> {
  const port = await integrationsPort(store, tenant);
  return port.knex.transaction(async (trx) => {
    let n = 0;
    // Locked: an admin rotating the inbound secret meanwhile writes after this, not under it.
    const settings = (await port.table('settings', trx).where({ id: 1 }).forUpdate().first('inbound_secret')) as { inbound_secret: string | null } | undefined;
    if (settings?.inbound_secret) {
      await port
        .table('settings', trx)
        .where({ id: 1 })
        .update({ inbound_secret: keys.seal(keys.open(settings.inbound_secret, '/integrations/secret')) });
      n += 1;
    }
    const subs = (await port.table('subscription', trx).forUpdate().select('id', 'secret')) as Array<{ id: string; secret: string }>;
    for (const s of subs) {
      await port
        .table('subscription', trx)
        .where({ id: s.id })
        .update({ secret: keys.seal(keys.open(s.secret, `/subscriptions/${s.id}/secret`)) });
      n += 1;
    }
    return n;
  });
}
