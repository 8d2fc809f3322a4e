import type { FastifyRequest } from 'fastify';
import type { SecretKeys } from '@attain/plugins';
import type { JwtService } from '../auth/jwt.ts';
import type { LoginThrottleOptions } from '../auth/login-throttle.ts';
import type { Principal } from '../rbac/context.ts';
import type { Store } from '../store-port.ts';
import type { OidcClients } from './oidc-client.ts';

/** Server options of single sign-on and the second factor. */
export interface SsoOptions {
  /**
   * Hosts (`host` or `host:port`) the identity provider may be at although they are private or
   * loopback: the operator's allowance (tests: a local provider). http is allowed only for them.
   */
  allowHosts?: string[];
  /** Roles that must use TOTP in a tenant that has not chosen its own list; `['admin', 'finance']` when omitted. */
  defaultTotpRoles?: string[];
  /** The studio's public origin (`https://attain.example.com`) for the OIDC redirect URI; the request's own origin when omitted. */
  publicUrl?: string;
}

/** What the sso routes share. */
export interface SsoContext {
  store: Store;
  jwt: JwtService;
  keys: () => SecretKeys;
  oidc: OidcClients;
  allowHosts: readonly string[];
  defaultTotpRoles: readonly string[];
  publicUrl: string | undefined;
  loginThrottle: Partial<LoginThrottleOptions> | undefined;
  /** The caller of a route that also takes a session (public routes authenticate themselves). */
  authenticate(request: FastifyRequest): Promise<Principal>;
}
