// The tenant's OpenID provider through openid-client (panva): discovery, the authorization URL
// with state, nonce and PKCE (S256), and the code exchange whose ID token checks (signature,
// issuer, audience, nonce, expiry) are the library's. Every address the provider names is held to
// the outbound guard (no private, loopback or metadata targets unless the operator allows them).
import * as client from 'openid-client';
import { webhookUrlProblem } from '@attain/workflow';
import { ApiError } from '../http/errors.ts';
import { guardedFetch, type GuardedFetch } from './guarded-fetch.ts';
import type { OidcSettings } from './settings.ts';

const CACHE_MS = 5 * 60 * 1000;

interface Cached {
  config: client.Configuration;
  at: number;
}

export class OidcClients {
  private readonly cache = new Map<string, Cached>();
  private readonly allowHosts: readonly string[];
  private readonly fetch: GuardedFetch;

  constructor(allowHosts: readonly string[]) {
    this.allowHosts = allowHosts;
    this.fetch = guardedFetch(allowHosts);
  }

  private async guard(url: string | undefined, path: string): Promise<void> {
    if (url === undefined) return;
    const problem = await webhookUrlProblem(url, path, this.allowHosts);
    if (problem) throw new ApiError(502, 'oidc_provider', `the identity provider's ${path} is not allowed: ${problem.message}`, [problem]);
  }

  /** The provider's configuration (discovered, kept a few minutes per tenant, issuer and client). */
  async config(tenant: string, s: OidcSettings, clientSecret: string | undefined): Promise<client.Configuration> {
    const key = JSON.stringify([tenant, s.issuer, s.clientId, clientSecret ?? '']);
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.config;
    await this.guard(s.issuer, 'issuer');
    const insecure = s.issuer.startsWith('http:');
    let config: client.Configuration;
    try {
      config = await client.discovery(new URL(s.issuer), s.clientId, clientSecret, undefined, {
        timeout: 10,
        // Every request to the provider (discovery, token, JWKS) connects only where the guard allows.
        [client.customFetch]: this.fetch as client.CustomFetch,
        ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
      });
    } catch (error) {
      throw new ApiError(502, 'oidc_provider', `the identity provider could not be discovered: ${(error as Error).message}`);
    }
    const meta = config.serverMetadata();
    await this.guard(meta.authorization_endpoint, 'authorization_endpoint');
    await this.guard(meta.token_endpoint, 'token_endpoint');
    await this.guard(meta.jwks_uri, 'jwks_uri');
    this.cache.set(key, { config, at: Date.now() });
    return config;
  }

  async authorizationUrl(config: client.Configuration, s: OidcSettings, redirectUri: string, checks: { state: string; nonce: string; verifier: string }): Promise<URL> {
    return client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: s.scopes.join(' '),
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(checks.verifier),
      code_challenge_method: 'S256',
    });
  }

  /** Exchanges the code; answers the ID token's claims (checked by the library) or throws 401 `oidc_failed`. */
  async exchange(config: client.Configuration, currentUrl: URL, checks: { state: string; nonce: string; verifier: string }): Promise<Record<string, unknown>> {
    try {
      const tokens = await client.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: checks.verifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims) throw new Error('no ID token');
      return claims as Record<string, unknown>;
    } catch (error) {
      throw new ApiError(401, 'oidc_failed', `the identity provider's answer was refused: ${(error as Error).message}`);
    }
  }
}

export const newChecks = () => ({ state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier() });
