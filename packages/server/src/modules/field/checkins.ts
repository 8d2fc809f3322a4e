// Check-in and check-out: the phone sends its position, accuracy, time and device; the server
// refuses impossible reports, measures the distance to the customer, flags or refuses a check-in
// outside the tenant's radius, and writes the visit through the caller's own record service
// (so the visit's RBAC, validation, audit and hooks are the records API's).
import type { FastifyInstance } from 'fastify';
import { ApiError, notFound } from '../../http/errors.ts';
import { BOOLEAN, INTEGER, jsonBody, NUMBER, nullable, object, params, replies, STRING } from '../../http/route-schema.ts';
import type { AccessContext } from '../../rbac/context.ts';
import { requireAccess } from '../../rest/request-access.ts';
import type { Store } from '../../store-port.ts';
import { assertReachable, deviceTime } from './checks.ts';
import { distanceMeters } from './geo.ts';
import { idempotencyKeyOf, once } from './idempotency.ts';
import { fieldPort, readFieldSettings } from './settings.ts';
import type { FieldPort } from './tables.ts';

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const POSITION = {
  lat: { type: 'number', minimum: -90, maximum: 90 },
  lng: { type: 'number', minimum: -180, maximum: 180 },
  accuracy: { type: 'number', minimum: 0, maximum: 100_000, description: 'metres, as the browser reports it' },
  at: { type: 'string', maxLength: 40, description: "the device's time, ISO 8601 with offset" },
};

const CHECKIN_BODY = {
  ...jsonBody(
    {
      customerId: { type: 'string', maxLength: 100 },
      ...POSITION,
      device: { type: 'string', minLength: 1, maxLength: 200 },
      idempotencyKey: { type: 'string', maxLength: 255 },
    },
    ['customerId', 'lat', 'lng', 'accuracy', 'at', 'device'],
  ),
  additionalProperties: false,
};
const CHECKOUT_BODY = { ...jsonBody(POSITION, ['lat', 'lng', 'accuracy', 'at']), additionalProperties: false };

export const CHECKIN_VIEW = object(
  {
    visitId: STRING,
    userId: nullable(STRING),
    customerId: STRING,
    checkInAt: STRING,
    lat: NUMBER,
    lng: NUMBER,
    accuracy: NUMBER,
    device: STRING,
    distanceMeters: nullable(NUMBER),
    radiusMeters: INTEGER,
    flagged: BOOLEAN,
    flagReason: nullable(STRING),
    checkOutAt: nullable(STRING),
    durationMinutes: nullable(INTEGER),
  },
  ['visitId', 'customerId', 'checkInAt', 'lat', 'lng', 'flagged'],
);

interface CheckinBody {
  customerId: string;
  lat: number;
  lng: number;
  accuracy: number;
  at: string;
  device: string;
  idempotencyKey?: string;
}
type CheckoutBody = Omit<CheckinBody, 'customerId' | 'device' | 'idempotencyKey'>;

export interface CheckinRow {
  visit_id: string;
  user_id: string;
  customer_id: string;
  check_in_at: Date | string;
  lat: number;
  lng: number;
  accuracy: number;
  device: string;
  distance_meters: number | null;
  flagged: boolean;
  check_out_at: Date | string | null;
  duration_minutes: number | null;
}

const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());
const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

export function checkinView(r: CheckinRow, radiusMeters: number) {
  const distance = r.distance_meters === null ? null : Number(r.distance_meters);
  return {
    visitId: r.visit_id,
    userId: r.user_id,
    customerId: r.customer_id,
    checkInAt: iso(r.check_in_at) as string,
    lat: Number(r.lat),
    lng: Number(r.lng),
    accuracy: Number(r.accuracy),
    device: r.device,
    distanceMeters: distance,
    radiusMeters,
    flagged: Boolean(r.flagged),
    flagReason: !r.flagged ? null : distance === null ? 'no_coordinates' : 'outside_radius',
    checkOutAt: iso(r.check_out_at),
    durationMinutes: r.duration_minutes === null ? null : Number(r.duration_minutes),
  };
}

export async function customerPlace(port: FieldPort, customerId: string): Promise<{ lat: number; lng: number } | undefined> {
  const row = (await port.table('place').where({ customer_id: customerId }).first('lat', 'lng')) as { lat: number; lng: number } | undefined;
  return row ? { lat: Number(row.lat), lng: Number(row.lng) } : undefined;
}

/** The customer, if the caller may read it (else 422 naming customerId: one outside the scope looks like none). */
export async function readableCustomer(access: AccessContext, customerId: string): Promise<Record<string, unknown>> {
  const { service } = await access.grant('customer', 'read');
  const customer = UUID_TEXT.test(customerId) ? await service.get('customer', customerId.toLowerCase()) : undefined;
  if (!customer) throw new ApiError(422, 'unknown_customer', 'no such customer in your scope', [{ path: '/customerId', rule: 'exists', message: 'is not a customer you may read' }]);
  return customer;
}

export async function checkinRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.post('/field/checkins', { schema: { body: CHECKIN_BODY, response: replies({ 201: object({ data: CHECKIN_VIEW }, ['data']) }) } }, async (request, reply) => {
    const access = requireAccess(request);
    const body = request.body as CheckinBody;
    const visits = await access.grant('visit', 'create');
    const { idempotencyKey, ...report } = body;
    const key = idempotencyKeyOf(request, idempotencyKey);
    reply.status(201);
    return once(store, access, reply, { key, scope: 'field.checkin', request: report }, async () => {
      const port = await fieldPort(store, access.tenantName);
      const settings = await readFieldSettings(port);
      const at = deviceTime(body.at, settings.maxAgeMinutes);
      const customer = await readableCustomer(access, body.customerId);
      const userId = access.principal.userId;
      await assertReachable(port, userId, { at, lat: body.lat, lng: body.lng, accuracy: body.accuracy });
      const place = await customerPlace(port, customer.id as string);
      const distance = place ? Math.round(distanceMeters(place, body) * 10) / 10 : null;
      const outside = distance !== null && distance > settings.radiusMeters;
      if (outside && settings.outsideRadius === 'refuse') {
        throw new ApiError(422, 'outside_radius', `the check-in is ${Math.round(distance)} m from the customer; the radius is ${settings.radiusMeters} m`, [
          { path: '/lat', rule: 'outside_radius', message: `${Math.round(distance)} m from the customer, more than ${settings.radiusMeters} m` },
        ]);
      }
      const visit = await visits.service.create('visit', { customer_id: customer.id, check_in_at: at.toISOString(), check_in_lat: round6(body.lat), check_in_lng: round6(body.lng) }, access.actor);
      const row: CheckinRow = {
        visit_id: visit.id,
        user_id: userId,
        customer_id: customer.id as string,
        check_in_at: at,
        lat: body.lat,
        lng: body.lng,
        accuracy: body.accuracy,
        device: body.device,
        distance_meters: distance,
        // Without the customer's coordinates nothing can be measured: the manager is told.
        flagged: outside || distance === null,
        check_out_at: null,
        duration_minutes: null,
      };
      await port.table('checkin').insert(row);
      return { data: checkinView(row, settings.radiusMeters) };
    });
  });

  app.post(
    '/field/checkins/:visitId/checkout',
    { schema: { params: params('visitId'), body: CHECKOUT_BODY, response: replies({ 200: object({ data: CHECKIN_VIEW }, ['data']) }) } },
    async (request) => {
      const access = requireAccess(request);
      const { visitId } = request.params as { visitId: string };
      const body = request.body as CheckoutBody;
      const visits = await access.grant('visit', 'update');
      const visit = UUID_TEXT.test(visitId) ? await visits.service.get('visit', visitId.toLowerCase()) : undefined;
      if (!visit) throw notFound('no such visit');
      const port = await fieldPort(store, access.tenantName);
      const row = (await port.table('checkin').where({ visit_id: visit.id }).first()) as CheckinRow | undefined;
      if (!row) throw notFound('this visit has no check-in');
      if (row.check_out_at !== null) throw new ApiError(409, 'already_checked_out', 'this visit is already checked out');
      const settings = await readFieldSettings(port);
      const at = deviceTime(body.at, settings.maxAgeMinutes);
      const checkedIn = new Date(row.check_in_at);
      if (at < checkedIn) {
        throw new ApiError(422, 'before_check_in', 'the check-out is before the check-in', [{ path: '/at', rule: 'after_check_in', message: `must be after ${checkedIn.toISOString()}` }]);
      }
      await assertReachable(port, row.user_id, { at, lat: body.lat, lng: body.lng, accuracy: body.accuracy });
      const place = await customerPlace(port, row.customer_id);
      const duration = Math.round((at.getTime() - checkedIn.getTime()) / 60_000);
      await visits.service.update('visit', visit.id, { check_out_at: at.toISOString(), check_out_lat: round6(body.lat), check_out_lng: round6(body.lng) }, access.actor);
      const change = {
        check_out_at: at,
        out_lat: body.lat,
        out_lng: body.lng,
        out_accuracy: body.accuracy,
        out_distance_meters: place ? Math.round(distanceMeters(place, body) * 10) / 10 : null,
        duration_minutes: duration,
      };
      await port.table('checkin').where({ visit_id: visit.id }).update(change);
      return { data: checkinView({ ...row, ...change }, settings.radiusMeters) };
    },
  );
}
