import { pickLabel, recordJsonSchema, type JsonSchema, type ObjectDef, type Registry, type RoleDef } from '@attain/meta';
import { objectPermission, type Action } from '../rbac/permissions.ts';
import { ERROR_STATUSES, errors, json, type Operation } from './parts.ts';
import { addPerObjectRoutePaths, addRoutePaths } from './route-paths.ts';
import { ERROR_SCHEMA } from '../http/route-schema.ts';
import type { CollectedRoute } from './routes.ts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function objectsOfRole(registry: Registry, role: RoleDef | undefined): Array<{ name: string; read: boolean; update: boolean }> {
  return registry.objects.map((o) => {
    const perm = objectPermission(role, o);
    return { name: o.name, read: perm.actions.has('read'), update: perm.actions.has('update') };
  });
}

/** PascalCase per word, underscores kept: injective over api names (deal_line -> Deal_Line). */
export function componentName(object: ObjectDef): string {
  return object.name
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('_');
}

function withoutHidden(schema: JsonSchema, hidden: ReadonlySet<string>): JsonSchema {
  if (!hidden.size) return schema;
  const properties = { ...(schema.properties as Record<string, unknown>) };
  for (const name of hidden) delete properties[name];
  const required = Array.isArray(schema.required) ? (schema.required as string[]).filter((n) => !hidden.has(n)) : undefined;
  const out: JsonSchema = { ...schema, properties };
  if (required && required.length) out.required = required;
  else delete out.required;
  return out;
}

const LIST_PARAMETERS = [
  { name: 'filter', in: 'query', description: 'Filter as JSON: {"and":[…]} | {"or":[…]} | {"not":…} | {"field":{"eq":…}}', schema: { type: 'string' } },
  { name: 'sort', in: 'query', description: 'Comma-separated fields, "-" for descending, e.g. "-amount,name"', schema: { type: 'string', pattern: '^-?[a-z][a-z0-9_]*(,-?[a-z][a-z0-9_]*)*$' } },
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
  { name: 'after', in: 'query', description: 'Keyset cursor from page.next', schema: { type: 'string' } },
  { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0 } },
  { name: 'count', in: 'query', description: 'Include the total count', schema: { type: 'boolean' } },
  { name: 'q', in: 'query', description: 'Full-text search over searchable fields', schema: { type: 'string', maxLength: 200 } },
];

const ID_PARAM = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };

/**
 * The tenant's OpenAPI 3.1 document, as the calling role sees it: the object paths the role may
 * use (from the metadata), and every other route the server registered (`routes`, see
 * collectRoutes), each described by the schema its route declares.
 */
export function openApiDocument(registry: Registry, role: RoleDef | undefined, serverUrl = '/', routes: readonly CollectedRoute[] = []): Record<string, unknown> {
  const schemas: Record<string, unknown> = {
    Error: ERROR_SCHEMA,
    Page: {
      type: 'object',
      required: ['limit'],
      properties: { next: { type: ['string', 'null'] }, limit: { type: 'integer' } },
    },
  };
  const responses: Record<string, unknown> = {};
  for (const [code, description] of Object.entries(ERROR_STATUSES)) {
    responses[`Error${code}`] = { description, content: json(ref('Error')) };
  }
  const paths: Record<string, Record<string, Operation>> = {};
  const tags: Array<{ name: string; description: string }> = [];

  for (const object of registry.objects) {
    const perm = objectPermission(role, object);
    if (!perm.actions.size) continue;
    const can = (a: Action) => perm.actions.has(a);
    const name = componentName(object);
    const label = pickLabel(object.label, 'en', object.name);
    tags.push({ name: object.name, description: label });
    schemas[name] = withoutHidden(recordJsonSchema(object, 'read'), perm.hiddenFields);
    schemas[`${name}Create`] = withoutHidden(recordJsonSchema(object, 'create'), perm.hiddenFields);
    schemas[`${name}Update`] = withoutHidden(recordJsonSchema(object, 'update'), perm.hiddenFields);
    const base = `/api/v1/objects/${object.name}`;
    const op = (action: string, summary: string, extra: Operation): Operation => ({
      operationId: `${action}_${object.name}`,
      tags: [object.name],
      summary,
      ...extra,
    });
    const collection: Record<string, Operation> = {};
    const item: Record<string, Operation> = {};
    if (can('read')) {
      collection.get = op('list', `List ${label}`, {
        parameters: LIST_PARAMETERS,
        responses: {
          '200': {
            description: 'A page of records',
            content: json({ type: 'object', required: ['data', 'page'], properties: { data: { type: 'array', items: ref(name) }, page: ref('Page'), total: { type: 'integer' } } }),
          },
          ...errors('422'),
        },
      });
      item.get = op('get', `Get one ${label}`, {
        parameters: [ID_PARAM],
        responses: { '200': { description: 'The record', content: json(ref(name)) }, ...errors('404') },
      });
    }
    if (can('create')) {
      collection.post = op('create', `Create ${label}`, {
        requestBody: { required: true, content: json(ref(`${name}Create`)) },
        responses: { '201': { description: 'Created', content: json(ref(name)) }, ...errors('409', '413', '415', '422') },
      });
      paths[`${base}:upsert`] = {
        post: op('upsert', `Insert or update ${label} by external_id`, {
          requestBody: { required: true, content: json({ type: 'object', required: ['rows'], properties: { rows: { type: 'array', maxItems: 1000, items: ref(`${name}Create`) } } }) },
          responses: {
            '200': {
              description: 'Upserted',
              content: json({
                type: 'object',
                required: ['created', 'updated', 'records'],
                properties: { created: { type: 'integer' }, updated: { type: 'integer' }, records: { type: 'array', items: ref(name) } },
              }),
            },
            ...errors('409', '413', '415', '422'),
          },
        }),
      };
    }
    if (can('create') && can('update')) {
      const rowResult = {
        type: 'object',
        required: ['index', 'status'],
        properties: {
          index: { type: 'integer' },
          external_id: { type: 'string' },
          id: { type: 'string', format: 'uuid' },
          status: { type: 'string', enum: ['created', 'updated', 'unchanged', 'failed'] },
          errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, rule: { type: 'string' }, message: { type: 'string' } } } },
        },
      };
      paths[`${base}:bulk`] = {
        post: op('bulk', `Create or update up to 10,000 ${label} by external_id, each row with its own result`, {
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              description: 'Replaying a key (24 h) with the same body answers the stored result and changes nothing',
              schema: { type: 'string', maxLength: 255 },
            },
          ],
          requestBody: {
            required: true,
            content: {
              ...json({ type: 'array', maxItems: 10_000, items: ref(`${name}Create`) }),
              'application/x-ndjson': { schema: { type: 'string', description: 'one record per line' } },
            },
          },
          responses: {
            '200': { description: 'One result per row', content: json({ type: 'object', properties: { summary: { type: 'object' }, rows: { type: 'array', items: rowResult } } }) },
            ...errors('409', '413', '415', '422'),
          },
        }),
      };
    }
    if (can('update')) {
      item.patch = op('update', `Update ${label}`, {
        parameters: [ID_PARAM, { name: 'If-Match', in: 'header', description: 'Expected version', schema: { type: 'string' } }],
        requestBody: { required: true, content: json(ref(`${name}Update`)) },
        responses: { '200': { description: 'Updated', content: json(ref(name)) }, ...errors('404', '409', '413', '415', '422') },
      });
    }
    if (can('delete')) {
      item.delete = op('delete', `Delete ${label}`, {
        parameters: [ID_PARAM],
        responses: { '204': { description: 'Deleted' }, ...errors('404', '409') },
      });
      paths[`${base}/{id}/restore`] = {
        post: op('restore', `Restore a deleted ${label}`, {
          parameters: [ID_PARAM],
          requestBody: { content: json({ type: 'object', description: 'No body is needed' }) },
          responses: { '200': { description: 'Restored', content: json(ref(name)) }, ...errors('404') },
        }),
      };
    }
    if (can('export')) {
      paths[`${base}/export`] = {
        get: op('export', `Export ${label} as CSV`, {
          parameters: [{ name: 'format', in: 'query', schema: { type: 'string', enum: ['csv'] } }, ...LIST_PARAMETERS.filter((p) => p.name === 'filter' || p.name === 'sort' || p.name === 'q')],
          responses: { '200': { description: 'CSV file', content: { 'text/csv': { schema: { type: 'string' } } } }, ...errors('422') },
        }),
      };
    }
    if (Object.keys(collection).length) paths[base] = collection;
    if (Object.keys(item).length) paths[`${base}/{id}`] = item;
  }

  addRoutePaths(routes, paths);
  addPerObjectRoutePaths(routes, objectsOfRole(registry, role), paths);

  return {
    openapi: '3.1.0',
    info: { title: 'Attain API', version: `rev-${registry.revision}` },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
    tags,
    paths,
    components: {
      schemas,
      responses,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT or atn_ API token' } },
    },
  };
}
