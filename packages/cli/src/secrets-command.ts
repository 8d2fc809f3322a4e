import { pluginsFor } from '@attain/plugins';
import { rotateIntegrationSecrets, rotateSsoSecrets } from '@attain/server';
import type { Store } from '@attain/store';
import { pluginKeyOptions, resolveJwtSecret, type AttainConfig } from './config.ts';

type Log = (line: string) => void;
const CLI_ACTOR = { userId: null, label: 'cli' };

/**
 * `attain secrets rotate [--tenant <t>]`: re-encrypts plugins' secret settings, single sign-on's
 * OIDC client secret and TOTP secrets, and the integrations' inbound signing secret and outbound
 * subscription secrets, with the first key
 * of ATTAIN_SECRETS_KEY (or the key derived from the JWT secret when it is unset). Run it with
 * the new key first and the old one after it (`ATTAIN_SECRETS_KEY=new,old`); once it is done,
 * the old key can go.
 */
export async function secretsCommand(
  sub: string | undefined,
  tenant: string | undefined,
  config: AttainConfig,
  log: Log,
  withStore: <T>(fn: (store: Store) => Promise<T>) => Promise<T>,
): Promise<number> {
  if (sub !== 'rotate') throw new Error(`unknown secrets command "${sub ?? ''}" (try: attain secrets rotate [--tenant <t>])`);
  return withStore(async (store) => {
    const runtime = pluginsFor(store, pluginKeyOptions(config, await resolveJwtSecret(config)));
    try {
      const keys = runtime.secretKeys();
      const tenants = tenant ? [tenant] : (await store.tenants.list()).map((t) => t.name);
      let total = 0;
      for (const t of tenants) {
        const n = await runtime.service.rotateSecrets(t, CLI_ACTOR);
        if (n > 0) log(`  ${t}: settings of ${n} plugin(s) re-encrypted`);
        const sso = await rotateSsoSecrets(store, keys, t);
        if (sso > 0) log(`  ${t}: ${sso} single sign-on secret(s) re-encrypted`);
        const integrations = await rotateIntegrationSecrets(store, keys, t);
        if (integrations > 0) log(`  ${t}: ${integrations} integration secret(s) re-encrypted`);
        total += n;
      }
      log(`Secret settings re-encrypted with key ${keys.currentId}: ${total} plugin(s) in ${tenants.length} tenant(s).`);
      return 0;
    } finally {
      await runtime.close();
    }
  });
}
