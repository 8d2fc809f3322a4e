import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { openTestStore } from '@attain/store';
import { buildServer, hashPassword } from '../src/index.ts';
import type { Store } from '../src/store-port.ts';
import { baseDocs } from './fixtures/metadata.ts';

export const PASSWORD = 'pa55word!';
let passwordHash: Promise<string> | undefined;
let tenantCounter = 0;

export interface TestTenant {
  name: string;
  users: Record<'admin' | 'mgrEast' | 'repEast' | 'repEast2' | 'repWest' | 'finance', { id: string; email: string }>;
  orgUnits: Record<'root' | 'east' | 'east1' | 'west', string>;
}

/** A tenant with the fixture metadata, an org tree root → east → east1, root → west, and users. */
export async function createTenant(store: Store, prefix = 't'): Promise<TestTenant> {
  const name = `${prefix}${process.pid}x${++tenantCounter}`;
  await store.tenants.create(name);
  await store.metadata.apply(name, baseDocs(), { actor: { userId: null, label: 'test' } });
  const records = await store.records(name);
  const actor = { userId: null, label: 'test' };
  const root = await records.create('org_unit', { name: 'Company' }, actor);
  const east = await records.create('org_unit', { name: 'East', parent_id: root.id }, actor);
  const east1 = await records.create('org_unit', { name: 'East 1', parent_id: east.id }, actor);
  const west = await records.create('org_unit', { name: 'West', parent_id: root.id }, actor);
  passwordHash ??= hashPassword(PASSWORD, { N: 1024 });
  const hash = await passwordHash;
  const mk = async (key: string, role: string, org: string, manager?: string) => {
    const email = `${key.toLowerCase()}@${name}.test`;
    const user = await records.create('user', { name: key, email, role, org_unit_id: org, ...(manager ? { manager_id: manager } : {}), active: true }, actor);
    await store.auth.upsertCredential({ tenant: name, userId: user.id, email, passwordHash: hash, active: true });
    return { id: user.id, email };
  };
  const admin = await mk('Admin', 'admin', root.id);
  const mgrEast = await mk('MgrEast', 'manager', east.id);
  const repEast = await mk('RepEast', 'rep', east1.id, mgrEast.id);
  const repEast2 = await mk('RepEast2', 'rep', east1.id, mgrEast.id);
  const repWest = await mk('RepWest', 'rep', west.id);
  const finance = await mk('Finance', 'finance', root.id);
  return { name, users: { admin, mgrEast, repEast, repEast2, repWest, finance }, orgUnits: { root: root.id, east: east.id, east1: east1.id, west: west.id } };
}

/** One more user with a login in a test tenant (e.g. a second admin, for four-eyes rules). */
export async function addUser(store: Store, tenant: TestTenant, key: string, role: string): Promise<{ id: string; email: string }> {
  const records = await store.records(tenant.name);
  const email = `${key.toLowerCase()}@${tenant.name}.test`;
  const user = await records.create('user', { name: key, email, role, org_unit_id: tenant.orgUnits.root, active: true }, { userId: null, label: 'test' });
  passwordHash ??= hashPassword(PASSWORD, { N: 1024 });
  await store.auth.upsertCredential({ tenant: tenant.name, userId: user.id, email, passwordHash: await passwordHash, active: true });
  return { id: user.id, email };
}

// Tests sign admins in by password alone unless they test the second factor (sso: {defaultTotpRoles}).
export async function testServer(store?: Store, opts: Partial<Parameters<typeof buildServer>[0]> = {}): Promise<{ app: FastifyInstance; store: Store }> {
  const s = store ?? ((await openTestStore()) as unknown as Store);
  const app = await buildServer({ store: s, jwtSecret: 's'.repeat(40), loginRateLimit: { max: 1000, timeWindow: '1 minute' }, checkResponses: true, sso: { defaultTotpRoles: [] }, ...opts });
  return { app, store: s };
}

export async function login(app: FastifyInstance, tenant: string, email: string, password = PASSWORD): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant, email, password } });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  return (res.json() as { token: string }).token;
}

export type Caller = {
  get(url: string): Promise<LightMyRequestResponse>;
  del(url: string): Promise<LightMyRequestResponse>;
  post(url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  patch(url: string, payload: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  put(url: string, payload: unknown): Promise<LightMyRequestResponse>;
  // `data` is whatever the query selected; tests assert its shape, so it is typed loosely on purpose.
  // biome-ignore lint/suspicious/noExplicitAny: GraphQL data of any query, read field by field in assertions
  gql(query: string, variables?: Record<string, unknown>): Promise<{ status: number; body: { data?: Record<string, any>; errors?: Array<{ message: string; extensions: { code: string } }> } }>;
};

/** A small client bound to one bearer token. */
export function as(app: FastifyInstance, token: string): Caller {
  const headers = { authorization: `Bearer ${token}` };
  return {
    get: (url) => app.inject({ method: 'GET', url, headers }),
    del: (url) => app.inject({ method: 'DELETE', url, headers }),
    post: (url, payload) => app.inject({ method: 'POST', url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) }),
    patch: (url, payload, extra = {}) => app.inject({ method: 'PATCH', url, headers: { ...headers, ...extra }, payload: payload as object }),
    put: (url, payload) => app.inject({ method: 'PUT', url, headers, payload: payload as object }),
    gql: async (query, variables) => {
      const res = await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query, ...(variables ? { variables } : {}) } });
      return { status: res.statusCode, body: res.json() };
    },
  };
}

export const q = (value: unknown) => encodeURIComponent(JSON.stringify(value));
