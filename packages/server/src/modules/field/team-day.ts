// A day's check-ins in the caller's scope (a rep's own, a manager's team's, an admin's all), with
// each customer's name and coordinates, for the manager's list and map; and the customers'
// coordinates, which an admin (or whoever may update the customer) sets.
import type { FastifyInstance } from 'fastify';
import { calendar } from '@attain/store';
import { badRequest, notFound } from '../../http/errors.ts';
import { DATE_TEXT, jsonBody, list, NUMBER, nullable, object, params, query, replies, STRING } from '../../http/route-schema.ts';
import { isAdmin } from '../../rbac/permissions.ts';
import { requireAccess } from '../../rest/request-access.ts';
import type { Filter, Store } from '../../store-port.ts';
import { CHECKIN_VIEW, checkinView, type CheckinRow } from './checkins.ts';
import { fieldPort, readFieldSettings } from './settings.ts';

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
// One person's or one team's day; a page of the store's list is the cap.
const DAY_LIMIT = 500;

const DAY_ITEM = {
  ...CHECKIN_VIEW,
  properties: {
    ...(CHECKIN_VIEW.properties as Record<string, unknown>),
    customerName: nullable(STRING),
    customerLat: nullable(NUMBER),
    customerLng: nullable(NUMBER),
  },
};
const PLACE_BODY = { ...jsonBody({ lat: { type: 'number', minimum: -90, maximum: 90 }, lng: { type: 'number', minimum: -180, maximum: 180 } }, ['lat', 'lng']), additionalProperties: false };
const PLACE = object({ customerId: STRING, lat: NUMBER, lng: NUMBER }, ['customerId', 'lat', 'lng']);

export async function teamDayRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.get(
    '/field/checkins',
    {
      schema: {
        querystring: query({ date: DATE_TEXT, user: { type: 'string', maxLength: 100, description: "one user's check-ins (within the caller's scope)" } }),
        response: replies({ 200: list(DAY_ITEM, { date: STRING }) }),
      },
    },
    async (request) => {
      const access = requireAccess(request);
      const { date, user } = request.query as { date?: string; user?: string };
      const visits = await access.grant('visit', 'read');
      const { timeZone } = await store.tenants.settings(access.tenantName);
      const day = date ?? calendar.localToday(timeZone);
      if (!DAY.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`)) || new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) !== day) {
        throw badRequest('invalid_query', 'date must be a day, YYYY-MM-DD', [{ path: '/date', rule: 'format', message: 'must be a real day, YYYY-MM-DD' }]);
      }
      if (user !== undefined && !UUID_TEXT.test(user)) throw badRequest('invalid_query', 'user must be a user id', [{ path: '/user', rule: 'format', message: 'must be a uuid' }]);
      const from = calendar.dayStart(day, timeZone);
      const to = calendar.dayStart(calendar.addDays(day), timeZone);
      const terms: Filter[] = [{ check_in_at: { gte: from.toISOString() } }, { check_in_at: { lt: to.toISOString() } }];
      if (user) terms.push({ owner_id: { eq: user.toLowerCase() } });
      const filter: Filter = { and: terms };
      // The record service applies the caller's scope: only visits they may read come back.
      const page = await visits.service.list('visit', { filter, sort: [{ field: 'check_in_at', dir: 'asc' }], limit: DAY_LIMIT });
      const ids = page.data.map((v) => v.id);
      const port = await fieldPort(store, access.tenantName);
      const settings = await readFieldSettings(port);
      const rows = ids.length ? ((await port.table('checkin').whereIn('visit_id', ids).select('*')) as CheckinRow[]) : [];
      const byVisit = new Map(rows.map((r) => [r.visit_id, r]));
      const customerIds = [...new Set(page.data.map((v) => v.customer_id).filter((c): c is string => typeof c === 'string'))];
      // Names only of customers the caller may read; coordinates are the module's, shown with them.
      const customers = access.permission('customer').actions.has('read') && customerIds.length ? await (await access.grant('customer', 'read')).service.getMany('customer', customerIds) : [];
      const names = new Map(customers.map((c) => [c.id, typeof c.name === 'string' ? c.name : null]));
      const places = customerIds.length
        ? ((await port.table('place').whereIn('customer_id', customerIds).select('customer_id', 'lat', 'lng')) as Array<{ customer_id: string; lat: number; lng: number }>)
        : [];
      const placeOf = new Map(places.map((p) => [p.customer_id, p]));
      const data = page.data.map((visit) => {
        const customerId = String(visit.customer_id);
        const row: CheckinRow = byVisit.get(visit.id) ?? {
          // A visit entered by hand (no check-in from a phone): the record's own fields.
          visit_id: visit.id,
          user_id: String(visit.owner_id ?? ''),
          customer_id: customerId,
          check_in_at: String(visit.check_in_at),
          lat: Number(visit.check_in_lat ?? 0),
          lng: Number(visit.check_in_lng ?? 0),
          accuracy: 0,
          device: '',
          distance_meters: null,
          flagged: false,
          check_out_at: typeof visit.check_out_at === 'string' ? visit.check_out_at : null,
          duration_minutes: null,
        };
        const place = placeOf.get(customerId);
        return {
          ...checkinView(row, settings.radiusMeters),
          customerName: names.get(customerId) ?? null,
          customerLat: place && names.has(customerId) ? Number(place.lat) : null,
          customerLng: place && names.has(customerId) ? Number(place.lng) : null,
        };
      });
      return { data, date: day };
    },
  );

  app.put('/field/places/:customerId', { schema: { params: params('customerId'), body: PLACE_BODY, response: replies({ 200: object({ data: PLACE }, ['data']) }) } }, async (request) => {
    const access = requireAccess(request);
    const { customerId } = request.params as { customerId: string };
    const { lat, lng } = request.body as { lat: number; lng: number };
    // An admin, or whoever may update this customer (in their scope).
    const grant = isAdmin(access.principal.role) ? await access.grant('customer', 'read') : await access.grant('customer', 'update');
    const customer = UUID_TEXT.test(customerId) ? await grant.service.get('customer', customerId.toLowerCase()) : undefined;
    if (!customer) throw notFound('no such customer');
    const port = await fieldPort(store, access.tenantName);
    const before = (await port.table('place').where({ customer_id: customer.id }).first('lat', 'lng')) as { lat: number; lng: number } | undefined;
    await port.knex.transaction(async (trx) => {
      await port.table('place', trx).insert({ customer_id: customer.id, lat, lng, updated_by: access.principal.userId, updated_at: new Date() }).onConflict('customer_id').merge();
      await port.audit(
        {
          actor: access.actor,
          action: 'field.place.update',
          object: 'customer',
          recordId: customer.id,
          before: before ? { lat: Number(before.lat), lng: Number(before.lng) } : null,
          after: { lat, lng },
        },
        trx,
      );
    });
    return { data: { customerId: customer.id, lat, lng } };
  });
}
