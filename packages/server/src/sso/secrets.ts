import { SecretKeys, SecretsError } from '@attain/plugins';

/**
 * The keys OIDC client secrets and TOTP secrets are sealed with: the plugins' ring
 * (`ATTAIN_SECRETS_KEY`, newest first, then the key derived from the server's signing secret),
 * so `attain secrets` and key rotation cover them too. Built on first use: a server without
 * either key still starts; sealing then answers 503 `secrets_key_invalid`.
 */
export function ssoSecrets(serverSecret: string | undefined): () => SecretKeys {
  let keys: SecretKeys | undefined;
  return () => {
    if (keys) return keys;
    const env = process.env.ATTAIN_SECRETS_KEY;
    if (!env && !serverSecret) throw new SecretsError('secrets_key_invalid', 'set ATTAIN_SECRETS_KEY (or the server signing secret) to keep SSO and TOTP secrets');
    keys = SecretKeys.from({ env, serverSecret });
    return keys;
  };
}
