import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, badRequest, notFound } from '../http/errors.ts';
import type { IdempotencyStore } from '@attain/store';
import { BULK_BODY_LIMIT, bulkWrite, capBody } from './bulk.ts';
import { exportRecords } from './records-export.ts';
import { parseNdjson } from './ndjson.ts';
import { parseListQuery, type RawListQuery } from './list-query.ts';
import type { ListCache } from './list-cache.ts';
import { requireAccess } from './request-access.ts';
import { arrayOf, file, INTEGER, list, NO_BODY, NO_CONTENT, nullable, object, OBJECT, params, query, replies, STRING } from '../http/route-schema.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UPSERT_MAX_ROWS = 1000;

/** A record: its fields are the object's (described per object in the OpenAPI document). */
const RECORD = object({ id: STRING }, ['id']);
const EFFECTIVE = query({ effective_from: { type: 'string', description: 'YYYY-MM-DD: the day an org change takes effect (user, org_unit)' } });

type Params = { object: string; id?: string };

function body(request: FastifyRequest): Record<string, unknown> {
  const value = request.body;
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest('invalid_body', 'the body must be a JSON object', [{ path: '', rule: 'type', message: 'must be an object' }]);
  }
  return value as Record<string, unknown>;
}

// Ids are uuids; anything else cannot exist, and is answered like a missing record.
function recordId(params: Params): string {
  if (!params.id || !UUID.test(params.id)) throw notFound('no such record');
  return params.id.toLowerCase();
}

function expectedVersion(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) return undefined;
  const text = String(header).replace(/^W\//, '').replaceAll('"', '');
  if (!/^\d{1,9}$/.test(text)) throw badRequest('invalid_version', 'If-Match must be the record version number');
  return Number(text);
}

export interface RecordRouteOptions {
  /** Serialised list responses (see ListCache); none when absent. */
  listCache?: ListCache;
  /** The store's change feed: the data version that keys the list cache. */
  changes?: { dataVersion(schema: string): number | undefined };
  /** Idempotency keys of bulk writes (`:bulk`). */
  idempotency: IdempotencyStore;
}

export async function recordRoutes(app: FastifyInstance, options: RecordRouteOptions): Promise<void> {
  const { listCache, changes, idempotency } = options;
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'buffer' }, (_request, raw, done) => {
    try {
      done(null, parseNdjson(raw as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.get(
    '/objects/:object',
    {
      schema: {
        params: params('object'),
        querystring: query({
          filter: { type: 'string', description: 'Filter as JSON: {"and":[…]} | {"or":[…]} | {"not":…} | {"field":{"eq":…}}' },
          sort: { type: 'string', description: 'Comma-separated fields, "-" for descending' },
          limit: { type: 'string', description: '1 to 500, 50 by default' },
          after: { type: 'string', description: 'Keyset cursor from page.next' },
          offset: STRING,
          count: { type: 'string', description: 'true to include the total' },
          q: { type: 'string', description: 'Full-text search' },
        }),
        response: replies({ 200: object({ data: arrayOf(RECORD), page: object({ next: nullable(STRING), limit: INTEGER }), total: INTEGER }, ['data', 'page']) }),
      },
    },
    async (request, reply) => {
      const access = requireAccess(request);
      const { object } = request.params as Params;
      const grant = await access.grant(object, 'read');
      const principal = access.principal;
      // The version is read before the query: a write landing meanwhile moves it, so the entry
      // stored under the old version is never served again.
      const key = listCache?.keyFor(principal, grant, changes?.dataVersion(principal.tenant.schema), request.url);
      const hit = key === undefined ? undefined : listCache?.get(key);
      reply.header('content-type', 'application/json; charset=utf-8');
      if (hit !== undefined) {
        reply.header('x-attain-cache', 'hit');
        return hit;
      }
      const body = Buffer.from(JSON.stringify(await grant.service.list(object, parseListQuery(request.query as RawListQuery))));
      if (key !== undefined) {
        listCache?.set(key, body);
        reply.header('x-attain-cache', 'miss');
      }
      return body;
    },
  );

  app.get(
    '/objects/:object/export',
    {
      schema: {
        params: params('object'),
        querystring: query({ format: { type: 'string', description: 'csv (default) or xlsx' }, filter: STRING, sort: STRING, q: STRING }),
        response: replies({ 200: file('text/csv') }),
      },
    },
    exportRecords,
  );

  app.get('/objects/:object/:id', { schema: { params: params('object', 'id'), response: replies({ 200: RECORD }) } }, async (request) => {
    const access = requireAccess(request);
    const params = request.params as Params;
    const { service } = await access.grant(params.object, 'read');
    const record = await service.get(params.object, recordId(params));
    if (!record) throw notFound('no such record');
    return record;
  });

  // `POST /objects/deal:upsert` and `POST /objects/deal` share one route: find-my-way cannot
  // tell a parameter from a parameter with a `:upsert` suffix on the same segment. So `:bulk`
  // shares it too, and its raised body limit is the route's; capBody holds every other write of
  // this route to the server's limit.
  const serverLimit = app.initialConfig.bodyLimit ?? 1024 * 1024;
  app.post(
    '/objects/:object',
    {
      bodyLimit: Math.max(BULK_BODY_LIMIT, serverLimit),
      preParsing: capBody(serverLimit),
      schema: {
        params: params('object'),
        querystring: EFFECTIVE,
        body: { description: 'The record (its object schema, per object in the document), or for `<object>:upsert` {rows: [...]}, or for `<object>:bulk` an array or NDJSON of rows' },
        response: replies({ 200: OBJECT, 201: RECORD }),
      },
    },
    async (request, reply) => {
      const { object: raw } = request.params as Params;
      if (raw.endsWith(':bulk')) return bulkWrite(request, reply, raw.slice(0, -':bulk'.length), idempotency, effectiveFrom(request));
      const access = requireAccess(request);
      if (raw.endsWith(':upsert')) {
        const object = raw.slice(0, -':upsert'.length);
        const grant = await access.grant(object, 'create', 'update');
        const payload = request.body;
        const rows = Array.isArray(payload) ? payload : (body(request).rows as unknown);
        if (!Array.isArray(rows) || rows.length === 0 || rows.length > UPSERT_MAX_ROWS) {
          throw badRequest('invalid_body', `send {"rows": [...]} with 1 to ${UPSERT_MAX_ROWS} records`, [{ path: '/rows', rule: 'type', message: 'must be a non-empty array' }]);
        }
        rows.forEach((row: unknown, i) => {
          if (!row || typeof row !== 'object' || Array.isArray(row))
            throw badRequest('invalid_body', 'every row must be an object', [{ path: `/rows/${i}`, rule: 'type', message: 'must be an object' }]);
          const r = row as Record<string, unknown>;
          if (typeof r.external_id !== 'string' || !r.external_id) {
            throw new ApiError(422, 'validation_failed', 'every row needs an external_id', [{ path: `/rows/${i}/external_id`, rule: 'required', message: 'is required for upsert' }]);
          }
          access.assertOwnerInScope(grant, r);
        });
        // The answer stays {created, updated, records}: per-row statuses are the bulk route's.
        const { created, updated, records } = await grant.service.upsert(object, rows as Array<Record<string, unknown> & { external_id: string }>, access.actor, effectiveFrom(request));
        return { created, updated, records };
      }
      const grant = await access.grant(raw, 'create');
      const data = body(request);
      access.assertOwnerInScope(grant, data);
      const created = await grant.service.create(raw, data, access.actor);
      reply.status(201).header('location', `/api/v1/objects/${raw}/${created.id}`);
      return created;
    },
  );

  app.patch(
    '/objects/:object/:id',
    {
      schema: {
        params: params('object', 'id'),
        querystring: EFFECTIVE,
        body: { description: 'The fields to change (the object schema, per object in the document)' },
        response: replies({ 200: RECORD }),
      },
    },
    async (request) => {
      const access = requireAccess(request);
      const params = request.params as Params;
      const grant = await access.grant(params.object, 'update');
      const patch = body(request);
      access.assertOwnerInScope(grant, patch);
      const version = expectedVersion(request);
      return grant.service.update(params.object, recordId(params), patch, access.actor, { ...(version !== undefined ? { expectedVersion: version } : {}), ...effectiveFrom(request) });
    },
  );

  app.delete('/objects/:object/:id', { schema: { params: params('object', 'id'), response: replies({ 204: NO_CONTENT }) } }, async (request, reply) => {
    const access = requireAccess(request);
    const params = request.params as Params;
    const { service } = await access.grant(params.object, 'delete');
    await service.delete(params.object, recordId(params), access.actor);
    reply.status(204);
  });

  app.post('/objects/:object/:id/restore', { schema: { params: params('object', 'id'), body: NO_BODY, response: replies({ 200: RECORD }) } }, async (request) => {
    const access = requireAccess(request);
    const params = request.params as Params;
    const { service } = await access.grant(params.object, 'delete');
    return service.restore(params.object, recordId(params), access.actor);
  });
}

/** `?effective_from=YYYY-MM-DD` on a user or org_unit write: the day its org change takes effect (the store checks it). */
function effectiveFrom(request: FastifyRequest): { effectiveFrom?: string } {
  const v = (request.query as Record<string, unknown> | undefined)?.effective_from;
  if (v === undefined) return {};
  if (typeof v !== 'string') throw badRequest('invalid_query', 'effective_from must be one date', [{ path: '/effective_from', rule: 'type', message: 'must be a date YYYY-MM-DD' }]);
  return { effectiveFrom: v };
}
