// `GET /auth/oidc/:tenant/start` and `…/callback`: OpenID Connect sign-in (authorization code with
// PKCE) to the tenant's own provider. The state lives in that tenant's table and is bound to the
// browser by a cookie, so a callback resolves only in the tenant that started it and only in the
// browser that started it. The user is found by the email claim in that tenant only (or created
// just in time with the mapped role); the session is the password login's.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../http/errors.ts';
import { issueSession } from '../auth/issue-session.ts';
import { newChecks } from '../sso/oidc-client.ts';
import { getPending, hashValue, randomValue, putPending, takePending } from '../sso/pending.ts';
import { readSettings, ssoPort, type OidcSettings } from '../sso/settings.ts';
import { secondFactorStep } from '../sso/second-factor.ts';
import type { SsoContext } from '../sso/options.ts';
import type { SsoPort } from '../sso/tables.ts';
import { findOrCreateUser } from '../sso/oidc-user.ts';
import { params, query, replies, STRING } from '../http/route-schema.ts';

const STATE_KIND = 'oidc_state';
const STATE_SECONDS = 600;
const BROWSER_COOKIE = 'attain_oidc';
const COOKIE_PATH = '/api/v1/auth/oidc/';

interface StateData {
  nonce: string;
  verifier: string;
  browser: string;
  redirectUri: string;
}

const REDIRECT = { type: 'null', description: 'A redirect (Location) to the identity provider or back to the studio' };

function browserCookie(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === BROWSER_COOKIE) return rest.join('=');
  }
  return undefined;
}

function setBrowserCookie(request: FastifyRequest, reply: FastifyReply, value: string, maxAge: number): void {
  // Lax, not Strict: the provider's redirect back is a cross-site top-level navigation.
  reply.header('set-cookie', `${BROWSER_COOKIE}=${value}; Path=${COOKIE_PATH}; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${request.protocol === 'https' ? '; Secure' : ''}`);
}

async function configured(ctx: SsoContext, tenant: string): Promise<{ port: SsoPort; oidc: OidcSettings; secret: string | undefined; tenant: string }> {
  const found = await ctx.store.tenants.get(tenant);
  const notConfigured = new ApiError(404, 'oidc_not_configured', 'this tenant has no single sign-on', [{ path: '/tenant', rule: 'oidc', message: 'no OpenID provider is set up for this tenant' }]);
  if (!found) throw notConfigured;
  const port = await ssoPort(ctx.store, found.name);
  const settings = await readSettings(port);
  if (!settings.oidc?.enabled) throw notConfigured;
  const secret = settings.sealedSecret ? (ctx.keys().open(settings.sealedSecret, '/oidc/clientSecret') as string) : undefined;
  return { port, oidc: settings.oidc, secret, tenant: found.name };
}

export async function oidcRoutes(app: FastifyInstance, ctx: SsoContext): Promise<void> {
  const redirectUri = (request: FastifyRequest, tenant: string) => `${ctx.publicUrl ?? `${request.protocol}://${request.host}`}/api/v1/auth/oidc/${encodeURIComponent(tenant)}/callback`;

  app.get('/auth/oidc/:tenant/start', { schema: { params: params('tenant'), response: replies({ 302: REDIRECT }) }, config: { public: true } }, async (request, reply) => {
    const { tenant: name } = request.params as { tenant: string };
    const { port, oidc, secret, tenant } = await configured(ctx, name);
    const config = await ctx.oidc.config(tenant, oidc, secret);
    const checks = newChecks();
    const browser = randomValue();
    const uri = redirectUri(request, tenant);
    const data: StateData = { nonce: checks.nonce, verifier: checks.verifier, browser: hashValue(browser), redirectUri: uri };
    await putPending(port, STATE_KIND, checks.state, data, STATE_SECONDS);
    setBrowserCookie(request, reply, browser, STATE_SECONDS);
    const url = await ctx.oidc.authorizationUrl(config, oidc, uri, checks);
    return reply.redirect(url.href, 302);
  });

  app.get(
    '/auth/oidc/:tenant/callback',
    {
      schema: {
        params: params('tenant'),
        // Providers add their own parameters (iss, session_state, …); the library reads them.
        querystring: { ...query({ state: STRING, code: STRING, error: STRING, error_description: STRING }), additionalProperties: true },
        response: replies({ 302: REDIRECT }),
      },
      config: { public: true },
    },
    async (request, reply) => {
      const { tenant: name } = request.params as { tenant: string };
      const q = request.query as { state?: string; code?: string; error?: string; error_description?: string };
      let port: SsoPort | undefined;
      try {
        const cfg = await configured(ctx, name);
        port = cfg.port;
        const badState = (message: string) => new ApiError(400, 'oidc_state', message, [{ path: '/state', rule: 'state', message }]);
        if (typeof q.state !== 'string' || !q.state) throw badState('the sign-in has no state; start it again');
        // Only a live state of this tenant's table: one from another tenant is unknown here.
        const known = await getPending<StateData>(port, STATE_KIND, q.state);
        if (!known) throw badState('the sign-in state is unknown, used or expired; start it again');
        const cookie = browserCookie(request);
        if (!cookie || hashValue(cookie) !== known.data.browser) throw badState('the sign-in was started in another browser; start it again');
        const state = await takePending<StateData>(port, STATE_KIND, q.state);
        if (!state) throw badState('the sign-in state was used already; start it again');
        setBrowserCookie(request, reply, '', 0);
        if (q.error) throw new ApiError(401, 'oidc_denied', `the identity provider refused the sign-in: ${q.error}${q.error_description ? ` (${q.error_description.slice(0, 200)})` : ''}`);
        const config = await ctx.oidc.config(cfg.tenant, cfg.oidc, cfg.secret);
        const current = new URL(state.redirectUri);
        current.search = new URL(request.url, 'http://x').search;
        const claims = await ctx.oidc.exchange(config, current, { state: q.state, nonce: state.nonce, verifier: state.verifier });
        const user = await findOrCreateUser(ctx.store, port, cfg.tenant, cfg.oidc, claims);
        const step = await secondFactorStep(port, cfg.tenant, user, 'oidc', ctx.defaultTotpRoles);
        if (step) {
          // The fragment never reaches a server (nor its logs); the studio reads it and clears it.
          return reply.redirect(`/#second-factor=${encodeURIComponent(step.pendingToken)}&step=${step.secondFactor}`, 302);
        }
        await issueSession(ctx.store, ctx.jwt, request, reply, cfg.tenant, user);
        return reply.redirect('/', 302);
      } catch (error) {
        if (!(error instanceof ApiError) || error.status >= 500) throw error;
        if (port) await port.audit({ actor: { userId: null, label: 'oidc' }, action: 'sso.oidc.refused', object: 'user', after: { code: error.code, message: error.message.slice(0, 300) } });
        // A person in a browser goes back to the sign-in page, which says what failed; a program gets the 4xx.
        if (String(request.headers.accept ?? '').includes('text/html')) return reply.redirect(`/#sso-error=${encodeURIComponent(error.code)}`, 302);
        throw error;
      }
    },
  );
}
