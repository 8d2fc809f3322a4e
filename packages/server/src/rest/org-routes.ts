// The effective-dated org over HTTP: read a person's or unit's history, and change the org from
// given dates on (what an HR connector or an import sends). Admins only: the org decides pay.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, forbidden } from '../http/errors.ts';
import type { AccessContext } from '../rbac/context.ts';
import { isAdmin } from '../rbac/permissions.ts';
import type { Store } from '../store-port.ts';
import { requireAccess } from './request-access.ts';
import { ANY, arrayOf, BOOLEAN, jsonBody, list, object, OBJECT, params, query, replies } from '../http/route-schema.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function admin(request: FastifyRequest): AccessContext {
  const access = requireAccess(request);
  if (!isAdmin(access.principal.role)) throw forbidden('only an admin may read or change the org history');
  if (!access.registry.object('user')) throw badRequest('org_unavailable', 'the org needs the core "user" object');
  return access;
}

/** Optional comma-separated ids in a query parameter, each a uuid. */
function idList(value: unknown, path: string): string[] | undefined {
  if (value === undefined) return undefined;
  const ids = typeof value === 'string' ? value.split(',').filter(Boolean) : [];
  if (!ids.length || ids.length > 500 || ids.some((id) => !UUID.test(id)))
    throw badRequest('invalid_query', `${path.slice(1)} must be a comma-separated list of ids`, [{ path, rule: 'format', message: 'must be 1 to 500 uuids' }]);
  return ids;
}

/** One id or the same parameter repeated (`?user=a&user=b`). */
const IDS = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };

export async function orgRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.get('/org/memberships', { schema: { querystring: query({ user: IDS }), response: replies({ 200: list() }) } }, async (request) => {
    const access = admin(request);
    const users = idList((request.query as Record<string, unknown>).user, '/user');
    return { data: await (await store.org(access.tenantName)).memberships(users) };
  });

  app.get('/org/units', { schema: { querystring: query({ unit: IDS }), response: replies({ 200: list() }) } }, async (request) => {
    const access = admin(request);
    const units = idList((request.query as Record<string, unknown>).unit, '/unit');
    return { data: await (await store.org(access.tenantName)).unitHistory(units) };
  });

  app.get('/org/on/:day', { schema: { params: params('day'), response: replies({ 200: object({ data: ANY }, ['data']) }) } }, async (request) => {
    const access = admin(request);
    const day = (request.params as { day: string }).day;
    if (!DAY.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`)))
      throw badRequest('invalid_query', 'the day must be a date YYYY-MM-DD', [{ path: '/day', rule: 'format', message: 'must be YYYY-MM-DD' }]);
    return { data: await (await store.org(access.tenantName)).on(day) };
  });

  // Rows replace each person's or unit's timeline from their earliest valid_from on; `dryRun`
  // returns the before/after of each timeline and changes nothing.
  app.post('/org/changes', { schema: { body: jsonBody({ memberships: arrayOf(), units: arrayOf(), dryRun: BOOLEAN }), response: replies({ 200: OBJECT }) } }, async (request) => {
    const access = admin(request);
    const b = request.body;
    if (!b || typeof b !== 'object' || Array.isArray(b)) throw badRequest('invalid_body', 'the body must be a JSON object', [{ path: '/', rule: 'type', message: 'must be an object' }]);
    const { memberships, units, dryRun } = b as Record<string, unknown>;
    if (dryRun !== undefined && typeof dryRun !== 'boolean') throw badRequest('invalid_body', '"dryRun" must be true or false', [{ path: '/dryRun', rule: 'type', message: 'must be a boolean' }]);
    const org = await store.org(access.tenantName);
    return org.change({ memberships, units }, { dryRun: dryRun === true, source: 'api', actor: access.actor });
  });
}
