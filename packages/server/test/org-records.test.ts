// The org service follows every way a user or org unit record is written — REST create, PATCH,
// bulk upsert, GraphQL, delete and restore — in the write's transaction, and changes made
// through the org API (what HR connectors call) are effective from their own dates and shown on
// the records for today.
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;
let mgr: Caller;

const TODAY = new Date().toISOString().slice(0, 10);
type Span = { user_id: string; org_unit_id: string | null; manager_id: string | null; valid_from: string; valid_to: string | null };

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'orgrec');
  admin = as(app, await login(app, t.name, t.users.admin.email));
  mgr = as(app, await login(app, t.name, t.users.mgrEast.email));
});
afterAll(async () => {
  await app.close();
  await store.close();
});

async function timeline(user: string): Promise<Array<Omit<Span, 'user_id'>>> {
  const res = await admin.get(`/api/v1/org/memberships?user=${user}`);
  expect(res.statusCode).toBe(200);
  return (res.json().data as Span[]).map(({ user_id: _, ...rest }) => rest);
}

describe('the org follows every record write', () => {
  it('a created user counts from the beginning; a PATCH moves them from today; an unrelated PATCH or a repeat changes nothing', async () => {
    const id = (await admin.post('/api/v1/objects/user', { name: 'Nia', email: 'nia@x.test', org_unit_id: t.orgUnits.west })).json().id as string;
    expect(await timeline(id)).toEqual([{ org_unit_id: t.orgUnits.west, manager_id: null, valid_from: '1900-01-01', valid_to: null }]);
    await admin.patch(`/api/v1/objects/user/${id}`, { org_unit_id: t.orgUnits.east1, manager_id: t.users.mgrEast.id });
    await admin.patch(`/api/v1/objects/user/${id}`, { name: 'Nia B.' });
    await admin.patch(`/api/v1/objects/user/${id}`, { manager_id: t.users.mgrEast.id });
    const moved = [
      { org_unit_id: t.orgUnits.west, manager_id: null, valid_from: '1900-01-01', valid_to: TODAY },
      { org_unit_id: t.orgUnits.east1, manager_id: t.users.mgrEast.id, valid_from: TODAY, valid_to: null },
    ];
    expect(await timeline(id)).toEqual(moved);
    // A second move on the same day replaces today's span; it leaves no empty one behind.
    await admin.patch(`/api/v1/objects/user/${id}`, { org_unit_id: t.orgUnits.east });
    expect(await timeline(id)).toEqual([moved[0], { ...moved[1], org_unit_id: t.orgUnits.east }]);
  });

  it("bulk upsert and GraphQL writes move people the same way, and the manager's team scope follows", async () => {
    const up = await admin.post('/api/v1/objects/user:upsert', { rows: [{ external_id: 'hr-1', name: 'Omar', email: 'omar@x.test', org_unit_id: t.orgUnits.west }] });
    expect(up.statusCode).toBe(200);
    const id = up.json().records[0].id as string;
    const deal = (await admin.post('/api/v1/objects/deal', { name: 'Omar deal', amount: 10, owner_id: id })).json().id as string;
    const mine = async () => ((await mgr.get('/api/v1/objects/deal?limit=500')).json().data as Array<{ id: string }>).map((d) => d.id);
    expect(await mine()).not.toContain(deal);
    await admin.post('/api/v1/objects/user:upsert', { rows: [{ external_id: 'hr-1', name: 'Omar', email: 'omar@x.test', manager_id: t.users.mgrEast.id }] });
    expect((await timeline(id)).at(-1)).toMatchObject({ org_unit_id: t.orgUnits.west, manager_id: t.users.mgrEast.id, valid_from: TODAY });
    expect(await mine()).toContain(deal);
    const gql = await admin.gql('mutation($id: ID!, $data: JSON!) { updateUser(id: $id, data: $data) { id } }', { id, data: { manager_id: null } });
    expect(gql.body.errors).toBeUndefined();
    // Back to what it was this morning: today's span merges into the one before it.
    expect(await timeline(id)).toEqual([{ org_unit_id: t.orgUnits.west, manager_id: null, valid_from: '1900-01-01', valid_to: null }]);
    expect(await mine()).not.toContain(deal);
  });

  it('deleting a user ends their membership today; restoring starts a new one', async () => {
    const id = (await admin.post('/api/v1/objects/user', { name: 'Pia', email: 'pia@x.test', org_unit_id: t.orgUnits.west })).json().id as string;
    expect((await admin.del(`/api/v1/objects/user/${id}`)).statusCode).toBe(204);
    expect(await timeline(id)).toEqual([{ org_unit_id: t.orgUnits.west, manager_id: null, valid_from: '1900-01-01', valid_to: TODAY }]);
    expect((await admin.get(`/api/v1/org/on/${TODAY}`)).json().data.users.map((u: { id: string }) => u.id)).not.toContain(id);
    expect((await admin.post(`/api/v1/objects/user/${id}/restore`)).statusCode).toBe(200);
    // Left and came back on the same day: one unbroken span again.
    expect(await timeline(id)).toEqual([{ org_unit_id: t.orgUnits.west, manager_id: null, valid_from: '1900-01-01', valid_to: null }]);
  });
});

describe('a record write that states its effective date', () => {
  it('PATCH or upsert with ?effective_from back-dates the move; a bad or future date, or another object, is refused and changes nothing', async () => {
    const id = (await admin.post('/api/v1/objects/user', { name: 'Rui', email: 'rui@x.test', external_id: 'hr-rui', org_unit_id: t.orgUnits.west })).json().id as string;
    const moved = await admin.patch(`/api/v1/objects/user/${id}?effective_from=2026-04-01`, { org_unit_id: t.orgUnits.east1 });
    expect(moved.statusCode).toBe(200);
    expect(await timeline(id)).toEqual([
      { org_unit_id: t.orgUnits.west, manager_id: null, valid_from: '1900-01-01', valid_to: '2026-04-01' },
      { org_unit_id: t.orgUnits.east1, manager_id: null, valid_from: '2026-04-01', valid_to: null },
    ]);
    const up = await admin.post('/api/v1/objects/user:upsert?effective_from=2026-05-01', { rows: [{ external_id: 'hr-rui', name: 'Rui', email: 'rui@x.test', manager_id: t.users.mgrEast.id }] });
    expect(up.statusCode).toBe(200);
    expect((await timeline(id)).at(-1)).toEqual({ org_unit_id: t.orgUnits.east1, manager_id: t.users.mgrEast.id, valid_from: '2026-05-01', valid_to: null });
    const before = await timeline(id);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    for (const [query, status] of [
      ['effective_from=2026-02-30', 422],
      [`effective_from=${tomorrow}`, 422],
      ['effective_from=2026-01-01&effective_from=2026-01-02', 400],
    ] as const) {
      const res = await admin.patch(`/api/v1/objects/user/${id}?${query}`, { org_unit_id: t.orgUnits.west });
      expect([res.statusCode, res.json().error.details[0].path]).toEqual([status, '/effective_from']);
    }
    const deal = (await admin.post('/api/v1/objects/deal', { name: 'Rui deal', amount: 1 })).json().id as string;
    const other = await admin.patch(`/api/v1/objects/deal/${deal}?effective_from=2026-01-01`, { amount: 2 });
    expect([other.statusCode, other.json().error.details[0]]).toEqual([422, { path: '/effective_from', rule: 'effective_date', message: 'only user and org_unit writes take an effective date' }]);
    expect(await timeline(id)).toEqual(before);
    expect((await admin.get(`/api/v1/objects/user/${id}`)).json().org_unit_id).toBe(t.orgUnits.east1);
  });
});

describe('changing the org from given dates (the HR connector API)', () => {
  it("back-dates a move, shows today's answer on the user record, and a later unrelated write keeps the history", async () => {
    const id = (await admin.post('/api/v1/objects/user', { name: 'Quinn', email: 'quinn@x.test', org_unit_id: t.orgUnits.west })).json().id as string;
    const res = await admin.post('/api/v1/org/changes', { memberships: [{ user_id: id, org_unit_id: t.orgUnits.east1, manager_id: t.users.mgrEast.id, valid_from: '2026-02-10' }] });
    expect(res.statusCode).toBe(200);
    expect(res.json().from).toEqual({ [id]: '2026-02-10' });
    const history = [
      { org_unit_id: t.orgUnits.west, manager_id: null, valid_from: '1900-01-01', valid_to: '2026-02-10' },
      { org_unit_id: t.orgUnits.east1, manager_id: t.users.mgrEast.id, valid_from: '2026-02-10', valid_to: null },
    ];
    expect(await timeline(id)).toEqual(history);
    expect((await admin.get(`/api/v1/objects/user/${id}`)).json()).toMatchObject({ org_unit_id: t.orgUnits.east1, manager_id: t.users.mgrEast.id });
    await admin.patch(`/api/v1/objects/user/${id}`, { name: 'Quinn R.' });
    expect(await timeline(id)).toEqual(history);
  });

  it('moves a unit under another parent and changes its head from a date on', async () => {
    const res = await admin.post('/api/v1/org/changes', { units: [{ unit_id: t.orgUnits.west, parent_id: t.orgUnits.east, head_id: t.users.mgrEast.id, valid_from: '2026-03-01' }] });
    expect(res.statusCode).toBe(200);
    const spans = (await admin.get(`/api/v1/org/units?unit=${t.orgUnits.west}`)).json().data;
    expect(spans).toEqual([
      { unit_id: t.orgUnits.west, parent_id: t.orgUnits.root, head_id: null, valid_from: '1900-01-01', valid_to: '2026-03-01' },
      { unit_id: t.orgUnits.west, parent_id: t.orgUnits.east, head_id: t.users.mgrEast.id, valid_from: '2026-03-01', valid_to: null },
    ]);
    const before = (await admin.get('/api/v1/org/on/2026-02-28')).json().data.units.find((u: { id: string }) => u.id === t.orgUnits.west);
    expect(before).toEqual({ id: t.orgUnits.west, parent_id: t.orgUnits.root, head_id: null });
    // The record shows today's parent (this tenant's org_unit has no head field; the org keeps the head).
    expect((await admin.get(`/api/v1/objects/org_unit/${t.orgUnits.west}`)).json()).toMatchObject({ parent_id: t.orgUnits.east });
    expect((await admin.get(`/api/v1/org/units?unit=${t.orgUnits.west}`)).json().data).toEqual(spans);
  });

  it('refuses bad rows naming the row and field, previews with dryRun, and is for admins only', async () => {
    const user = t.users.repWest.id;
    const before = await timeline(user);
    const bad = await admin.post('/api/v1/org/changes', {
      memberships: [{ user_id: user, org_unit_id: 'x', valid_from: '2026-02-30' }],
      units: [{ unit_id: t.orgUnits.west, valid_from: '2026-01-01', valid_to: '2025-01-01' }],
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details.map((d: { path: string; rule: string }) => [d.path, d.rule])).toEqual([
      ['/memberships/0/org_unit_id', 'type'],
      ['/memberships/0/valid_from', 'format'],
      ['/units/0/valid_to', 'format'],
    ]);
    const twice = await admin.post('/api/v1/org/changes', {
      memberships: [
        { user_id: user, org_unit_id: t.orgUnits.east, valid_from: '2026-01-01', valid_to: '2026-05-01' },
        { user_id: user, org_unit_id: t.orgUnits.west, valid_from: '2026-04-01' },
      ],
    });
    expect(twice.json().error.details[0]).toMatchObject({ path: '/memberships/1/org_unit_id', rule: 'overlap' });
    const ghost = await admin.post('/api/v1/org/changes', { units: [{ unit_id: t.orgUnits.west, head_id: '00000000-0000-7000-8000-000000000009', valid_from: '2026-01-01' }] });
    expect(ghost.json().error.details).toEqual([{ path: '/units/0/head_id', rule: 'unknown_reference', message: 'no such user' }]);
    const dry = await admin.post('/api/v1/org/changes', { memberships: [{ user_id: user, org_unit_id: t.orgUnits.east, valid_from: '2026-01-01' }], dryRun: true });
    expect(dry.json().changes[0].after.at(-1)).toMatchObject({ org_unit_id: t.orgUnits.east, valid_from: '2026-01-01', valid_to: null });
    expect(await timeline(user)).toEqual(before);
    expect((await mgr.post('/api/v1/org/changes', { memberships: [] })).statusCode).toBe(403);
    expect((await mgr.get('/api/v1/org/memberships')).statusCode).toBe(403);
    expect((await admin.get('/api/v1/org/memberships?user=nope')).statusCode).toBe(400);
    expect((await admin.post('/api/v1/org/changes', [])).statusCode).toBe(400);
  });
});
