import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { authenticate } from './auth/authenticate.ts';
import { createJwtService } from './auth/jwt.ts';
import type { LoginThrottleOptions } from './auth/login-throttle.ts';
import { PrincipalCache } from './auth/principal-cache.ts';
import { cacheKey, LruCache } from './cache.ts';
import { graphqlRoutes, type GraphQLOptions } from './graphql/route.ts';
import { ApiError, toErrorResponse } from './http/errors.ts';
import { parseClientJson } from './http/json.ts';
import { assertCleanRequestText, decodeUtf8 } from './http/text-guard.ts';
import { assertUrlLength } from './http/params.ts';
import { registerMetrics } from './http/metrics.ts';
import { registerLatencyRecorder, type RecorderOptions } from './modules/monitoring/recorder.ts';
import { checkResponses } from './http/response-check.ts';
import { useRequestValidation } from './http/validation.ts';
import { Lifecycle, registerHealth } from './http/health.ts';
import { registerSecurityHeaders } from './http/security-headers.ts';
import { openApiDocument } from './openapi/generate.ts';
import { object, OBJECT, replies, STRING } from './http/route-schema.ts';
import { collectRoutes } from './openapi/routes.ts';
import { attainModules, installModules, type AttainModule } from './modules/index.ts';
import { AccessContext } from './rbac/context.ts';
import { authRoutes } from './rest/auth-routes.ts';
import { OidcClients } from './sso/oidc-client.ts';
import type { SsoContext, SsoOptions } from './sso/options.ts';
import { ssoRoutes } from './sso/routes.ts';
import { ssoSecrets } from './sso/secrets.ts';
import { DEFAULT_TOTP_ROLES, secondFactorStep } from './sso/second-factor.ts';
import { ssoPort } from './sso/settings.ts';
import { orgRoutes } from './rest/org-routes.ts';
import { formulaRoutes } from './rest/formula-routes.ts';
import { fxRoutes } from './rest/fx-routes.ts';
import { tenantSettingsRoutes } from './rest/tenant-settings-routes.ts';
import { metadataRoutes } from './rest/metadata.ts';
import { operatorRoutes } from './rest/operator-routes.ts';
import { templateRoutes } from './templates/routes.ts';
import { passwordRoutes } from './rest/password-routes.ts';
import { readableObjectRoutes } from './rest/readable-objects.ts';
import { searchRoutes } from './rest/search-routes.ts';
import { ListCache, type ListCacheOptions } from './rest/list-cache.ts';
import { recordRoutes } from './rest/records.ts';
import { assertTokenScope, requireAccess } from './rest/request-access.ts';
import { registerPositionHooks, syncRoutes } from './rest/sync-routes.ts';
import type { Store } from './store-port.ts';
import { fileURLToPath } from 'node:url';
import { pluginsFor, type OutboundConfig } from '@attain/plugins';
import { pluginRoutes } from './rest/plugin-routes.ts';
import { pluginInboundRoutes } from './rest/plugin-inbound-routes.ts';
import { filesRuntime, type FilesOptions } from './files/index.ts';
import { requestedLocale } from './http/request-locale.ts';

export interface ServerOptions {
  store: Store;
  /** fastify/pino logger options; `false` (quiet) when omitted under vitest. */
  logger?: FastifyServerOptions['logger'];
  /** An existing pino logger to use instead (fastify's `loggerInstance`). */
  loggerInstance?: FastifyBaseLogger;
  /** HS256 secret shared by every node; a random per-process one when omitted. */
  jwtSecret?: string;
  sessionTtlSeconds?: number;
  /**
   * How long (ms, at most 2000) a node reuses a session's/API token's validity and the user
   * record. Changes made on this node apply at once; other nodes see them within this bound.
   * 0 re-reads both on every request.
   */
  authCacheMs?: number;
  bodyLimit?: number;
  loginRateLimit?: { max: number; timeWindow: number | string };
  /** Failed-login budgets per address, per address and account, and per tenant, counted in the database. */
  loginThrottle?: Partial<LoginThrottleOptions>;
  graphql?: GraphQLOptions;
  /** Serialised list responses kept per tenant data version (see ListCache); `{maxBytes: 0}` turns it off. */
  listCache?: ListCacheOptions;
  trustProxy?: FastifyServerOptions['trustProxy'];
  /** Bearer token `GET /metrics` requires; without it `/metrics` answers 404 on this server (see registerMetrics). */
  metricsToken?: string;
  /** The per-tenant latency history (modules/monitoring): how often this node writes it, and the clock. */
  monitoring?: RecorderOptions;
  /** Draining state shared with the process entry (readiness answers 503 while draining); a new one when omitted. */
  lifecycle?: Lifecycle;
  /** The modules served (routes, kinds, checks, subjects, channels); `attainModules` when omitted. */
  modules?: readonly AttainModule[];
  /** Test-only: check every JSON answer against its route's response schema (see checkResponses). */
  checkResponses?: boolean;
  /**
   * Tenant plugins: the folder of first-party plugins (default: the repository's `plugins/`), and
   * test-only outbound knobs for a local HTTPS server (never set in production).
   */
  plugins?: { dir?: string; outbound?: OutboundConfig };
  /** Single sign-on (OIDC) and the TOTP second factor: allowed provider hosts, default TOTP roles, public URL. */
  sso?: SsoOptions;
  /** Attachments: the store (disk or S3-compatible), the scanner, size and type limits; a temporary disk folder when omitted. */
  files?: FilesOptions;
}

/** Builds the Attain HTTP server (not listening). Everything tenant-specific is derived per request. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { store } = options;
  const lifecycle = options.lifecycle ?? new Lifecycle();
  const modules = options.modules ?? attainModules;
  // Kinds, plan-time checks, approval subjects and channels, before any request can need them.
  const uninstall = installModules(store, modules);
  const jwt = createJwtService(options.jwtSecret, options.sessionTtlSeconds);
  const principals = new PrincipalCache(Math.min(Math.max(options.authCacheMs ?? 2000, 0), 2000));
  const unsubscribe = store.localChanges.subscribe((change) => principals.invalidate(change));
  const app = Fastify({
    ...(options.loggerInstance
      ? { loggerInstance: options.loggerInstance }
      : { logger: options.logger ?? (process.env.VITEST ? false : { level: process.env.LOG_LEVEL ?? 'info', redact: ['req.headers.authorization'] }) }),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    trustProxy: options.trustProxy ?? false,
    routerOptions: { maxParamLength: 200 },
    // A malformed or over-long URL is answered before routing; keep even those in our error shape.
    frameworkErrors: (error, request, reply) => {
      const { status, body } = toErrorResponse(error, request.id);
      // frameworkErrors is generic over the route's reply type; this reply belongs to no route.
      (reply as FastifyReply).status(status).send(body);
    },
  });

  // Before any route: the OpenAPI document describes every route registered from here on.
  const routes = collectRoutes(app);
  useRequestValidation(app);
  if (options.checkResponses) checkResponses(app);
  app.addHook('onClose', async () => {
    unsubscribe();
    uninstall();
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onRequest', async (request) => assertUrlLength(request.url));
  // NUL and unpaired surrogates in path parameters and the query string never reach a route.
  app.addHook('preValidation', async (request) => assertCleanRequestText(request));

  // Our own JSON parser: poisoning keys are refused (forbidden_key), syntax errors are invalid_json.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  // Bytes, not a string: fastify's own decoding would turn invalid UTF-8 into U+FFFD silently.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, raw, done) => {
    try {
      const text = decodeUtf8(raw);
      if (text.trim() === '') return done(null, undefined);
      done(null, parseClientJson(text));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = toErrorResponse(error, request.id);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]?.slice(0, 200)}`, details: [] } });
  });

  registerSecurityHeaders(app, { contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } });
  await app.register(rateLimit, {
    global: false,
    hook: 'preHandler',
    errorResponseBuilder: (_request, context) => new ApiError(429, 'rate_limited', `too many attempts; retry in ${Math.ceil(context.ttl / 1000)} s`),
  });
  registerMetrics(app, { token: options.metricsToken });
  registerLatencyRecorder(app, store, options.monitoring);

  registerHealth(app, store, lifecycle);
  app.decorate('lifecycle', lifecycle);
  app.decorate('files', filesRuntime(options.files));

  // Joins every record write of this store (before-hooks) and serves the plugin routes.
  // The signing secret also derives the key of plugins' secret settings when ATTAIN_SECRETS_KEY is not set.
  const plugins = pluginsFor(store, { ...(options.plugins?.outbound ? { outbound: options.plugins.outbound } : {}), ...(options.jwtSecret ? { serverSecret: options.jwtSecret } : {}) });
  app.addHook('onClose', async () => plugins.close());
  const openApiCache = new LruCache<Record<string, unknown>>(200);
  const teams = new LruCache<Promise<string[]>>(1000);
  const listCache = new ListCache(options.listCache ?? {});

  await app.register(
    async (api) => {
      // A route with a raised body limit (the bulk writes) authenticates before its body is read,
      // so an anonymous client cannot make the server parse a large body.
      const serverLimit = app.initialConfig.bodyLimit ?? 1024 * 1024;
      api.addHook('preParsing', async (request, _reply, payload) => {
        if (!request.routeOptions.config.public && (request.routeOptions.bodyLimit ?? 0) > serverLimit) {
          request.access = new AccessContext(store, await authenticate(request, store, jwt, principals), teams, requestedLocale(request));
          assertTokenScope(request);
        }
        return payload;
      });
      // Before schema validation: an unauthenticated caller is answered 401 whatever it sent.
      api.addHook('preValidation', async (request) => {
        if (request.routeOptions.config.public || request.access) return;
        request.access = new AccessContext(store, await authenticate(request, store, jwt, principals), teams, requestedLocale(request));
        assertTokenScope(request);
      });
      registerPositionHooks(api, store);
      await api.register(syncRoutes, { store });
      const allowHosts = options.sso?.allowHosts ?? [];
      const sso: SsoContext = {
        store,
        jwt,
        keys: ssoSecrets(options.jwtSecret),
        oidc: new OidcClients(allowHosts),
        allowHosts,
        defaultTotpRoles: options.sso?.defaultTotpRoles ?? DEFAULT_TOTP_ROLES,
        publicUrl: options.sso?.publicUrl?.replace(/\/+$/, ''),
        loginThrottle: options.loginThrottle,
        authenticate: (request) => authenticate(request, store, jwt, principals),
      };
      await api.register(ssoRoutes, sso);
      await api.register(authRoutes, {
        store,
        jwt,
        secondFactor: async (tenant, user) => secondFactorStep(await ssoPort(store, tenant), tenant, user, 'password', sso.defaultTotpRoles),
        loginRateLimit: options.loginRateLimit ?? { max: 10, timeWindow: '1 minute' },
        ...(options.loginThrottle ? { loginThrottle: options.loginThrottle } : {}),
      });
      await api.register(recordRoutes, { listCache, changes: store.db.changes, idempotency: store.idempotency });
      await api.register(formulaRoutes);
      await api.register(metadataRoutes, { store });
      await api.register(readableObjectRoutes);
      await api.register(searchRoutes);
      await api.register(orgRoutes, { store });
      await api.register(passwordRoutes, { store, jwt, ...(options.loginThrottle ? { loginThrottle: options.loginThrottle } : {}) });
      await api.register(operatorRoutes, { store });
      await api.register(templateRoutes, { store });
      await api.register(fxRoutes, { store });
      await api.register(tenantSettingsRoutes, { store });
      for (const m of modules) for (const routes of m.routes) await api.register(routes, { store });
      await api.register(pluginRoutes, { runtime: plugins, pluginsDir: options.plugins?.dir ?? fileURLToPath(new URL('../../../plugins', import.meta.url)) });
      await api.register(pluginInboundRoutes, { runtime: plugins });
      api.get('/openapi.json', { schema: { response: replies({ 200: object({ openapi: STRING, paths: OBJECT, components: OBJECT }, ['openapi', 'paths']) }) } }, async (request) => {
        const access = requireAccess(request);
        const role = access.principal.role;
        // Output depends on the role's permissions, which are metadata of this revision.
        const key = cacheKey(access.principal.tenant.id, access.registry.revision, role?.name ?? '');
        return openApiCache.getOrCreate(key, () => openApiDocument(access.registry, role, '/', routes));
      });
    },
    { prefix: '/api/v1' },
  );

  await app.register(async (gql) => {
    gql.addHook('preHandler', async (request) => {
      request.access = new AccessContext(store, await authenticate(request, store, jwt, principals), teams, requestedLocale(request));
      assertTokenScope(request);
    });
    // Module query fields are built once; each per-role schema merges them.
    const moduleQuery = Object.assign({}, ...modules.map((m) => m.graphqlQuery?.({ store }) ?? {}));
    await gql.register(graphqlRoutes, { ...options.graphql, store, moduleQuery });
  });

  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This server's draining state (see Lifecycle); the process entry begins the drain on SIGTERM. */
    lifecycle: Lifecycle;
  }
}
