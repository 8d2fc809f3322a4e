// A customer's path for an org connector: a server whose outbound guard lets plugins reach the
// local vendor fake, an admin installing the first-party plugin through the plugins API (its
// fetch grant pointed at the fake), consenting, configuring, running the sync job now, and reading
// the org back through the records and org routes.
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { bundlePlugin, pluginsFor } from '@attain/plugins';
import { JobRunner } from '@attain/store';
import { hashPassword } from '../../src/index.ts';
import type { Store } from '../../src/store-port.ts';
import { as, login, testServer, type Caller } from '../helpers.ts';
import { coreTenant, type CoreTenant } from '../incentive-core-tenant.ts';
import { cert, type Fake } from './https-fake.ts';

export interface Connector {
  app: FastifyInstance;
  store: Store;
  t: CoreTenant;
  admin: Caller;
  plugin: string;
  /** Runs queued plugin jobs (scheduled syncs, callbacks), as a node's background worker does. */
  drain(): Promise<number>;
  close(): Promise<void>;
}

export const pluginDir = (name: string): string => fileURLToPath(new URL(`../../../../plugins/${name}`, import.meta.url));

export async function connector(plugin: string, fake: Fake, settings: (base: string) => Record<string, unknown>): Promise<Connector> {
  const { app, store } = await testServer(undefined, { plugins: { outbound: { allowHosts: [fake.host], ca: cert } } });
  const t = await coreTenant(app, store, plugin.replace(/-org$/, '').slice(0, 6));
  const admin = t.call.admin;
  const bundled = await bundlePlugin(pluginDir(plugin));
  // The tenant's grant names the local fake, as a real grant names the vendor's host.
  const manifest = { ...bundled.manifest, capabilities: { ...bundled.manifest.capabilities, fetch: [`${fake.base}/*`] } };
  const installed = await admin.post('/api/v1/plugins', { manifest, code: bundled.code });
  expect(installed.statusCode, installed.body).toBe(201);
  expect(installed.json().data.needsConsent).toEqual(expect.arrayContaining(['org:sync', 'hooks:inbound', 'hooks:job:sync']));
  expect((await admin.post(`/api/v1/plugins/${plugin}/consent`)).statusCode).toBe(200);
  const configured = await admin.put(`/api/v1/plugins/${plugin}/settings`, { settings: { ...settings(fake.base), apiBase: fake.base } });
  expect(configured.statusCode, configured.body).toBe(200);
  const bg = pluginsFor(store as never).background();
  const runner = new JobRunner(store.jobs as never, { handlers: bg.handlers, backoffMs: () => 0 });
  return {
    app,
    store,
    t,
    admin,
    plugin,
    drain: () => runner.drain(),
    close: async () => {
      await runner.stop();
      await app.close();
    },
  };
}

/** "Sync now" through the API, then the background worker runs it. */
export async function syncNow(c: Connector): Promise<void> {
  const res = await c.admin.post(`/api/v1/plugins/${c.plugin}/jobs/sync/run`);
  expect(res.statusCode, res.body).toBe(202);
  await c.drain();
}

export interface OrgView {
  units: Map<string, { id: string; name: string; parent: string | null; head: string | null }>;
  people: Map<string, { id: string; email: string; name: string; unit: string | null; manager: string | null; active: boolean; phone: string | null }>;
}

/** The synced org as the API shows it, keyed by vendor id (external id `<plugin>:<id>`). */
export async function readOrg(c: Connector): Promise<OrgView> {
  const prefix = `${c.plugin}:`;
  const list = async (object: string) => {
    const filter = encodeURIComponent(JSON.stringify({ external_id: { startsWith: prefix } }));
    const res = await c.admin.get(`/api/v1/objects/${object}?filter=${filter}&limit=200`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data as Array<Record<string, unknown>>;
  };
  const units = await list('org_unit');
  const users = await list('user');
  const vendor = (rows: Array<Record<string, unknown>>, id: unknown) => {
    const r = rows.find((x) => x.id === id);
    return r ? String(r.external_id).slice(prefix.length) : null;
  };
  return {
    units: new Map(units.map((u) => [String(u.external_id).slice(prefix.length), { id: String(u.id), name: String(u.name), parent: vendor(units, u.parent_id), head: vendor(users, u.head_id) }])),
    people: new Map(
      users.map((u) => [
        String(u.external_id).slice(prefix.length),
        {
          id: String(u.id),
          email: String(u.email),
          name: String(u.name),
          unit: vendor(units, u.org_unit_id),
          manager: vendor(users, u.manager_id),
          active: u.active !== false,
          phone: (u.phone as string) ?? null,
        },
      ]),
    ),
  };
}

/** The assertions every vendor shares: the seeded chart as units, people and managers. */
export function expectSeeded(org: OrgView, root: string, id: (n: number) => string): void {
  const [sales, east, shanghai, west, finance] = [id(1), id(2), id(3), id(4), id(5)];
  expect(org.units.get(root)).toMatchObject({ parent: null, head: 'ceo' });
  expect(org.units.get(sales)).toMatchObject({ name: 'Sales', parent: root, head: 'vera' });
  expect(org.units.get(east)).toMatchObject({ name: 'Sales East', parent: sales, head: 'eli' });
  expect(org.units.get(shanghai)).toMatchObject({ name: 'Shanghai Team', parent: east, head: 'sam' });
  expect(org.units.get(west)).toMatchObject({ name: 'Sales West', parent: sales, head: 'wes' });
  expect(org.units.get(finance)).toMatchObject({ name: 'Finance', parent: root, head: 'fay' });
  expect(org.people.get('rita')).toMatchObject({ unit: shanghai, manager: 'sam', active: true, email: 'rita@acme.test' });
  // In two departments: the primary one is the unit.
  expect(org.people.get('ray')).toMatchObject({ unit: shanghai, manager: 'sam' });
  // A leader reports to the leader above.
  expect(org.people.get('sam')).toMatchObject({ unit: shanghai, manager: 'eli' });
  expect(org.people.get('eli')).toMatchObject({ manager: 'vera' });
  expect(org.people.get('vera')).toMatchObject({ manager: 'ceo' });
  expect(org.people.get('ceo')).toMatchObject({ unit: root, manager: null });
  expect(org.people.get('leo')).toMatchObject({ unit: finance, manager: 'fay', active: true });
}

/** After the change event: Rita moved West under Ray, Ray leads West, Leo left. */
export function expectChanged(org: OrgView, id: (n: number) => string): void {
  const west = id(4);
  expect(org.units.get(west)).toMatchObject({ head: 'ray' });
  expect(org.people.get('rita')).toMatchObject({ unit: west, manager: 'ray' });
  expect(org.people.get('wes')).toMatchObject({ unit: west, manager: 'ray' });
  expect(org.people.get('leo')).toMatchObject({ active: false });
}

/** Leo can sign in and call the API before leaving (the test gives him a password). */
export async function leaverSession(c: Connector, org: OrgView): Promise<Caller> {
  const leo = org.people.get('leo');
  if (!leo) throw new Error('leo was not synced');
  await c.store.auth.upsertCredential({ tenant: c.t.name, userId: leo.id, email: leo.email, passwordHash: await hashPassword('Leo-pass-123!', { N: 1024 }), active: true });
  const call = as(c.app, await login(c.app, c.t.name, leo.email, 'Leo-pass-123!'));
  expect((await call.get('/api/v1/auth/me')).statusCode).toBe(200);
  return call;
}

export async function expectLeaverLockedOut(c: Connector, call: Caller, email: string): Promise<void> {
  expect((await call.get('/api/v1/auth/me')).statusCode).toBe(401);
  const again = await c.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: c.t.name, email, password: 'Leo-pass-123!' } });
  expect(again.statusCode).toBe(401);
}

/** Today's date in the tenant's zone (the test tenants are UTC). */
export const today = (): string => new Date().toISOString().slice(0, 10);

/** A person's membership spans, through the org routes. */
export async function spans(c: Connector, userId: string): Promise<Array<{ org_unit_id: string | null; manager_id: string | null; valid_from: string; valid_to: string | null }>> {
  const res = await c.admin.get(`/api/v1/org/memberships?user=${userId}`);
  expect(res.statusCode).toBe(200);
  return res.json().data;
}

/** The org sync results the plugin got back (its audited `org` SDK calls), newest first. */
export async function syncCalls(c: Connector): Promise<Array<{ mode: string; counts: Record<string, number> }>> {
  const rows = await c.store.audit.list(c.t.name, { object: 'plugin', limit: 200 });
  return rows.filter((r) => (r.after as { fn?: string } | null)?.fn === 'org').map((r) => r.after as { mode: string; counts: Record<string, number> });
}
