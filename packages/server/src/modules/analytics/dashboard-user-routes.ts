// Dashboards people build in the studio: create, change and delete their own (admins: any).
// The document is checked like an `analytics.dashboard` metadata document (meta-schema, then the
// cross-checks against the tenant's objects, reports and roles); only admins share with roles.
import type { FastifyInstance } from 'fastify';
import { validateAgainstMetaSchema } from '@attain/meta';
import { ApiError, forbidden } from '../../http/errors.ts';
import { replies } from '../../http/route-schema.ts';
import { requireAccess } from '../../rest/request-access.ts';
import { isAdmin } from '../../rbac/permissions.ts';
import type { AccessContext } from '../../rbac/context.ts';
import type { Store } from '../../store-port.ts';
import { dashboardIssues } from './dashboard-kind.ts';
import { savedDashboardResponse } from './dashboard-responses.ts';
import type { DashboardDoc } from './dashboard-schema.ts';
import { deleteUserDashboard, newDashboardName, saveUserDashboard } from './dashboard-store.ts';
import { seenDashboard } from './dashboard-visible.ts';
import { deleteSubscriptionsOf } from './subscription-store.ts';

const NAME = { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' } } } as const;
// The document's parts are checked by the kind's meta-schema (one source); the route only frames them.
const BODY = {
  type: 'object',
  required: ['label', 'widgets'],
  additionalProperties: false,
  properties: {
    label: { type: 'object' },
    description: { type: 'string', maxLength: 2000 },
    filters: { type: 'array', maxItems: 10, items: { type: 'object' } },
    widgets: { type: 'array', maxItems: 30, items: { type: 'object' } },
    /** Shared with the owner's team (people whose team scope the owner's reaches). */
    team: { type: 'boolean' },
    /** Shared with roles: admins only. */
    sharedWith: { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 63 } },
    /** The version the editor started from (PUT): a newer one is a 409. */
    version: { type: 'integer', minimum: 1 },
  },
} as const;

interface Body {
  label: DashboardDoc['label'];
  description?: string;
  filters?: DashboardDoc['filters'];
  widgets: DashboardDoc['widgets'];
  team?: boolean;
  sharedWith?: string[];
  version?: number;
}

/** The body as a dashboard document, refused with every problem the metadata checks find. */
function documentOf(access: AccessContext, name: string, b: Body): DashboardDoc {
  if (b.sharedWith && !isAdmin(access.principal.role))
    throw forbidden('only an admin may share a dashboard with roles; share it with your team', [{ path: '/sharedWith', rule: 'admin', message: 'admins only' }]);
  const doc: DashboardDoc = {
    kind: 'analytics.dashboard',
    id: `user.${name}`,
    name,
    label: b.label,
    ...(b.description ? { description: b.description } : {}),
    ...(b.filters ? { filters: b.filters } : {}),
    widgets: b.widgets,
    ...(b.sharedWith ? { sharedWith: b.sharedWith } : {}),
  };
  const shape = validateAgainstMetaSchema(doc);
  const issues = shape.length ? shape : dashboardIssues(access.registry, doc);
  if (issues.length)
    throw new ApiError(
      422,
      'dashboard_invalid',
      `the dashboard has ${issues.length} problem(s): ${issues[0]?.path} ${issues[0]?.message}`,
      issues.map(({ path, rule, message }) => ({ path, rule, message })),
    );
  return doc;
}

const answer = (saved: { doc: DashboardDoc; team: boolean; version: number }) => ({ data: saved.doc, meta: { source: 'user' as const, editable: true, team: saved.team, version: saved.version } });

export async function userDashboardRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;
  const tags = ['analytics'];

  app.post(
    '/analytics/dashboards',
    { config: { summary: 'Build a dashboard (yours; share it with your team)', tags }, schema: { body: BODY, response: replies({ 201: savedDashboardResponse }) } },
    async (request, reply) => {
      const access = requireAccess(request);
      const b = request.body as Body;
      const doc = documentOf(access, newDashboardName(), b);
      const saved = await saveUserDashboard(store, access.tenantName, { doc, ownerId: access.principal.userId, team: b.team === true }, access.actor);
      return reply.status(201).send(answer(saved));
    },
  );

  app.put(
    '/analytics/dashboards/:name',
    { config: { summary: 'Change a dashboard you built', tags }, schema: { params: NAME, body: BODY, response: replies({ 200: savedDashboardResponse }) } },
    async (request) => {
      const access = requireAccess(request);
      const found = await seenDashboard(store, access, (request.params as { name: string }).name);
      if (found.source === 'metadata')
        throw new ApiError(409, 'metadata_dashboard', 'this dashboard is metadata: an admin changes it through metadata (or builds a copy)', [
          { path: '/name', rule: 'source', message: 'a metadata dashboard' },
        ]);
      if (!found.editable) throw forbidden('only its owner or an admin may change this dashboard');
      const b = request.body as Body;
      const doc = documentOf(access, found.doc.name, { ...b, ...(b.sharedWith === undefined && found.doc.sharedWith && isAdmin(access.principal.role) ? { sharedWith: found.doc.sharedWith } : {}) });
      const saved = await saveUserDashboard(store, access.tenantName, { doc, ownerId: found.ownerId as string, team: b.team ?? found.team }, access.actor, b.version);
      if ((saved as unknown as { conflict?: number }).conflict !== undefined) {
        throw new ApiError(409, 'conflict', 'the dashboard was changed by someone else since you opened it', [
          { path: '/version', rule: 'version', message: `now version ${(saved as unknown as { conflict: number }).conflict}` },
        ]);
      }
      return answer(saved);
    },
  );

  app.delete(
    '/analytics/dashboards/:name',
    { config: { summary: 'Delete a dashboard you built', tags }, schema: { params: NAME, response: replies({ 204: { type: 'null' } }) } },
    async (request, reply) => {
      const access = requireAccess(request);
      const found = await seenDashboard(store, access, (request.params as { name: string }).name);
      if (found.source === 'metadata')
        throw new ApiError(409, 'metadata_dashboard', 'this dashboard is metadata: an admin removes it through metadata', [{ path: '/name', rule: 'source', message: 'a metadata dashboard' }]);
      if (!found.editable) throw forbidden('only its owner or an admin may delete this dashboard');
      await deleteUserDashboard(store, access.tenantName, found.doc.name, access.actor);
      await deleteSubscriptionsOf(store, access.tenantName, found.doc.name, access.actor);
      return reply.status(204).send();
    },
  );
}
