// RFC 7644 §3.7 Bulk: each operation runs as its own request through the same routes (same
// token, same checks, one transaction each), in order; `bulkId:<id>` in a later path or body is
// the id an earlier POST created. Operations before a failure stay done, as the RFC has it.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SCIM_PREFIX, scimAccess } from './context.ts';
import { MAX_OPERATIONS } from './discovery.ts';
import { ScimError } from './errors.ts';
import { isObject, keyOf, type Json } from './schemas.ts';
import { SCIM_SCHEMAS as S } from './route-schemas.ts';

export const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

const METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const PATH = /^\/(Users|Groups)(\/[0-9a-fA-F-]{36}|\/bulkId:[\w.-]{1,100})?$/;
const BULK_REF = /bulkId:([\w.-]{1,100})/g;

const invalid = (i: number, field: string, message: string) => new ScimError(400, 'invalidSyntax', `operation ${i}: ${message}`, [{ path: `/Operations/${i}/${field}`, rule: 'invalid', message }]);

interface Operation {
  method: string;
  bulkId: string | undefined;
  path: string;
  data: unknown;
}

function operations(body: unknown): { ops: Operation[]; failOnErrors: number } {
  if (!isObject(body) || !Array.isArray(body.schemas) || !body.schemas.includes(BULK_REQUEST)) {
    throw new ScimError(400, 'invalidSyntax', `a Bulk body has schemas ["${BULK_REQUEST}"]`, [{ path: '/schemas', rule: 'required', message: `must contain ${BULK_REQUEST}` }]);
  }
  const list = body[keyOf(body, 'Operations')];
  if (!Array.isArray(list) || list.length === 0)
    throw new ScimError(400, 'invalidSyntax', 'Operations must list at least one operation', [{ path: '/Operations', rule: 'type', message: 'a non-empty list' }]);
  if (list.length > MAX_OPERATIONS)
    throw new ScimError(413, 'tooMany', `at most ${MAX_OPERATIONS} operations per request`, [{ path: '/Operations', rule: 'maxItems', message: `at most ${MAX_OPERATIONS}` }]);
  const fail = body[keyOf(body, 'failOnErrors')];
  if (fail !== undefined && (!Number.isInteger(fail) || (fail as number) < 1))
    throw new ScimError(400, 'invalidValue', 'failOnErrors must be a positive integer', [{ path: '/failOnErrors', rule: 'type', message: 'a positive integer' }]);
  const ops = list.map((raw, i): Operation => {
    if (!isObject(raw)) throw invalid(i, '', 'must be an object');
    const method = String(raw[keyOf(raw, 'method')] ?? '').toUpperCase();
    if (!METHODS.has(method)) throw invalid(i, 'method', 'method must be POST, PUT, PATCH or DELETE');
    const path = raw[keyOf(raw, 'path')];
    if (typeof path !== 'string' || !PATH.test(path)) throw invalid(i, 'path', 'path must be /Users or /Groups, with an id for PUT, PATCH and DELETE');
    if ((method === 'POST') !== !path.slice(1).includes('/')) throw invalid(i, 'path', method === 'POST' ? 'POST goes to /Users or /Groups' : `${method} needs /Users/{id} or /Groups/{id}`);
    const bulkId = raw[keyOf(raw, 'bulkId')];
    if (method === 'POST' && (typeof bulkId !== 'string' || bulkId === '' || bulkId.length > 100)) throw invalid(i, 'bulkId', 'a POST needs a bulkId');
    return { method, bulkId: typeof bulkId === 'string' ? bulkId : undefined, path, data: raw[keyOf(raw, 'data')] };
  });
  return { ops, failOnErrors: typeof fail === 'number' ? fail : Number.POSITIVE_INFINITY };
}

/** Replaces `bulkId:<id>` with the created resource's id; undefined when one is not known (yet). */
function resolve(text: string, ids: ReadonlyMap<string, string>): string | undefined {
  let unknown = false;
  const out = text.replace(BULK_REF, (_m, id: string) => ids.get(id) ?? ((unknown = true), ''));
  return unknown ? undefined : out;
}

export async function bulkRoute(app: FastifyInstance): Promise<void> {
  app.post('/Bulk', { schema: S.bulk }, async (request: FastifyRequest) => {
    scimAccess(request);
    const { ops, failOnErrors } = operations(request.body);
    const ids = new Map<string, string>();
    const results: Json[] = [];
    let errors = 0;
    for (const op of ops) {
      if (errors >= failOnErrors) break;
      const head: Json = { method: op.method, ...(op.bulkId ? { bulkId: op.bulkId } : {}) };
      const path = resolve(op.path, ids);
      const data = op.data === undefined ? undefined : resolve(JSON.stringify(op.data), ids);
      if (path === undefined || (op.data !== undefined && data === undefined)) {
        errors++;
        results.push({
          ...head,
          status: '409',
          response: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '409', scimType: 'invalidValue', detail: 'a bulkId it names was not created by an earlier operation' },
        });
        continue;
      }
      const res = await app.inject({
        method: op.method as 'POST',
        url: `/api/v1${SCIM_PREFIX}${path}`,
        headers: { authorization: String(request.headers.authorization ?? ''), ...(data !== undefined ? { 'content-type': 'application/scim+json' } : {}), host: request.host },
        ...(data !== undefined ? { payload: data } : {}),
      });
      const out: Json = { ...head, status: String(res.statusCode) };
      if (res.statusCode < 300) {
        const created = res.statusCode === 201 ? (res.json() as Json) : undefined;
        if (op.bulkId && typeof created?.id === 'string') ids.set(op.bulkId, created.id);
        const location = res.headers.location ?? (isObject(created?.meta) ? created.meta.location : undefined);
        if (location) out.location = location;
      } else {
        errors++;
        out.response = res.json();
      }
      results.push(out);
    }
    return { schemas: [BULK_RESPONSE], Operations: results };
  });
}
