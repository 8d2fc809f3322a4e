import { errors, json, type Operation } from './parts.ts';
import { isInfrastructure, PER_OBJECT_PREFIX, type CollectedRoute } from './routes.ts';

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * The properties and required names of a fastify params/querystring schema, which may be a full
 * object schema or fastify's shorthand (a bare map of property schemas).
 */
function objectShape(schema: unknown): { properties: Record<string, unknown>; required: Set<string> } {
  if (!isObject(schema)) return { properties: {}, required: new Set() };
  if (isObject(schema.properties)) {
    return { properties: schema.properties, required: new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []) };
  }
  return { properties: schema, required: new Set() };
}

function parameters(route: CollectedRoute): JsonObject[] {
  const out: JsonObject[] = [];
  const params = objectShape(route.schema?.params);
  // Every `{name}` of the path must be declared; a route without a params schema takes strings.
  for (const [, name] of route.path.matchAll(/\{([^}]+)\}/g)) {
    out.push({ name, in: 'path', required: true, schema: params.properties[name as string] ?? { type: 'string' } });
  }
  const query = objectShape(route.schema?.querystring);
  for (const [name, schema] of Object.entries(query.properties)) {
    out.push({ name, in: 'query', ...(query.required.has(name) ? { required: true } : {}), schema });
  }
  return out;
}

function responses(route: CollectedRoute): JsonObject {
  const declared = route.schema?.response;
  const out: JsonObject = {};
  if (isObject(declared)) {
    for (const [status, schema] of Object.entries(declared)) {
      const key = status.toUpperCase();
      // The shared error shape is referenced once per status below, not inlined per route.
      if (key === '4XX' || key === '5XX') continue;
      const description = isObject(schema) && typeof schema.description === 'string' ? schema.description : `Status ${key}`;
      if (key === '204') out[key] = { description };
      else out[key] = isObject(schema) && isObject(schema.content) ? { description, content: schema.content } : { description, content: json(schema) };
    }
  } else {
    out['200'] = { description: 'Success', content: json({}) };
  }
  return { ...out, ...errors('404', '422') };
}

const HAS_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** One operation for a collected route, from its fastify schema and config. */
export function routeOperation(route: CollectedRoute): Operation {
  const method = route.method.toLowerCase();
  const segments = route.path.split('/').filter((s) => s && s !== 'api' && s !== 'v1');
  const op: Operation = {
    operationId: [method, ...segments.map((s) => s.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+/g, '_'))].join('_'),
    tags: route.tags ?? [segments[0] ?? 'api'],
    summary: route.summary ?? `${route.method} ${route.path}`,
  };
  if (route.public) op.security = [];
  const params = parameters(route);
  if (params.length) op.parameters = params;
  if (HAS_BODY.has(route.method)) {
    const body = route.schema?.body;
    // A body declared per media type (fastify's `content` form, e.g. multipart uploads) is documented as declared.
    if (isObject(body) && isObject(body.content)) op.requestBody = { required: true, content: body.content };
    else op.requestBody = body !== undefined ? { required: true, content: json(body) } : { content: json({}) };
  }
  op.responses = responses(route);
  return op;
}

/** Whether the document describes this route (infrastructure and per-object templates aside). */
export function isDescribedRoute(route: CollectedRoute): boolean {
  return !isInfrastructure(route.url) && !route.url.startsWith(PER_OBJECT_PREFIX);
}

/**
 * The paths of every described route, keyed like the document's `paths`. Operations already in
 * `existing` (the hand-written, richer ones) are kept as they are.
 */
export function addRoutePaths(routes: readonly CollectedRoute[], existing: Record<string, Record<string, Operation>>): void {
  for (const route of routes) {
    if (!isDescribedRoute(route)) continue;
    const item = (existing[route.path] ??= {});
    const method = route.method.toLowerCase();
    item[method] ??= routeOperation(route);
  }
}

/**
 * Module routes under `/objects/:object/...` (config `perObject`, e.g. a record's files), written
 * out for each object the role may use: a GET where it may read the object, a write where it may
 * update it. The records API's own per-object routes are written by hand in generate.ts.
 */
export function addPerObjectRoutePaths(
  routes: readonly CollectedRoute[],
  objects: ReadonlyArray<{ name: string; read: boolean; update: boolean }>,
  existing: Record<string, Record<string, Operation>>,
): void {
  for (const route of routes) {
    if (!route.perObject || !route.url.startsWith(PER_OBJECT_PREFIX)) continue;
    const method = route.method.toLowerCase();
    for (const object of objects) {
      if (!(method === 'get' ? object.read : object.update)) continue;
      const path = route.path.replace('{object}', object.name);
      const op = routeOperation({ ...route, path, tags: route.tags ?? [object.name] });
      // The object is part of the path, no longer a parameter.
      if (op.parameters) op.parameters = (op.parameters as JsonObject[]).filter((p) => p.name !== 'object');
      const item = (existing[path] ??= {});
      item[method] ??= op;
    }
  }
}
