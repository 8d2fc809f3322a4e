// `attain secrets rotate` for single sign-on: the OIDC client secret and every TOTP secret of a
// tenant, opened with any key of the ring and sealed again with its first key, in one transaction.
import type { SecretKeys } from '@attain/plugins';
import type { Store } from '../store-port.ts';
import { ssoPort } from './settings.ts';

/** How many values were sealed again. */
export async function rotateSsoSecrets(store: Store, keys: SecretKeys, tenant: string): Promise<number> {
  const port = await ssoPort(store, tenant);
  return port.knex.transaction(async (trx) => {
    let n = 0;
    const settings = (await port.table('settings', trx).where({ id: 1 }).first('client_secret')) as { client_secret: string | null } | undefined;
    if (settings?.client_secret) {
      await port
        .table('settings', trx)
        .where({ id: 1 })
        .update({ client_secret: keys.seal(keys.open(settings.client_secret, '/oidc/clientSecret')) });
      n += 1;
    }
    const rows = (await port.table('totp', trx).select('user_id', 'secret')) as Array<{ user_id: string; secret: string }>;
    for (const r of rows) {
      await port
        .table('totp', trx)
        .where({ user_id: r.user_id })
        .update({ secret: keys.seal(keys.open(r.secret, '/totp/secret')) });
      n += 1;
    }
    return n;
  });
}
