import type { FastifyInstance, RouteOptions } from 'fastify';

/** What the OpenAPI document needs to know about one registered route. */
export interface CollectedRoute {
  method: string;
  /** fastify's form, prefix included: `/api/v1/goals/plans/:plan`. */
  url: string;
  /** OpenAPI's form: `/api/v1/goals/plans/{plan}`. */
  path: string;
  /** The route's fastify schema (params, querystring, body, response) when it has one. */
  schema?: Record<string, unknown>;
  public: boolean;
  summary?: string;
  tags?: string[];
  /** A module's route under `/objects/:object/...` (not the records API): described per object, see addPerObjectRoutePaths. */
  perObject?: boolean;
}

/**
 * Routes served per object of the tenant's metadata (`/api/v1/objects/:object/...`): the
 * document describes them once per object the role may use, never as the generic template.
 */
export const PER_OBJECT_PREFIX = '/api/v1/objects/:object';

/**
 * Routes that are not part of the API and so are not described: the health probes, the
 * Prometheus scrape and the studio's static files and single-page fallback (anything outside
 * `/api/` and `/graphql`).
 */
export function isInfrastructure(url: string): boolean {
  if (url === '/healthz' || url === '/metrics') return true;
  return !(url.startsWith('/api/') || url === '/graphql');
}

/** `/a/:b/:c(^\\d+)/x` → `/a/{b}/{c}/x`; a route with a wildcard has no OpenAPI form. */
export function openApiPath(url: string): string | undefined {
  if (url.includes('*')) return undefined;
  return url.replace(/:([A-Za-z0-9_]+)(\([^)]*\))?/g, '{$1}');
}

interface RouteConfig {
  public?: boolean;
  summary?: string;
  tags?: string[];
  perObject?: boolean;
}

const collected = new WeakMap<FastifyInstance, readonly CollectedRoute[]>();

/** The routes collectRoutes recorded on `app` (the client-type generator reads them without a request). */
export function collectedRoutes(app: FastifyInstance): readonly CollectedRoute[] {
  return collected.get(app) ?? [];
}

/**
 * Records every route registered on `app` from now on (an `onRoute` hook), so the document
 * describes what the server really serves instead of a hand-kept list. Call before any route is
 * registered. HEAD routes fastify adds for each GET are left out.
 */
export function collectRoutes(app: FastifyInstance): readonly CollectedRoute[] {
  const routes: CollectedRoute[] = [];
  collected.set(app, routes);
  app.addHook('onRoute', (options: RouteOptions) => {
    const methods = Array.isArray(options.method) ? options.method : [options.method];
    const config = (options.config ?? {}) as RouteConfig;
    const path = openApiPath(options.url);
    if (path === undefined) return;
    for (const method of methods) {
      if (method === 'HEAD') continue;
      routes.push({
        method,
        url: options.url,
        path,
        ...(options.schema ? { schema: options.schema as Record<string, unknown> } : {}),
        public: config.public === true,
        ...(config.summary ? { summary: config.summary } : {}),
        ...(config.tags ? { tags: config.tags } : {}),
        ...(config.perObject ? { perObject: true } : {}),
      });
    }
  });
  return routes;
}
