import type { FastifyInstance } from 'fastify';
import { oidcRoutes } from '../rest/oidc-routes.ts';
import { ssoSettingsRoutes } from '../rest/sso-settings-routes.ts';
import { totpRoutes } from '../rest/totp-routes.ts';
import type { SsoContext } from './options.ts';

/** Single sign-on (OIDC) and the TOTP second factor, under `/api/v1/auth`. */
export async function ssoRoutes(app: FastifyInstance, ctx: SsoContext): Promise<void> {
  await ssoSettingsRoutes(app, ctx);
  await oidcRoutes(app, ctx);
  await totpRoutes(app, ctx);
}
