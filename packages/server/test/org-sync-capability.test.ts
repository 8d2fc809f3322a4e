// The org sync SDK capability (`capabilities.org: ["sync"]`) through HTTP: a small connector
// installed by an admin hands the host whatever a local feed serves; the host applies it through
// the one org service by external id, item by item. Consent, refusal without the grant, manifest
// checks, per-item failures, idempotence, dated deltas, units that still have people, taking over
// people already in Attain by email, and other sources' records left alone.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePlugin, pluginsFor } from '@attain/plugins';
import { JobRunner } from '@attain/store';
import { testServer } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';
import { cert, startFake, type Fake } from './org-connectors/https-fake.ts';
import type { Store } from '../src/store-port.ts';
import type { FastifyInstance } from 'fastify';

const dir = fileURLToPath(new URL('./org-connectors/org-feed', import.meta.url));
let fake: Fake;
let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
let runner: JobRunner;
let snapshot: unknown = {};
const results: Array<{ ok: boolean; error?: string; result?: { effectiveFrom: string; counts: Record<string, number>; items: Array<Record<string, unknown>> } }> = [];

beforeAll(async () => {
  fake = await startFake((req) => {
    if (req.path === '/snapshot') return { json: snapshot };
    results.push(req.json as never);
    return { json: { ok: true } };
  });
  ({ app, store } = await testServer(undefined, { plugins: { outbound: { allowHosts: [fake.host], ca: cert } } }));
  t = await coreTenant(app, store, 'osc');
  const bg = pluginsFor(store as never).background();
  runner = new JobRunner(store.jobs as never, { handlers: bg.handlers, backoffMs: () => 0 });
});
afterAll(async () => {
  await runner?.stop();
  await app?.close();
  await fake?.close();
});

async function install(org: boolean): Promise<void> {
  const b = await bundlePlugin(dir);
  const capabilities = { fetch: [`${fake.base}/*`], ...(org ? { org: ['sync'] } : {}) };
  const res = await t.call.admin.post('/api/v1/plugins', { manifest: { ...b.manifest, version: org ? '1.0.1' : '1.0.0', capabilities }, code: b.code });
  expect(res.statusCode, res.body).toBe(201);
  expect((await t.call.admin.post('/api/v1/plugins/org-feed/consent')).statusCode).toBe(200);
  expect((await t.call.admin.put('/api/v1/plugins/org-feed/settings', { settings: { feedUrl: fake.base } })).statusCode).toBe(200);
}

/** Serves `body` as the feed, runs the connector's job now, returns what the host answered. */
async function sync(body: unknown) {
  snapshot = body;
  const before = results.length;
  expect((await t.call.admin.post('/api/v1/plugins/org-feed/jobs/sync/run')).statusCode).toBe(202);
  await runner.drain();
  return results[before];
}

const byId = (items: Array<Record<string, unknown>> | undefined) => new Map((items ?? []).map((i) => [`${i.kind}:${i.id}`, i]));
async function user(email: string) {
  const filter = encodeURIComponent(JSON.stringify({ email: { eq: email } }));
  return (await t.call.admin.get(`/api/v1/objects/user?filter=${filter}`)).json().data[0];
}
async function unit(ext: string) {
  const filter = encodeURIComponent(JSON.stringify({ external_id: { eq: `org-feed:${ext}` } }));
  return (await t.call.admin.get(`/api/v1/objects/org_unit?filter=${filter}`)).json().data[0];
}

const tree = {
  mode: 'full',
  departments: [
    { id: 'root', name: 'HQ', parentId: null, leaderIds: ['boss'] },
    { id: 'a', name: 'Team', parentId: 'root', leaderIds: ['lead-a'] },
    { id: 'b', name: 'Team', parentId: 'root', leaderIds: ['lead-b'] },
  ],
  people: [
    { id: 'boss', name: 'Boss', email: 'boss@feed.test', departmentIds: ['root'] },
    { id: 'lead-a', name: 'Lead A', email: 'lead-a@feed.test', departmentIds: ['a'] },
    { id: 'lead-b', name: 'Lead B', email: 'lead-b@feed.test', departmentIds: ['b'] },
    { id: 'p1', name: 'Pat One', email: 'P1@Feed.test', mobile: '+86 138 0000 0001', departmentIds: ['a', 'b'], primaryDepartmentId: 'b' },
  ],
};

describe('org sync capability', () => {
  it('manifests are checked: unknown org operations and bad inbound specs are refused with the field', async () => {
    const b = await bundlePlugin(dir);
    const res = await t.call.admin.post('/api/v1/plugins', { manifest: { ...b.manifest, capabilities: { org: ['delete'] }, inbound: { scheme: 'slack', token: 'nope' } }, code: b.code });
    expect(res.statusCode).toBe(422);
    const paths = res.json().error.details.map((d: { path: string; rule: string }) => `${d.path} ${d.rule}`);
    expect(paths).toEqual(expect.arrayContaining(['/manifest/capabilities/org[0] format', '/manifest/inbound/scheme enum', '/manifest/inbound/token setting']));
  });

  it('without the org grant the call is refused and audited as capability_denied', async () => {
    await install(false);
    snapshot = tree;
    expect((await t.call.admin.post('/api/v1/plugins/org-feed/jobs/sync/run')).statusCode).toBe(202);
    await runner.drain();
    const failed = (await store.audit.list(t.name, { object: 'plugin', limit: 50 })).find((a) => a.action === 'plugin.failed');
    expect(failed?.after).toMatchObject({ code: 'capability_denied' });
    expect(await unit('root')).toBeUndefined();
  });

  it('an upgrade asking for org sync waits for consent', async () => {
    const b = await bundlePlugin(dir);
    const res = await t.call.admin.post('/api/v1/plugins', { manifest: { ...b.manifest, version: '1.0.1', capabilities: { fetch: [`${fake.base}/*`], org: ['sync'] } }, code: b.code });
    expect(res.json().data.needsConsent).toEqual(['org:sync']);
    expect((await t.call.admin.post('/api/v1/plugins/org-feed/consent')).json().data.granted.org).toEqual(['sync']);
  });

  it('applies a snapshot by external id: same-named units stay apart, heads and managers from leaders', async () => {
    const r = await sync(tree);
    expect(r?.ok, r?.error).toBe(true);
    expect(r?.result?.counts).toEqual({ created: 7 });
    const [a, b, root] = [await unit('a'), await unit('b'), await unit('root')];
    expect(a.id).not.toBe(b.id);
    expect(a).toMatchObject({ name: 'Team', parent_id: root.id, head_id: (await user('lead-a@feed.test')).id });
    const p1 = await user('p1@feed.test');
    expect(p1).toMatchObject({ org_unit_id: b.id, manager_id: (await user('lead-b@feed.test')).id, phone: '+86 138 0000 0001', external_id: 'org-feed:p1' });
    expect(await user('lead-a@feed.test')).toMatchObject({ manager_id: (await user('boss@feed.test')).id });
    // Created by the sync with its unit, manager and head: one span each, from the timeline's first day.
    expect((await t.call.admin.get(`/api/v1/org/memberships?user=${p1.id}`)).json().data).toEqual([
      { user_id: p1.id, org_unit_id: b.id, manager_id: (await user('lead-b@feed.test')).id, valid_from: '1900-01-01', valid_to: null },
    ]);
    expect((await t.call.admin.get(`/api/v1/org/units?unit=${a.id}`)).json().data).toEqual([
      { unit_id: a.id, parent_id: root.id, head_id: (await user('lead-a@feed.test')).id, valid_from: '1900-01-01', valid_to: null },
    ]);
    // Other sources' records are left alone by a full sync.
    expect((await t.call.admin.get(`/api/v1/objects/user/${t.ids.rep1}`)).json()).toMatchObject({ active: true });
  });

  it('a second identical sync changes nothing', async () => {
    const versions = (await t.call.admin.get('/api/v1/org/memberships')).json().data.length;
    const r = await sync(tree);
    expect(r?.result).toMatchObject({ counts: { unchanged: 7 }, items: [] });
    expect((await t.call.admin.get('/api/v1/org/memberships')).json().data.length).toBe(versions);
  });

  it('a bad item fails alone with its reason; a department under a failed one fails too', async () => {
    const r = await sync({
      mode: 'delta',
      departments: [
        { id: 'x', name: '', parentId: 'root' },
        { id: 'x1', name: 'Under X', parentId: 'x' },
        { id: 'y', name: 'Orphan', parentId: 'nowhere' },
        { id: 'c', name: 'New Team', parentId: 'root', leaderIds: ['p1'] },
        { id: 'c', name: 'Twice' },
      ],
      people: [
        { id: 'bad', name: 'Bad Mail', email: 'not-an-email', departmentIds: ['c'] },
        { id: 'nomail', name: 'No Mail' },
        { id: 'new', name: 'New Person', email: 'new@feed.test', departmentIds: ['c'] },
        17,
      ],
    });
    const items = byId(r?.result?.items);
    expect(items.get('department:x')).toMatchObject({ status: 'failed', code: 'invalid_name' });
    expect(items.get('department:x1')).toMatchObject({ status: 'failed', code: 'parent_failed' });
    expect(items.get('department:y')).toMatchObject({ status: 'failed', code: 'unknown_parent' });
    expect(items.get('department:c')).toMatchObject({ status: 'created' });
    expect(r?.result?.items.filter((i) => i.id === 'c' && i.code === 'duplicate')).toHaveLength(1);
    expect(items.get('person:bad')).toMatchObject({ status: 'failed', code: expect.stringContaining('validation_failed') });
    expect(items.get('person:nomail')).toMatchObject({ status: 'failed', code: 'email_required' });
    expect(items.get('person:#3')).toMatchObject({ status: 'failed', code: 'invalid_id' });
    expect(items.get('person:new')).toMatchObject({ status: 'created' });
    expect(await user('new@feed.test')).toMatchObject({ manager_id: (await user('p1@feed.test')).id });
  });

  it('a delta with a past effective date moves a person from that day; a future date is refused as a whole', async () => {
    const day = '2026-01-15';
    const r = await sync({ mode: 'delta', effectiveFrom: day, people: [{ id: 'new', departmentIds: ['a'] }] });
    expect(r?.result?.effectiveFrom).toBe(day);
    const newUser = await user('new@feed.test');
    const spans = (await t.call.admin.get(`/api/v1/org/memberships?user=${newUser.id}`)).json().data;
    expect(spans.at(-1)).toMatchObject({ org_unit_id: (await unit('a')).id, valid_from: day });
    const future = await sync({ mode: 'delta', effectiveFrom: '2999-01-01', people: [] });
    expect(future).toMatchObject({ ok: false });
    expect(future?.error).toContain('effectiveFrom');
    expect((await sync({ mode: 'sideways' }))?.error).toContain('mode');
  });

  it('refuses deleting a unit that still has people; deletes it once they are gone', async () => {
    await sync({ mode: 'delta', people: [{ id: 'new', departmentIds: ['c'] }] });
    const r = await sync({ mode: 'delta', departments: [{ id: 'c', deleted: true }] });
    expect(byId(r?.result?.items).get('department:c')).toMatchObject({ status: 'failed', code: 'unit_has_people' });
    expect(await unit('c')).toBeDefined();
    await sync({ mode: 'delta', people: [{ id: 'new', departmentIds: ['a'] }] });
    const again = await sync({ mode: 'delta', departments: [{ id: 'c', deleted: true }] });
    expect(byId(again?.result?.items).get('department:c')).toMatchObject({ status: 'deleted' });
    expect(await unit('c')).toBeUndefined();
  });

  it('takes over a person already in Attain by work email; a full sync deactivates who is absent', async () => {
    const made = await t.call.admin.post('/api/v1/objects/user', { name: 'Existing', email: 'existing@feed.test' });
    expect(made.statusCode).toBe(201);
    const r = await sync({ ...tree, people: [...tree.people.filter((p) => p.id !== 'lead-b'), { id: 'ex', name: 'Existing Person', email: 'Existing@feed.test', departmentIds: ['a'] }] });
    const items = byId(r?.result?.items);
    expect(items.get('person:ex')).toMatchObject({ status: 'updated', attainId: made.json().id });
    expect(items.get('person:lead-b')).toMatchObject({ status: 'deactivated' });
    expect(await user('lead-b@feed.test')).toMatchObject({ active: false });
    expect(await unit('b')).toMatchObject({ head_id: null });
    expect(await user('p1@feed.test')).toMatchObject({ manager_id: (await user('boss@feed.test')).id });
  });
});
