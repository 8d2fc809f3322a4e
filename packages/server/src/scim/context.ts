// What every SCIM request shares: the caller (a scim-scoped API token), the base URL resources
// are located at, list parameters, and the diff that turns a full resource into a record patch.
import type { FastifyRequest } from 'fastify';
import { isUuid, type Rec } from '@attain/store';
import type { AccessContext } from '../rbac/context.ts';
import type { RecordService } from '../store-port.ts';
import { requireAccess } from '../rest/request-access.ts';
import { MAX_RESULTS } from './discovery.ts';
import { ScimError } from './errors.ts';

export const SCIM_PREFIX = '/scim/v2';

/** The SCIM caller: only an API token limited to the `scim` scope provisions people. */
export function scimAccess(request: FastifyRequest): AccessContext {
  const access = requireAccess(request);
  if (access.principal.via !== 'token' || !access.principal.scopes?.includes('scim')) {
    throw new ScimError(403, undefined, 'SCIM needs an API token with the scim scope (POST /api/v1/auth/tokens {"scopes":["scim"]})', [
      { path: '/authorization', rule: 'token_scope', message: 'needs the scim scope' },
    ]);
  }
  return access;
}

export function baseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}/api/v1${SCIM_PREFIX}`;
}

export async function service(access: AccessContext, object: string, ...actions: Array<'read' | 'create' | 'update' | 'delete'>): Promise<RecordService> {
  return (await access.grant(object, 'read', ...actions)).service;
}

export function resourceId(request: FastifyRequest): string {
  const id = (request.params as { id: string }).id;
  if (!isUuid(id)) throw notFound(id);
  return id.toLowerCase();
}

export const notFound = (id: string) => new ScimError(404, undefined, `no resource has the id ${JSON.stringify(id.slice(0, 100))}`);

export interface ListParams {
  filter: string | undefined;
  startIndex: number;
  count: number;
  excluded: Set<string>;
}

function positiveInt(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new ScimError(400, 'invalidValue', `${name} must be an integer`, [{ path: `/${name}`, rule: 'type', message: 'must be an integer' }]);
  return n;
}

/** RFC 7644 §3.4.2.4: startIndex is 1-based (below 1 means 1), count below 0 means 0. */
export function listParams(request: FastifyRequest): ListParams {
  const q = request.query as Record<string, unknown>;
  // A repeated filter must not widen the list to everything.
  if (q.filter !== undefined && typeof q.filter !== 'string') throw new ScimError(400, 'invalidFilter', 'give one filter', [{ path: '/filter', rule: 'type', message: 'one text value' }]);
  const filter = typeof q.filter === 'string' && q.filter.trim() !== '' ? q.filter : undefined;
  const startIndex = Math.max(1, positiveInt(q.startIndex, 'startIndex', 1));
  const count = Math.min(MAX_RESULTS, Math.max(0, positiveInt(q.count, 'count', 100)));
  const excluded = new Set(typeof q.excludedAttributes === 'string' ? q.excludedAttributes.split(',').map((a) => a.trim().toLowerCase()) : []);
  return { filter, startIndex, count, excluded };
}

// Ids and emails compare without case; every other value as written.
function same(key: string, a: unknown, b: unknown): boolean {
  const x = a === undefined || a === '' ? null : a;
  const y = b === undefined || b === '' ? null : b;
  const caseless = key === 'email' || (key.endsWith('_id') && key !== 'external_id');
  if (caseless && typeof x === 'string' && typeof y === 'string') return x.toLowerCase() === y.toLowerCase();
  return x === y;
}

/** The fields of `next` that differ from the record: a write states only what changes. */
export function changes(record: Rec, next: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(next).filter(([k, v]) => !same(k, record[k], v)));
}
