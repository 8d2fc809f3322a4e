// Field sales over HTTP: a rep checks in at a customer from the phone and out again; the distance
// to the customer's coordinates is measured against the tenant's radius (flagged, or refused when
// the setting says so); impossible device reports (future, too old, faster than a plane) are
// refused naming the field; an Idempotency-Key replays the first answer with one visit; a manager
// sees the team's day, a rep only their own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testServer } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';
import { distanceMeters, speedKmh } from '../src/modules/field/geo.ts';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
let shop: string;
let depot: string;
let kiosk: string;

// A shop in Shanghai (People's Square) and a depot 30 km away.
const SHOP = { lat: 31.2304, lng: 121.4737 };
const DEPOT = { lat: 31.1443, lng: 121.8083 };
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await coreTenant(app, store, 'fld');
  shop = (await t.call.rep1.post('/api/v1/objects/customer', { name: 'Corner shop' })).json().id;
  depot = (await t.call.rep1.post('/api/v1/objects/customer', { name: 'Depot' })).json().id;
  expect((await t.call.admin.put(`/api/v1/field/places/${shop}`, SHOP)).statusCode).toBe(200);
  // The rep may update their own customer, so may set its coordinates too.
  expect((await t.call.rep1.put(`/api/v1/field/places/${depot}`, DEPOT)).json().data).toEqual({ customerId: depot, ...DEPOT });
  // rep2's own customer, beside the depot.
  kiosk = (await t.call.rep2.post('/api/v1/objects/customer', { name: 'Kiosk' })).json().id;
  await t.call.rep2.put(`/api/v1/field/places/${kiosk}`, DEPOT);
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('geometry', () => {
  it('haversine distance and speed between timed positions', () => {
    // Shanghai to Beijing is about 1,067 km.
    expect(distanceMeters({ lat: 31.2304, lng: 121.4737 }, { lat: 39.9042, lng: 116.4074 }) / 1000).toBeCloseTo(1067, -1);
    expect(distanceMeters(SHOP, SHOP)).toBe(0);
    const at = new Date('2026-05-01T09:00:00Z');
    expect(speedKmh({ ...SHOP, at }, { ...DEPOT, at: new Date(at.getTime() + 3_600_000) })).toBeCloseTo(distanceMeters(SHOP, DEPOT) / 1000, 3);
    expect(speedKmh({ ...SHOP, at, accuracy: 10 }, { lat: SHOP.lat + 0.00005, lng: SHOP.lng, at, accuracy: 10 })).toBe(0);
  });
});

describe('field settings', () => {
  it('every user reads them; only an admin changes them; bad values are refused naming the field', async () => {
    expect((await t.call.rep1.get('/api/v1/field/settings')).json().data).toEqual({ radiusMeters: 200, outsideRadius: 'flag', maxAgeMinutes: 60 });
    expect((await t.call.manager.put('/api/v1/field/settings', { radiusMeters: 500 })).statusCode).toBe(403);
    const bad = await t.call.admin.put('/api/v1/field/settings', { radiusMeters: 0, outsideRadius: 'ignore' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0]).toMatchObject({ path: '/radiusMeters', rule: 'minimum' });
    expect((await t.call.admin.put('/api/v1/field/settings', { outsideRadius: 'ignore' })).json().error.details[0]).toMatchObject({ path: '/outsideRadius', rule: 'enum' });
  });
});

describe('check-in and check-out', () => {
  it('a check-in at the shop: distance within the radius, a visit record; check-out gives the duration', async () => {
    const at = minutesAgo(50);
    const res = await t.call.rep1.post('/api/v1/field/checkins', { customerId: shop, lat: 31.2306, lng: 121.4738, accuracy: 12, at, device: 'iPhone 15 / Safari' });
    expect(res.statusCode).toBe(201);
    const c = res.json().data;
    expect(c).toMatchObject({ customerId: shop, accuracy: 12, device: 'iPhone 15 / Safari', radiusMeters: 200, flagged: false, flagReason: null, checkOutAt: null });
    expect(c.distanceMeters).toBeGreaterThan(20);
    expect(c.distanceMeters).toBeLessThan(30);
    const visit = (await t.call.rep1.get(`/api/v1/objects/visit/${c.visitId}`)).json();
    expect(visit).toMatchObject({ customer_id: shop, owner_id: t.ids.rep1 });
    expect(new Date(visit.check_in_at).toISOString()).toBe(new Date(at).toISOString());
    expect(Number(visit.check_in_lat)).toBeCloseTo(31.2306, 6);

    const early = await t.call.rep1.post(`/api/v1/field/checkins/${c.visitId}/checkout`, { lat: 31.2306, lng: 121.4738, accuracy: 10, at: minutesAgo(55) });
    expect(early.statusCode).toBe(422);
    expect(early.json().error).toMatchObject({ code: 'before_check_in', details: [{ path: '/at' }] });
    const out = await t.call.rep1.post(`/api/v1/field/checkins/${c.visitId}/checkout`, { lat: 31.2305, lng: 121.4738, accuracy: 10, at: minutesAgo(5) });
    expect(out.statusCode).toBe(200);
    expect(out.json().data.durationMinutes).toBe(45);
    expect((await t.call.rep1.get(`/api/v1/objects/visit/${c.visitId}`)).json().check_out_at).toBeTruthy();
    const again = await t.call.rep1.post(`/api/v1/field/checkins/${c.visitId}/checkout`, { lat: 31.2305, lng: 121.4738, accuracy: 10, at: minutesAgo(4) });
    expect(again.json().error.code).toBe('already_checked_out');
    // Another rep cannot check out a visit outside their scope.
    expect((await t.call.rep2.post(`/api/v1/field/checkins/${c.visitId}/checkout`, { lat: 31.2305, lng: 121.4738, accuracy: 10, at: minutesAgo(3) })).statusCode).toBe(404);
  });

  it('refuses future and too-old device times, naming at', async () => {
    const future = await t.call.rep2.post('/api/v1/field/checkins', { customerId: shop, ...SHOP, accuracy: 5, at: new Date(Date.now() + 3_600_000).toISOString(), device: 'x' });
    expect(future.statusCode).toBe(422);
    expect(future.json().error).toMatchObject({ code: 'future_time', details: [{ path: '/at', rule: 'future_time' }] });
    const old = await t.call.rep2.post('/api/v1/field/checkins', { customerId: shop, ...SHOP, accuracy: 5, at: minutesAgo(61), device: 'x' });
    expect(old.json().error).toMatchObject({ code: 'too_old', details: [{ path: '/at', rule: 'too_old' }] });
    const bad = await t.call.rep2.post('/api/v1/field/checkins', { customerId: shop, ...SHOP, accuracy: 5, at: 'yesterday', device: 'x' });
    expect(bad.statusCode).toBe(400);
    const lat = await t.call.rep2.post('/api/v1/field/checkins', { customerId: shop, lat: 91, lng: 0, accuracy: 5, at: minutesAgo(1), device: 'x' });
    expect(lat.statusCode).toBe(400);
    expect(lat.json().error.details[0].path).toBe('/lat');
  });

  it('refuses a jump faster than a plane between consecutive reports of one user', async () => {
    // rep1 checked out at the shop 5 minutes ago; Beijing 3 minutes later is 1,067 km in 3 minutes.
    const jump = await t.call.rep1.post('/api/v1/field/checkins', { customerId: depot, lat: 39.9042, lng: 116.4074, accuracy: 20, at: minutesAgo(2), device: 'x' });
    expect(jump.statusCode).toBe(422);
    expect(jump.json().error).toMatchObject({ code: 'impossible_speed', details: [{ path: '/lat', rule: 'impossible_speed' }] });
  });

  it('a check-in outside the radius is flagged for the manager, or refused when the tenant says so', async () => {
    // 30 km from the shop, 4 minutes after the shop check-out: 450 km/h, unlikely by road but under the 1,000 km/h refused.
    const flagged = await t.call.rep1.post('/api/v1/field/checkins', { customerId: shop, ...DEPOT, accuracy: 15, at: minutesAgo(1), device: 'x' });
    expect(flagged.statusCode).toBe(201);
    expect(flagged.json().data).toMatchObject({ flagged: true, flagReason: 'outside_radius' });
    expect(flagged.json().data.distanceMeters).toBeGreaterThan(30_000);

    expect((await t.call.admin.put('/api/v1/field/settings', { outsideRadius: 'refuse', radiusMeters: 300 })).json().data).toEqual({ radiusMeters: 300, outsideRadius: 'refuse', maxAgeMinutes: 60 });
    const refused = await t.call.rep1.post('/api/v1/field/checkins', { customerId: shop, ...DEPOT, accuracy: 15, at: minutesAgo(0), device: 'x' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({ code: 'outside_radius', details: [{ path: '/lat', rule: 'outside_radius' }] });
    await t.call.admin.put('/api/v1/field/settings', { outsideRadius: 'flag', radiusMeters: 200 });
    // Each change of the settings is in the audit log, before and after.
    const audit = (await t.call.admin.get('/api/v1/audit?object=field_settings')).json().data as Array<{ action: string; before: Record<string, unknown>; after: Record<string, unknown> }>;
    expect(audit.map((a) => [a.action, a.after.outsideRadius])).toEqual([
      ['field.settings.update', 'flag'],
      ['field.settings.update', 'refuse'],
    ]);
    expect(audit[1]?.before).toEqual({ radiusMeters: 200, outsideRadius: 'flag', maxAgeMinutes: 60 });
  });

  it('the same Idempotency-Key answers the first answer again, with one visit', async () => {
    const body = { customerId: kiosk, ...DEPOT, accuracy: 8, at: minutesAgo(0), device: 'Pixel 8', idempotencyKey: 'tap-42' };
    const first = await t.call.rep2.post('/api/v1/field/checkins', body);
    expect(first.statusCode).toBe(201);
    const second = await t.call.rep2.post('/api/v1/field/checkins', body);
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());
    const filter = encodeURIComponent(JSON.stringify({ customer_id: { eq: kiosk } }));
    expect((await t.call.rep2.get(`/api/v1/objects/visit?filter=${filter}`)).json().data).toHaveLength(1);
    const reused = await t.call.rep2.post('/api/v1/field/checkins', { ...body, accuracy: 9 });
    expect(reused.json().error.code).toBe('idempotency_key_reused');
  });

  it('a rep cannot check in at a customer outside their scope (or none at all)', async () => {
    for (const customerId of [shop, '00000000-0000-4000-8000-000000000000']) {
      const res = await t.call.rep2.post('/api/v1/field/checkins', { customerId, ...SHOP, accuracy: 5, at: minutesAgo(0), device: 'x' });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatchObject({ code: 'unknown_customer', details: [{ path: '/customerId' }] });
    }
  });
});

// The test's check-ins span the last hour; near midnight (the tenant's zone is UTC) that is two days.
async function day(caller: CoreTenant['call'][keyof CoreTenant['call']], extra = ''): Promise<Array<Record<string, unknown>>> {
  const days = [...new Set([minutesAgo(60).slice(0, 10), minutesAgo(0).slice(0, 10)])];
  const out: Array<Record<string, unknown>> = [];
  for (const d of days) out.push(...(await caller.get(`/api/v1/field/checkins?date=${d}${extra}`)).json().data);
  return out;
}

describe("the team's day", () => {
  it("a manager sees the team's check-ins with customer names and coordinates; a rep only their own", async () => {
    expect((await t.call.rep1.get('/api/v1/field/checkins')).statusCode).toBe(200);
    const mine = await day(t.call.rep1);
    expect(mine.every((c) => c.userId === t.ids.rep1)).toBe(true);
    expect(mine).toHaveLength(2);
    const team = await day(t.call.manager);
    expect(new Set(team.map((c) => c.userId))).toEqual(new Set([t.ids.rep1, t.ids.rep2]));
    const first = team.find((c) => c.durationMinutes === 45);
    expect(first).toMatchObject({ customerName: 'Corner shop', customerLat: SHOP.lat, customerLng: SHOP.lng, flagged: false, device: 'iPhone 15 / Safari' });
    expect(team.filter((c) => c.flagged).map((c) => c.customerName)).toEqual(['Corner shop']);
    expect(team.find((c) => c.customerName === 'Kiosk')).toMatchObject({ userId: t.ids.rep2, flagged: false, device: 'Pixel 8' });
    const one = await day(t.call.manager, `&user=${t.ids.rep2}`);
    expect(one.map((c) => c.userId)).toEqual([t.ids.rep2]);
    expect((await t.call.manager.get('/api/v1/field/checkins?date=2026-02-30')).statusCode).toBe(400);
    expect((await t.call.manager.get('/api/v1/field/checkins?date=2020-01-01')).json().data).toEqual([]);
  });

  it('a rep may not set the coordinates of a customer they may not update', async () => {
    expect((await t.call.rep2.put(`/api/v1/field/places/${shop}`, SHOP)).statusCode).toBe(404);
    const audit = (await t.call.admin.get(`/api/v1/audit?object=customer&recordId=${shop}`)).json().data as Array<{ action: string; after: unknown }>;
    expect(audit.filter((a) => a.action === 'field.place.update').map((a) => a.after)).toEqual([SHOP]);
  });
});
