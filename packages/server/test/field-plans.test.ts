// Visit plans over HTTP: a rep plans their visits and a manager their team's (a rep not another
// rep's); the day's stops ordered nearest-neighbour from a start point; plan against actual per
// rep and team (planned visits done ÷ planned); a missed planned visit, once its day is over,
// notifies the rep and their manager through the workflow inbox, once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { calendar, JobRunner } from '@attain/store';
import { workflowFor } from '@attain/workflow';
import { testServer } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';
import { missedVisitJobs, notifyMissed } from '../src/modules/field/missed-visits.ts';
import { nearestNeighbour } from '../src/modules/field/route-order.ts';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
const c: Record<'shop' | 'depot' | 'mall' | 'far' | 'kiosk', string> = { shop: '', depot: '', mall: '', far: '', kiosk: '' };
const today = calendar.localToday('UTC');
const yesterday = calendar.addDays(today, -1);
const tomorrow = calendar.addDays(today, 1);

// Shanghai: People's Square, a depot 30 km east, a mall 2 km north; a place with no coordinates.
const SHOP = { lat: 31.2304, lng: 121.4737 };
const DEPOT = { lat: 31.1443, lng: 121.8083 };
const MALL = { lat: 31.2484, lng: 121.4737 };

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await coreTenant(app, store, 'pln');
  for (const name of ['shop', 'depot', 'mall', 'far'] as const) c[name] = (await t.call.rep1.post('/api/v1/objects/customer', { name })).json().id;
  c.kiosk = (await t.call.rep2.post('/api/v1/objects/customer', { name: 'kiosk' })).json().id;
  await t.call.admin.put(`/api/v1/field/places/${c.shop}`, SHOP);
  await t.call.admin.put(`/api/v1/field/places/${c.depot}`, DEPOT);
  await t.call.admin.put(`/api/v1/field/places/${c.mall}`, MALL);
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('route order', () => {
  it('nearest neighbour from the start; stops without coordinates last', () => {
    const r = nearestNeighbour(DEPOT, [
      { item: 'shop', place: SHOP },
      { item: 'none', place: undefined },
      { item: 'mall', place: MALL },
      { item: 'depot', place: DEPOT },
    ]);
    expect(r.stops.map((s) => s.item)).toEqual(['depot', 'shop', 'mall', 'none']);
    expect(r.stops[0]?.legMeters).toBe(0);
    expect(r.stops[3]?.legMeters).toBeNull();
    expect(r.totalMeters).toBeGreaterThan(30_000);
  });
});

describe('visit plans', () => {
  it("a rep plans their day; a manager plans for the team; not for another rep, not another's customer", async () => {
    const mine = await t.call.rep1.post('/api/v1/field/plans', { day: today, customerIds: [c.shop, c.mall, c.depot, c.far] });
    expect(mine.statusCode).toBe(201);
    expect(mine.json().data).toHaveLength(4);
    expect(mine.json().data.find((p: { customerId: string }) => p.customerId === c.shop)).toMatchObject({ userId: t.ids.rep1, day: today, status: 'planned', customerName: 'shop', lat: SHOP.lat });
    // Planned twice is one plan.
    expect((await t.call.rep1.post('/api/v1/field/plans', { day: today, customerIds: [c.shop] })).json().data).toHaveLength(1);
    const team = await t.call.manager.post('/api/v1/field/plans', { userId: t.ids.rep1, day: yesterday, customerIds: [c.shop, c.depot] });
    expect(team.statusCode).toBe(201);
    expect((await t.call.manager.post('/api/v1/field/plans', { userId: t.ids.rep2, day: tomorrow, customerIds: [c.kiosk] })).statusCode).toBe(201);

    const other = await t.call.rep1.post('/api/v1/field/plans', { userId: t.ids.rep2, day: today, customerIds: [c.shop] });
    expect(other.statusCode).toBe(403);
    expect(other.json().error.details[0]).toMatchObject({ path: '/owner_id', rule: 'scope' });
    const kiosk = await t.call.rep1.post('/api/v1/field/plans', { day: today, customerIds: [c.shop, c.kiosk] });
    expect(kiosk.statusCode).toBe(422);
    expect(kiosk.json().error).toMatchObject({ code: 'unknown_customer', details: [{ path: '/customerIds/1' }] });
    // Whether someone outside the scope exists is not told: a manager gets 403, an admin (everyone in scope) 422.
    const nobody = { userId: '00000000-0000-4000-8000-000000000000', day: today, customerIds: [c.shop] };
    expect((await t.call.manager.post('/api/v1/field/plans', nobody)).statusCode).toBe(403);
    expect((await t.call.admin.post('/api/v1/field/plans', nobody)).json().error).toMatchObject({ code: 'unknown_user', details: [{ path: '/userId' }] });
    const badDay = await t.call.rep1.post('/api/v1/field/plans', { day: '2026-02-30', customerIds: [c.shop] });
    expect(badDay.statusCode).toBe(400);
    expect(badDay.json().error.details[0]).toMatchObject({ path: '/day', rule: 'format' });
    expect((await t.call.rep1.post('/api/v1/field/plans', { day: today, customerIds: [] })).json().error.details[0]).toMatchObject({ path: '/customerIds', rule: 'minItems' });
  });

  it('lists plans in the caller scope: a rep their own, a manager the team, with done and missed', async () => {
    // rep1 visited the shop yesterday (entered by hand), not the depot.
    expect((await t.call.rep1.post('/api/v1/objects/visit', { customer_id: c.shop, check_in_at: `${yesterday}T10:00:00Z` })).statusCode).toBe(201);
    const week = `from=${yesterday}&to=${tomorrow}`;
    const rep1 = (await t.call.rep1.get(`/api/v1/field/plans?${week}`)).json();
    expect(rep1.from).toBe(yesterday);
    expect(rep1.data.every((p: { userId: string }) => p.userId === t.ids.rep1)).toBe(true);
    const y = rep1.data.filter((p: { day: string }) => p.day === yesterday);
    expect(y.map((p: { customerId: string; status: string }) => [p.customerId, p.status]).sort()).toEqual(
      [
        [c.shop, 'done'],
        [c.depot, 'missed'],
      ].sort(),
    );
    expect(y.find((p: { status: string }) => p.status === 'done').visitId).toBeTruthy();
    const rep2 = (await t.call.rep2.get(`/api/v1/field/plans?${week}`)).json().data;
    expect(rep2.map((p: { customerId: string }) => p.customerId)).toEqual([c.kiosk]);
    const manager = (await t.call.manager.get(`/api/v1/field/plans?${week}`)).json().data;
    expect(manager).toHaveLength(7);
    expect((await t.call.manager.get(`/api/v1/field/plans?${week}&user=${t.ids.rep2}`)).json().data).toHaveLength(1);
    // A rep asking for another rep's plans gets none of them.
    expect((await t.call.rep2.get(`/api/v1/field/plans?${week}&user=${t.ids.rep1}`)).json().data).toHaveLength(0);
    expect((await t.call.rep1.get(`/api/v1/field/plans?from=${tomorrow}&to=${yesterday}`)).json().error.details[0]).toMatchObject({ path: '/to', rule: 'after_from' });
    expect((await t.call.rep1.get('/api/v1/field/plans?from=2026-01-01&to=2026-06-01')).json().error.details[0]).toMatchObject({ path: '/to', rule: 'range' });
  });

  it("orders a day's route from the start point and keeps the order", async () => {
    const res = await t.call.rep1.post('/api/v1/field/plans/route', { day: today, start: { lat: 31.25, lng: 121.4737 } });
    expect(res.statusCode).toBe(200);
    const stops = res.json().data as Array<{ customerId: string; seq: number; legMeters: number | null }>;
    expect(stops.map((s) => s.customerId)).toEqual([c.mall, c.shop, c.depot, c.far]);
    expect(stops.map((s) => s.seq)).toEqual([1, 2, 3, 4]);
    expect(stops[0]?.legMeters).toBeLessThan(500);
    expect(stops[3]?.legMeters).toBeNull();
    expect(res.json().totalMeters).toBeGreaterThan(30_000);
    const listed = (await t.call.rep1.get(`/api/v1/field/plans?from=${today}`)).json().data.map((p: { customerId: string }) => p.customerId);
    expect(listed).toEqual([c.mall, c.shop, c.depot, c.far]);
    expect((await t.call.rep1.post('/api/v1/field/plans/route', { day: today, start: { lat: 95, lng: 0 } })).json().error.details[0]).toMatchObject({ path: '/start/lat' });
  });

  it('plan against actual per rep and team: planned visits done ÷ planned', async () => {
    const res = await t.call.manager.get(`/api/v1/field/plans/summary?from=${yesterday}&to=${tomorrow}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const rep1 = body.data.find((r: { userId: string }) => r.userId === t.ids.rep1);
    expect(rep1).toMatchObject({ userName: 'rep1', planned: 6, done: 1, missed: 1, pending: 4, visits: 1, doneRate: 0.1667 });
    expect(body.team).toMatchObject({ planned: 7, done: 1, missed: 1, pending: 5, doneRate: 0.1429 });
    const own = (await t.call.rep2.get(`/api/v1/field/plans/summary?from=${yesterday}&to=${tomorrow}`)).json();
    expect(own.data.map((r: { userId: string }) => r.userId)).toEqual([t.ids.rep2]);
    expect(own.team).toMatchObject({ planned: 1, done: 0, doneRate: 0 });
  });

  it('a missed planned visit notifies the rep and the manager once, after its day', async () => {
    const runner = new JobRunner(store.jobs as never, { handlers: missedVisitJobs({ store, workflow: workflowFor(store) }).handlers });
    expect(await runner.drain()).toBeGreaterThanOrEqual(1);
    const notices = async (who: 'rep1' | 'manager' | 'rep2') =>
      ((await t.call[who].get('/api/v1/workflow/notifications')).json().data as Array<{ kind: string; title: string; record_id?: string; recordId?: string }>).filter(
        (n) => n.kind === 'field_missed_visit',
      );
    const mine = await notices('rep1');
    expect(mine).toHaveLength(1);
    expect(mine[0]?.title).toContain('depot');
    expect(await notices('manager')).toHaveLength(1);
    expect(await notices('rep2')).toHaveLength(0);
    // Run again (a retried job): nobody hears twice.
    expect(await notifyMissed(store, workflowFor(store), t.name, yesterday)).toBe(0);
    expect(await notifyMissed(store, workflowFor(store), t.name, today)).toBe(0);
    expect(await notices('rep1')).toHaveLength(1);
  });

  it('deletes a plan in scope; one outside looks like none', async () => {
    const [plan] = (await t.call.rep2.get(`/api/v1/field/plans?from=${tomorrow}`)).json().data;
    expect((await t.call.rep1.del(`/api/v1/field/plans/${plan.id}`)).statusCode).toBe(404);
    expect((await t.call.manager.del(`/api/v1/field/plans/${plan.id}`)).statusCode).toBe(204);
    expect((await t.call.rep2.get(`/api/v1/field/plans?from=${tomorrow}`)).json().data).toHaveLength(0);
  });
});
