import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Validator } from '@seriousme/openapi-schema-validator';
import { as, createTenant, login, testServer, type TestTenant } from './helpers.ts';
import { isInfrastructure, openApiPath } from '../src/openapi/routes.ts';

interface RegisteredRoute {
  method: string;
  /** fastify's form: `/api/v1/goals/plans/:plan`. */
  url: string;
}

/**
 * Every route fastify's router serves, read from `printRoutes` (the router's own view, not our
 * route collector, so a test comparing the two checks the collector too). HEAD routes that
 * fastify adds for each GET are left out.
 */
function registeredRoutes(app: FastifyInstance): RegisteredRoute[] {
  const out: RegisteredRoute[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+) \(([^)]+)\)$/.exec(line.replace(/\u00a0/g, ' '));
    if (!m) continue;
    const depth = (m[1] ?? '').length / 4;
    stack.length = depth;
    const url = (stack[depth - 1] ?? '') + (m[2] ?? '');
    stack[depth] = url;
    for (const method of (m[3] ?? '').split(', ')) {
      if (method !== 'HEAD') out.push({ method, url });
    }
  }
  return out;
}

let app: FastifyInstance;
let t: TestTenant;

/** Not part of the API, so not described: the health probes and the Prometheus scrape. */
const INFRASTRUCTURE = new Set(['GET /healthz', 'GET /livez', 'GET /readyz', 'GET /metrics']);

type Operation = {
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
};
type Doc = { paths: Record<string, Record<string, { security?: unknown[]; operationId?: string; parameters?: Array<{ name: string; in: string }> }>> };

beforeAll(async () => {
  const built = await testServer();
  app = built.app;
  t = await createTenant(built.store, 'oar');
  await app.ready();
});
afterAll(async () => {
  await app.close();
});

async function documentFor(user: 'admin' | 'repEast'): Promise<Doc> {
  const res = await as(app, await login(app, t.name, t.users[user].email)).get('/api/v1/openapi.json');
  expect(res.statusCode).toBe(200);
  return res.json() as Doc;
}

describe('the OpenAPI document describes every registered route', () => {
  it('lists every route fastify serves, with the admin role', async () => {
    const doc = await documentFor('admin');
    const routes = registeredRoutes(app);
    expect(routes.length).toBeGreaterThan(80);
    const missing: string[] = [];
    for (const { method, url } of routes) {
      if (INFRASTRUCTURE.has(`${method} ${url}`)) continue;
      // Object routes are described once per object; `deal` stands for each of them.
      const concrete = url.startsWith('/api/v1/objects/:object') ? url.replace(':object', 'deal') : url;
      const path = openApiPath(concrete) ?? concrete;
      if (!doc.paths[path]?.[method.toLowerCase()]) missing.push(`${method} ${url}`);
    }
    expect(missing).toEqual([]);
    // Every operation has its request and response shapes: a body schema where the method takes a
    // body, and a schema for each success answer (a file's by media type; 204 has none).
    const undeclared: string[] = [];
    const empty = (schema: unknown) => !schema || (typeof schema === 'object' && Object.keys(schema).length === 0);
    for (const { method, url } of routes) {
      if (INFRASTRUCTURE.has(`${method} ${url}`)) continue;
      const concrete = url.startsWith('/api/v1/objects/:object') ? url.replace(':object', 'deal') : url;
      const op = doc.paths[openApiPath(concrete) ?? concrete]?.[method.toLowerCase()] as Operation | undefined;
      if (!op) continue;
      // JSON, or another media type a route declares (a multipart upload).
      const bodies = Object.values(op.requestBody?.content ?? {}).map((c) => c.schema);
      if (['POST', 'PUT', 'PATCH'].includes(method) && (!bodies.length || bodies.some(empty))) undeclared.push(`${method} ${url}: request body`);
      // A redirect (the OIDC sign-in's start and callback) is that route's success.
      const successes = Object.entries(op.responses ?? {}).filter(([status]) => status.startsWith('2') || status.startsWith('3'));
      if (!successes.length) undeclared.push(`${method} ${url}: no success response`);
      for (const [status, response] of successes) {
        if (status === '204' || status.startsWith('3')) continue;
        const schemas = Object.values(response.content ?? {}).map((c) => c.schema);
        if (!schemas.length || schemas.some(empty)) undeclared.push(`${method} ${url}: response ${status}`);
      }
      if (!op.responses?.['400'] || !op.responses['401']) undeclared.push(`${method} ${url}: error responses`);
    }
    expect(undeclared).toEqual([]);
    // `POST /objects/:object` serves create and `:upsert` alike.
    expect(doc.paths['/api/v1/objects/deal:upsert']?.post).toBeDefined();
  });

  it('is a valid OpenAPI 3.1 document with unique operation ids and declared path parameters', async () => {
    const doc = await documentFor('admin');
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const op of Object.values(item)) {
        for (const [, name] of path.matchAll(/\{([^}]+)\}/g))
          expect(
            op.parameters?.some((p) => p.in === 'path' && p.name === name),
            `${path} {${name}}`,
          ).toBe(true);
      }
    }
  });

  it('marks public routes and takes parameter and body shapes from the route schema', async () => {
    const doc = await documentFor('admin');
    expect(doc.paths['/api/v1/auth/login']?.post?.security).toEqual([]);
    expect(doc.paths['/api/v1/goals/kpis']?.get?.security).toBeUndefined();
    const password = doc.paths['/api/v1/auth/users/{id}/password']?.put as Record<string, unknown>;
    expect(password.parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string', minLength: 1, maxLength: 100 } }]);
    expect(JSON.stringify(password.requestBody)).toContain('currentPassword');
    expect(password.tags).toEqual(['auth']);
  });

  it('keeps object paths filtered by role while the static routes are listed for everyone', async () => {
    const rep = await documentFor('repEast');
    expect((await new Validator().validate(rep as never)).errors ?? []).toEqual([]);
    expect(rep.paths['/api/v1/objects/deal']?.get).toBeDefined();
    expect(rep.paths['/api/v1/objects/org_unit']).toBeUndefined();
    expect(rep.paths['/api/v1/objects/deal/{id}']?.delete).toBeUndefined();
    expect(rep.paths['/api/v1/goals/kpis']?.get).toBeDefined();
    expect(rep.paths['/api/v1/workflow/tasks']?.get).toBeDefined();
  });
});

describe('route paths', () => {
  it('converts fastify parameters, regex-constrained ones too, to OpenAPI form', () => {
    expect(openApiPath('/api/v1/goals/plans/:plan/versions/:id')).toBe('/api/v1/goals/plans/{plan}/versions/{id}');
    expect(openApiPath('/api/v1/x/:n(^\\d+)/y')).toBe('/api/v1/x/{n}/y');
    expect(openApiPath('/*')).toBeUndefined();
  });

  it('leaves out only infrastructure: probes, metrics and the studio', () => {
    expect(['/healthz', '/metrics', '/', '/assets/app.js'].every(isInfrastructure)).toBe(true);
    expect(['/api/v1/goals/kpis', '/graphql'].some(isInfrastructure)).toBe(false);
  });
});
