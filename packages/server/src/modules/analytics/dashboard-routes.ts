import { pickLabel } from '@attain/meta';
import type { FastifyInstance } from 'fastify';
import { replies } from '../../http/route-schema.ts';
import { requireAccess } from '../../rest/request-access.ts';
import type { Store } from '../../store-port.ts';
import { dashboardResponse, dashboardRunResponse, dashboardListResponse } from './dashboard-responses.ts';
import { dashboardAnswer } from './dashboard-answer.ts';
import type { DashboardDoc, FilterValue } from './dashboard-schema.ts';
import { seenDashboard, sharedWithRole, visibleDashboards, type VisibleDashboard } from './dashboard-visible.ts';
import { userDashboardRoutes } from './dashboard-user-routes.ts';
import { snapshotRoutes } from './snapshot-routes.ts';

const NAME = { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' } } } as const;
const DAY = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
const FILTER_VALUE = {
  anyOf: [
    { type: ['string', 'number', 'boolean', 'null'], maxLength: 200 },
    { type: 'array', maxItems: 200, items: { type: ['string', 'number'], maxLength: 200 } },
    { type: 'object', maxProperties: 2, additionalProperties: { type: ['string', 'integer'], maxLength: 20 } },
  ],
} as const;

const summary = (d: VisibleDashboard, role: string | undefined, me: string, locale: string) => ({
  name: d.doc.name,
  label: d.doc.label,
  // A description given per language is answered in the caller's.
  ...(d.doc.description ? { description: typeof d.doc.description === 'string' ? d.doc.description : pickLabel(d.doc.description, locale) } : {}),
  widgets: d.doc.widgets.length,
  default: role !== undefined && (d.doc.defaultFor ?? []).includes(role),
  source: d.source,
  mine: d.ownerId === me,
  team: d.team,
  editable: d.editable,
});

/**
 * `GET /analytics/dashboards` (the caller's), `GET /analytics/dashboards/default` (their role's Home),
 * `GET /analytics/dashboards/:name` (the document, for the viewer and designer) and
 * `POST /analytics/dashboards/:name/run` (every widget, with the dashboard's filters).
 */
export async function dashboardRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;
  const tags = ['analytics'];

  app.get('/analytics/dashboards', { config: { summary: 'List the dashboards shared with the caller', tags }, schema: { response: replies({ 200: dashboardListResponse }) } }, async (request) => {
    const access = requireAccess(request);
    const role = access.principal.role?.name;
    return { data: (await visibleDashboards(store, access)).map((d) => summary(d, role, access.principal.userId, access.locale ?? 'en')) };
  });

  app.get('/analytics/dashboards/default', { config: { summary: "The caller's role's default dashboard", tags }, schema: { response: replies({ 200: dashboardResponse }) } }, async (request) => {
    const access = requireAccess(request);
    const role = access.principal.role?.name;
    // Only metadata dashboards are a role's Home: no need to read the built ones on every Home load.
    const docs = access.registry.documentsOfKind('analytics.dashboard') as DashboardDoc[];
    const doc = role === undefined ? undefined : docs.find((d) => sharedWithRole(d, access) && (d.defaultFor ?? []).includes(role));
    return { data: doc ?? null };
  });

  app.get('/analytics/dashboards/:name', { config: { summary: 'A dashboard document', tags }, schema: { params: NAME, response: replies({ 200: dashboardResponse }) } }, async (request) => {
    const access = requireAccess(request);
    const d = await seenDashboard(store, access, (request.params as { name: string }).name);
    return { data: d.doc, meta: { source: d.source, editable: d.editable, team: d.team, version: d.version } };
  });

  app.post(
    '/analytics/dashboards/:name/run',
    {
      config: { summary: "Run every widget of a dashboard in the caller's scope", tags },
      schema: {
        params: NAME,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { filters: { type: 'object', maxProperties: 10, propertyNames: { pattern: '^[a-z][a-z0-9_]{0,62}$' }, additionalProperties: FILTER_VALUE }, asOf: DAY },
        },
        response: replies({ 200: dashboardRunResponse }),
      },
    },
    async (request, reply) => {
      const access = requireAccess(request);
      const { doc } = await seenDashboard(store, access, (request.params as { name: string }).name);
      const body = (request.body ?? {}) as { filters?: Record<string, FilterValue>; asOf?: string };
      const answer = await dashboardAnswer(store, access, doc, body.filters, body.asOf);
      reply.header('content-type', 'application/json; charset=utf-8');
      if (answer.cacheable) reply.header('x-attain-cache', answer.hit ? 'hit' : 'miss');
      return answer.body;
    },
  );

  await userDashboardRoutes(app, opts);
  await snapshotRoutes(app, opts);
}
