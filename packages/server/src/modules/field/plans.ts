// Visit plans: a rep (or their manager) plans the week's visits — a customer on a day — sees each
// plan done, missed or still planned, and orders a day's stops by distance from where they start.
// Scope is the caller's record scope on visits (plan-scope.ts).
import type { FastifyInstance } from 'fastify';
import { calendar, uuidv7 } from '@attain/store';
import { ApiError, badRequest, notFound } from '../../http/errors.ts';
import { DATE_TEXT, INTEGER, jsonBody, list, NO_CONTENT, NUMBER, nullable, object, params, query, replies, STRING } from '../../http/route-schema.ts';
import type { AccessContext } from '../../rbac/context.ts';
import { requireAccess } from '../../rest/request-access.ts';
import type { Store } from '../../store-port.ts';
import { readableCustomer } from './checkins.ts';
import { nearestNeighbour } from './route-order.ts';
import { planColumns, plansBetween, type PlanRow, statusOf, visitFacts, type VisitFacts } from './plan-status.ts';
import { planScope, planUser, realDay, scheduleMissedCheck } from './plan-scope.ts';
import { fieldPort } from './settings.ts';
import type { FieldPort } from './tables.ts';

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A list covers at most two months: a week's plan, a month's review.
const MAX_DAYS = 62;

export const PLAN_VIEW = object(
  {
    id: STRING,
    userId: STRING,
    customerId: STRING,
    customerName: nullable(STRING),
    day: STRING,
    seq: nullable(INTEGER),
    status: { type: 'string', enum: ['done', 'missed', 'planned'] },
    visitId: nullable(STRING),
    lat: nullable(NUMBER),
    lng: nullable(NUMBER),
  },
  ['id', 'userId', 'customerId', 'day', 'status'],
);
const ROUTE_STOP = { ...PLAN_VIEW, properties: { ...(PLAN_VIEW.properties as Record<string, unknown>), legMeters: nullable(NUMBER) } };
const USER_ID = { type: 'string', maxLength: 100, description: 'the rep (default: the caller); a user in the caller’s visit scope' };
const PLACE = {
  type: 'object',
  properties: { lat: { type: 'number', minimum: -90, maximum: 90 }, lng: { type: 'number', minimum: -180, maximum: 180 } },
  required: ['lat', 'lng'],
  additionalProperties: false,
};

const CREATE_BODY = {
  ...jsonBody({ userId: USER_ID, day: DATE_TEXT, customerIds: { type: 'array', minItems: 1, maxItems: 50, uniqueItems: true, items: { type: 'string', maxLength: 100 } } }, ['day', 'customerIds']),
  additionalProperties: false,
};
const ROUTE_BODY = { ...jsonBody({ userId: USER_ID, day: DATE_TEXT, start: PLACE }, ['day', 'start']), additionalProperties: false };

type Place = { lat: number; lng: number };

export async function placesOf(port: FieldPort, customerIds: readonly string[]): Promise<Map<string, Place>> {
  if (customerIds.length === 0) return new Map();
  const rows = (await port
    .table('place')
    .whereIn('customer_id', [...customerIds])
    .select('customer_id', 'lat', 'lng')) as Array<{ customer_id: string; lat: number; lng: number }>;
  return new Map(rows.map((r) => [r.customer_id, { lat: Number(r.lat), lng: Number(r.lng) }]));
}

/** Names of the customers the caller may read (others stay unnamed, as on the team's day). */
async function customerNames(access: AccessContext, ids: readonly string[]): Promise<Map<string, string | null>> {
  if (ids.length === 0 || !access.permission('customer').actions.has('read')) return new Map();
  const customers = await (await access.grant('customer', 'read')).service.getMany('customer', [...new Set(ids)]);
  return new Map(customers.map((c) => [c.id, typeof c.name === 'string' ? c.name : null]));
}

export async function planViews(access: AccessContext, port: FieldPort, plans: PlanRow[], facts: VisitFacts, today: string) {
  const ids = plans.map((p) => p.customer_id);
  const [names, places] = await Promise.all([customerNames(access, ids), placesOf(port, ids)]);
  return plans.map((p) => {
    const readable = names.has(p.customer_id);
    const place = readable ? places.get(p.customer_id) : undefined;
    return {
      id: p.id,
      userId: p.user_id,
      customerId: p.customer_id,
      customerName: names.get(p.customer_id) ?? null,
      day: p.day,
      seq: p.seq,
      ...statusOf(p, facts, today),
      lat: place?.lat ?? null,
      lng: place?.lng ?? null,
    };
  });
}

export async function planRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;
  const zone = async (access: AccessContext) => (await store.tenants.settings(access.tenantName)).timeZone;

  app.post('/field/plans', { schema: { body: CREATE_BODY, response: replies({ 201: list(PLAN_VIEW) }) } }, async (request, reply) => {
    const access = requireAccess(request);
    const body = request.body as { userId?: string; day: string; customerIds: string[] };
    const day = realDay(body.day, '/day', 'invalid_body');
    const scope = await planScope(access);
    const userId = await planUser(store, access, scope, body.userId);
    const customers: string[] = [];
    for (const [i, id] of body.customerIds.entries()) {
      try {
        customers.push((await readableCustomer(access, id)).id as string);
      } catch (error) {
        if (error instanceof ApiError && error.code === 'unknown_customer')
          throw new ApiError(422, 'unknown_customer', error.message, [{ path: `/customerIds/${i}`, rule: 'exists', message: 'is not a customer you may read' }]);
        throw error;
      }
    }
    const port = await fieldPort(store, access.tenantName);
    const rows = customers.map((customer_id) => ({ id: uuidv7(), user_id: userId, customer_id, day, created_by: access.principal.userId }));
    // Planning a customer twice on one day is one plan.
    await port.table('plan').insert(rows).onConflict(['user_id', 'day', 'customer_id']).ignore();
    const timeZone = await zone(access);
    await scheduleMissedCheck(store, access.tenantName, day, timeZone);
    await port.audit({ actor: access.actor, action: 'field.plan.create', object: 'visit_plan', after: { userId, day, customers } });
    const plans = (await plansBetween(port, day, day, [userId])).filter((p) => customers.includes(p.customer_id));
    const facts = await visitFacts(scope.visits.service, [userId], day, day, timeZone);
    reply.status(201);
    return { data: await planViews(access, port, plans, facts, calendar.localToday(timeZone)) };
  });

  app.get(
    '/field/plans',
    {
      schema: {
        querystring: query({ from: DATE_TEXT, to: DATE_TEXT, user: { type: 'string', maxLength: 100, description: "one rep's plans (within the caller's scope)" } }),
        response: replies({ 200: list(PLAN_VIEW, { from: STRING, to: STRING }) }),
      },
    },
    async (request) => {
      const access = requireAccess(request);
      const q = request.query as { from?: string; to?: string; user?: string };
      const timeZone = await zone(access);
      const { from, to } = period(q, calendar.localToday(timeZone));
      const scope = await planScope(access);
      if (q.user !== undefined && !UUID_TEXT.test(q.user)) throw badRequest('invalid_query', 'user must be a user id', [{ path: '/user', rule: 'format', message: 'must be a uuid' }]);
      const users = q.user ? (scope.owners ? scope.owners.filter((o) => o === q.user?.toLowerCase()) : [q.user.toLowerCase()]) : scope.owners;
      const port = await fieldPort(store, access.tenantName);
      const plans = await plansBetween(port, from, to, users);
      const facts = await visitFacts(scope.visits.service, [...new Set(plans.map((p) => p.user_id))], from, to, timeZone);
      return { data: await planViews(access, port, plans, facts, calendar.localToday(timeZone)), from, to };
    },
  );

  app.delete('/field/plans/:id', { schema: { params: params('id'), response: replies({ 204: NO_CONTENT }) } }, async (request, reply) => {
    const access = requireAccess(request);
    const { id } = request.params as { id: string };
    const scope = await planScope(access);
    const port = await fieldPort(store, access.tenantName);
    const plan = UUID_TEXT.test(id) ? ((await port.table('plan').where({ id: id.toLowerCase() }).first(planColumns(port))) as PlanRow | undefined) : undefined;
    // One outside the scope looks like none.
    if (!plan || (scope.owners && !scope.owners.includes(plan.user_id))) throw notFound('no such plan');
    await port.table('plan').where({ id: plan.id }).delete();
    await port.audit({ actor: access.actor, action: 'field.plan.delete', object: 'visit_plan', recordId: plan.id, before: { userId: plan.user_id, customerId: plan.customer_id, day: plan.day } });
    return reply.code(204).send();
  });

  app.post('/field/plans/route', { schema: { body: ROUTE_BODY, response: replies({ 200: list(ROUTE_STOP, { totalMeters: NUMBER }) }) } }, async (request) => {
    const access = requireAccess(request);
    const body = request.body as { userId?: string; day: string; start: Place };
    const day = realDay(body.day, '/day', 'invalid_body');
    const scope = await planScope(access);
    const userId = await planUser(store, access, scope, body.userId);
    const port = await fieldPort(store, access.tenantName);
    const plans = await plansBetween(port, day, day, [userId]);
    const places = await placesOf(
      port,
      plans.map((p) => p.customer_id),
    );
    const ordered = nearestNeighbour(
      body.start,
      plans.map((p) => ({ item: p, place: places.get(p.customer_id) })),
    );
    // The order is kept: the day's list and the phone show the stops in it.
    await port.knex.transaction(async (trx) => {
      for (const [i, s] of ordered.stops.entries())
        await port
          .table('plan', trx)
          .where({ id: s.item.id })
          .update({ seq: i + 1 });
    });
    const timeZone = await zone(access);
    const facts = await visitFacts(scope.visits.service, [userId], day, day, timeZone);
    const views = await planViews(
      access,
      port,
      ordered.stops.map((s, i) => ({ ...s.item, seq: i + 1 })),
      facts,
      calendar.localToday(timeZone),
    );
    return { data: views.map((v, i) => ({ ...v, legMeters: ordered.stops[i]?.legMeters ?? null })), totalMeters: ordered.totalMeters };
  });
}

/** The period asked for (default: today), at most MAX_DAYS long. */
export function period(q: { from?: string; to?: string }, today: string): { from: string; to: string } {
  const from = realDay(q.from ?? q.to ?? today, '/from', 'invalid_query');
  const to = realDay(q.to ?? from, '/to', 'invalid_query');
  if (to < from) throw badRequest('invalid_query', 'to must not be before from', [{ path: '/to', rule: 'after_from', message: 'must be on or after from' }]);
  if (Date.parse(to) - Date.parse(from) > (MAX_DAYS - 1) * 86_400_000)
    throw badRequest('invalid_query', `a period covers at most ${MAX_DAYS} days`, [{ path: '/to', rule: 'range', message: `at most ${MAX_DAYS} days after from` }]);
  return { from, to };
}
