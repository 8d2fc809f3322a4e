// Dashboard snapshots: `GET …/dashboards/:name/export?format=png|pdf` (the caller's view as a file),
// subscriptions that send one on a schedule (`POST/GET/DELETE …/dashboards/:name/subscriptions`),
// and the short-lived link a robot message carries (`GET /analytics/snapshots/:token`, no login:
// the token is the credential, 24 random bytes, kept only as a hash, for 7 days).
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ApiError, badRequest } from '../../http/errors.ts';
import { replies } from '../../http/route-schema.ts';
import { refuseBlockedOutbound } from '../../rest/outbound-check.ts';
import { isAdmin } from '../../rbac/permissions.ts';
import { requireAccess } from '../../rest/request-access.ts';
import type { AccessContext } from '../../rbac/context.ts';
import type { Store } from '../../store-port.ts';
import { parseFilters, renderDashboard, runForExport, type SnapshotFormat } from './dashboard-export.ts';
import { filterValues } from './dashboard-run.ts';
import { seenDashboard } from './dashboard-visible.ts';
import { subscriptionBody, subscriptionListResponse, subscriptionResponse, type SubscriptionBody } from './subscription-schema.ts';
import { scheduleSubscription } from './subscription-jobs.ts';
import { createSubscription, deleteSubscription, readLink, subscription, subscriptionsOf, type Subscription } from './subscription-store.ts';

const NAME = { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' } as const;
const BINARY = { schema: { type: 'string', format: 'binary' } };
const FILE = { description: 'A PNG or PDF file', content: { 'image/png': BINARY, 'application/pdf': BINARY } };

/** What a subscription looks like to its owner: the robot's URL without its query (it holds the robot's key), never its secret. */
function shown(s: Subscription) {
  const { linkBase: _base, robot, ...rest } = s;
  let url = '';
  if (robot) {
    const u = new URL(robot.url);
    url = `${u.origin}${u.pathname.replace(/[^/]{12,}$/, (tail) => `${tail.slice(0, 4)}…`)}`;
  }
  return { ...rest, robot: robot ? { format: robot.format, url, signed: Boolean(robot.secret) } : null };
}

/** The recipients must be users the owner may read (their own scope on users); each one refused is named. */
async function checkRecipients(access: AccessContext, ids: string[]): Promise<void> {
  const users = (await access.grant('user', 'read')).service;
  const missing: number[] = [];
  for (const [i, id] of ids.entries()) if (!(await users.get('user', id).catch(() => undefined))) missing.push(i);
  if (missing.length)
    throw badRequest(
      'invalid_body',
      'recipients must be users of the tenant you may read',
      missing.map((i) => ({ path: `/recipients/${i}`, rule: 'readable', message: 'not a user you may read' })),
    );
}

export async function snapshotRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;
  const tags = ['analytics'];

  app.get(
    '/analytics/dashboards/:name/export',
    {
      config: { summary: "A dashboard as the caller sees it, as a PNG or PDF (needs export on each widget's object)", tags },
      schema: {
        params: { type: 'object', required: ['name'], properties: { name: NAME } },
        querystring: {
          type: 'object',
          required: ['format'],
          additionalProperties: false,
          properties: { format: { type: 'string', enum: ['png', 'pdf'] }, filters: { type: 'string', maxLength: 4000 }, asOf: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } },
        },
        response: replies({ 200: FILE }),
      },
    },
    async (request, reply) => {
      const access = requireAccess(request);
      const q = request.query as { format: SnapshotFormat; filters?: string; asOf?: string };
      const out = await renderDashboard(store, access, (request.params as { name: string }).name, {
        format: q.format,
        filters: parseFilters(q.filters),
        ...(q.asOf ? { asOf: q.asOf } : {}),
        now: new Date(),
      });
      return reply.header('content-type', out.contentType).header('content-disposition', `attachment; filename="${out.filename}"`).header('cache-control', 'private, no-store').send(out.bytes);
    },
  );

  app.get(
    '/analytics/dashboards/:name/subscriptions',
    {
      config: { summary: "The caller's subscriptions to a dashboard (an admin: everyone's)", tags },
      schema: { params: { type: 'object', required: ['name'], properties: { name: NAME } }, response: replies({ 200: subscriptionListResponse }) },
    },
    async (request) => {
      const access = requireAccess(request);
      const { doc } = await seenDashboard(store, access, (request.params as { name: string }).name);
      const all = await subscriptionsOf(store, access.tenantName, doc.name);
      const admin = isAdmin(access.principal.role);
      return { data: all.filter((s) => admin || s.ownerId === access.principal.userId).map(shown) };
    },
  );

  app.post(
    '/analytics/dashboards/:name/subscriptions',
    {
      config: { summary: 'Subscribe to a dashboard: a PNG/PDF snapshot weekly or monthly, by email or to a group robot', tags },
      schema: { params: { type: 'object', required: ['name'], properties: { name: NAME } }, body: subscriptionBody, response: replies({ 201: subscriptionResponse }) },
    },
    async (request, reply) => {
      const access = requireAccess(request);
      const { doc } = await seenDashboard(store, access, (request.params as { name: string }).name);
      const b = request.body as SubscriptionBody;
      const s = b.schedule;
      if (s.every === 'week' && s.weekday === undefined)
        throw badRequest('invalid_body', 'a weekly schedule needs a weekday', [{ path: '/schedule/weekday', rule: 'required', message: 'required when every is week' }]);
      if (s.every === 'month' && s.day === undefined)
        throw badRequest('invalid_body', 'a monthly schedule needs a day', [{ path: '/schedule/day', rule: 'required', message: 'required when every is month' }]);
      const filters = b.filters ?? {};
      filterValues(doc, filters);
      if (b.channel === 'email') {
        if (!b.recipients?.length) throw badRequest('invalid_body', 'an email subscription needs recipients', [{ path: '/recipients', rule: 'required', message: 'at least one user' }]);
        await checkRecipients(access, b.recipients);
      } else {
        if (!b.robot) throw badRequest('invalid_body', 'a robot subscription needs a robot', [{ path: '/robot', rule: 'required', message: 'format and url' }]);
        // The workflow webhooks' save-time SSRF check: 422 ssrf_blocked naming /robot/url.
        await refuseBlockedOutbound(store, access.tenantName, { docs: [{ kind: 'automation', type: 'webhook', url: b.robot.url }], pathOf: () => '/robot' });
      }
      // The owner must be able to export what the snapshot shows: fail now rather than at every run.
      await runForExport(store, access, doc, filters, undefined);
      const id = randomUUID();
      // The first run is enqueued first: should the insert fail, that job finds no subscription and does nothing.
      const next = await scheduleSubscription(store, access.tenantName, { id, schedule: s }, new Date());
      const created = await createSubscription(
        store,
        access.tenantName,
        {
          id,
          schedule: s,
          dashboard: doc.name,
          ownerId: access.principal.userId,
          format: b.format,
          filters,
          channel: b.channel,
          recipients: b.channel === 'email' ? (b.recipients ?? []) : [],
          robot: b.channel === 'robot' && b.robot ? { format: b.robot.format, url: b.robot.url, ...(b.robot.secret ? { secret: b.robot.secret } : {}) } : null,
          linkBase: `${request.protocol}://${request.host}`,
          nextRun: next.toISOString(),
        },
        access.actor,
      );
      return reply.code(201).send({ data: shown(created) });
    },
  );

  app.delete(
    '/analytics/dashboards/:name/subscriptions/:id',
    {
      config: { summary: 'Cancel a subscription (its owner or an admin)', tags },
      schema: {
        params: { type: 'object', required: ['name', 'id'], properties: { name: NAME, id: { type: 'string', format: 'uuid' } } },
        response: replies({ 200: { type: 'object', required: ['ok'], properties: { ok: { type: 'boolean' } } } }),
      },
    },
    async (request) => {
      const access = requireAccess(request);
      const { name, id } = request.params as { name: string; id: string };
      const s = await subscription(store, access.tenantName, id);
      if (!s || s.dashboard !== name || (s.ownerId !== access.principal.userId && !isAdmin(access.principal.role))) throw new ApiError(404, 'not_found', 'no such subscription');
      await deleteSubscription(store, access.tenantName, id, access.actor);
      return { ok: true };
    },
  );

  app.get(
    '/analytics/snapshots/:token',
    {
      config: { public: true, summary: 'A subscription snapshot by the link a robot message carries (expires after 7 days)', tags, rateLimit: { max: 60, timeWindow: '1 minute' } },
      schema: { params: { type: 'object', required: ['token'], properties: { token: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,63}\\.[A-Za-z0-9_-]{32}$' } } }, response: replies({ 200: FILE }) },
    },
    async (request, reply) => {
      const token = (request.params as { token: string }).token;
      const dot = token.indexOf('.');
      const tenant = token.slice(0, dot);
      const gone = () => new ApiError(404, 'not_found', 'the snapshot link is unknown or has expired');
      if (!(await store.snapshot(tenant).catch(() => undefined))) throw gone();
      const found = await readLink(store, tenant, token.slice(dot + 1), new Date());
      if (!found) throw gone();
      return reply.header('content-type', found.contentType).header('content-disposition', `inline; filename="${found.filename}"`).header('cache-control', 'private, no-store').send(found.bytes);
    },
  );
}
