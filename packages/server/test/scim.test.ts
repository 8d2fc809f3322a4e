// SCIM 2.0 (RFC 7643/7644) driven over HTTP as Okta and Entra ID drive it: the offline checks of
// their published suites (create, get, filter, PATCH, deactivate, groups), the scim token scope,
// tenant isolation, a deprovisioned person's credentials, and a manager reaching the org.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const BASE = '/api/v1/scim/v2';
const TODAY = new Date().toISOString().slice(0, 10);

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let u: TestTenant;
let admin: Caller;

type Scim = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown) => Promise<LightMyRequestResponse>;

function scimClient(token: string): Scim {
  return (method, path, body) =>
    app.inject({
      method,
      url: `${BASE}${path}`,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}) },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
}

async function scimToken(tenant: TestTenant): Promise<string> {
  const res = await as(app, await login(app, tenant.name, tenant.users.admin.email)).post('/api/v1/auth/tokens', { name: 'okta', scopes: ['scim'] });
  expect(res.statusCode).toBe(201);
  expect(res.json().scopes).toEqual(['scim']);
  return res.json().token as string;
}

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });
const newUser = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER],
  userName,
  name: { givenName: 'Ada', familyName: 'Lovelace' },
  emails: [{ value: userName, type: 'work', primary: true }],
  active: true,
  ...extra,
});

let scim: Scim;
let scimB: Scim;

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'scima');
  u = await createTenant(store, 'scimb');
  admin = as(app, await login(app, t.name, t.users.admin.email));
  scim = scimClient(await scimToken(t));
  scimB = scimClient(await scimToken(u));
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('discovery and the scim token', () => {
  it('serves ServiceProviderConfig, ResourceTypes and Schemas as application/scim+json', async () => {
    const config = await scim('GET', '/ServiceProviderConfig');
    expect(config.statusCode).toBe(200);
    expect(config.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(config.json()).toMatchObject({ patch: { supported: true }, filter: { supported: true, maxResults: 500 }, bulk: { supported: true, maxOperations: 1000 } });
    const types = (await scim('GET', '/ResourceTypes')).json();
    expect(types.Resources.map((r: { id: string }) => r.id)).toEqual(['User', 'Group']);
    expect((await scim('GET', '/ResourceTypes/User')).json().schemaExtensions).toEqual([{ schema: ENTERPRISE, required: false }]);
    const schemas = (await scim('GET', '/Schemas')).json();
    expect(schemas.totalResults).toBe(3);
    expect((await scim('GET', `/Schemas/${USER}`)).json().attributes.find((a: { name: string }) => a.name === 'userName')).toMatchObject({ required: true, uniqueness: 'server' });
    expect((await scim('GET', '/Schemas/nope')).statusCode).toBe(404);
  });

  it('answers without a token, with a session or an unscoped token in the SCIM error shape', async () => {
    const none = await app.inject({ method: 'GET', url: `${BASE}/Users` });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ schemas: [ERROR], status: '401' });
    expect(none.headers['content-type']).toMatch(/^application\/scim\+json/);
    const session = await admin.get(`${BASE}/Users`);
    expect(session.statusCode).toBe(403);
    expect(session.json().schemas).toEqual([ERROR]);
    const plain = (await admin.post('/api/v1/auth/tokens', { name: 'plain' })).json().token as string;
    expect((await scimClient(plain)('GET', '/Users')).statusCode).toBe(403);
  });

  it('a scim token reaches nothing else; only an admin mints one', async () => {
    const token = await scimToken(t);
    const other = await as(app, token).get('/api/v1/objects/user');
    expect(other.statusCode).toBe(403);
    expect(other.json().error.details[0]).toMatchObject({ path: '/authorization', rule: 'token_scope' });
    expect((await as(app, token).gql('{ __typename }')).status).toBe(403);
    const rep = as(app, await login(app, t.name, t.users.repEast.email));
    const refused = await rep.post('/api/v1/auth/tokens', { name: 'x', scopes: ['scim'] });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.details[0]).toMatchObject({ path: '/scopes', rule: 'admin' });
    expect((await admin.post('/api/v1/auth/tokens', { name: 'x', scopes: ['everything'] })).statusCode).toBe(400);
  });
});

describe('Users (the Okta and Entra ID checks)', () => {
  let id: string;

  it('creates a user: 201, Location, and a duplicate userName is 409 uniqueness', async () => {
    const missing = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "ada@corp.test"')}`);
    expect(missing.json()).toMatchObject({ totalResults: 0, Resources: [], startIndex: 1 });
    const res = await scim('POST', '/Users', newUser('Ada@Corp.test', { externalId: 'okta-00u1' }));
    expect(res.statusCode).toBe(201);
    const body = res.json();
    id = body.id;
    expect(res.headers.location).toMatch(new RegExp(`^http://localhost(:80)?${BASE}/Users/${id}$`));
    expect(body).toMatchObject({
      schemas: [USER, ENTERPRISE],
      userName: 'ada@corp.test',
      displayName: 'Ada Lovelace',
      active: true,
      externalId: 'okta-00u1',
      emails: [{ value: 'ada@corp.test', primary: true }],
      meta: { resourceType: 'User' },
    });
    const dup = await scim('POST', '/Users', newUser('ada@corp.test'));
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ schemas: [ERROR], status: '409', scimType: 'uniqueness' });
    const got = await scim('GET', `/Users/${id}`);
    expect(got.statusCode).toBe(200);
    expect(got.json().userName).toBe('ada@corp.test');
    expect((await scim('GET', '/Users/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await scim('GET', '/Users/not-an-id')).json()).toMatchObject({ schemas: [ERROR], status: '404' });
  });

  it('refuses a user without an email and a body that is not a user', async () => {
    const bad = await scim('POST', '/Users', { schemas: [USER], userName: 'ada' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ scimType: 'invalidValue', error: { details: [{ path: '/userName', rule: 'format' }] } });
    expect((await scim('POST', '/Users', [1])).json().scimType).toBe('invalidSyntax');
    const json = await app.inject({ method: 'POST', url: `${BASE}/Users`, headers: { authorization: await scimTokenHeader(), 'content-type': 'application/scim+json' }, payload: '{"userName":' });
    expect(json.statusCode).toBe(400);
    expect(json.json().scimType).toBe('invalidSyntax');
  });

  it('filters: eq (case-insensitive userName), co, sw, pr, and/or, not, externalId, emails.value, active, meta.lastModified gt', async () => {
    await scim('POST', '/Users', newUser('grace@corp.test', { externalId: 'okta-00u2', displayName: 'Grace Hopper' }));
    await scim('POST', '/Users', newUser('alan@lab.test', { displayName: 'Alan Turing', active: false }));
    const names = async (filter: string) => {
      const res = await scim('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().Resources as Array<{ userName: string }>).map((r) => r.userName).sort();
    };
    expect(await names('userName eq "ADA@corp.test"')).toEqual(['ada@corp.test']);
    expect(await names('externalId eq "okta-00u2"')).toEqual(['grace@corp.test']);
    expect(await names('emails.value co "@corp.test"')).toEqual(['ada@corp.test', 'grace@corp.test']);
    expect(await names('emails[type eq "work" and value co "lab"]')).toEqual(['alan@lab.test']);
    expect(await names('emails[type eq "home"] or emails.type ne "work"')).toEqual([]);
    expect(await names('userName sw "gr" or displayName eq "Alan Turing"')).toEqual(['alan@lab.test', 'grace@corp.test']);
    expect(await names('externalId pr and active eq true')).toEqual(['ada@corp.test', 'grace@corp.test']);
    expect(await names('active eq false')).toEqual(['alan@lab.test']);
    expect(await names('not (userName co "corp") and (displayName sw "Alan")')).toEqual(['alan@lab.test']);
    expect(await names(`${ENTERPRISE}:manager.value pr`)).toEqual([t.users.repEast2.email, t.users.repEast.email]);
    expect(await names('meta.lastModified gt "2000-01-01T00:00:00Z" and userName ew "x"').catch(() => 'refused')).toBe('refused');
    const recent = await names('meta.lastModified gt "2000-01-01T00:00:00Z" and userName co "corp.test"');
    expect(recent).toEqual(['ada@corp.test', 'grace@corp.test']);
    expect(await names(`meta.lastModified gt "${new Date(Date.now() + 60_000).toISOString()}"`)).toEqual([]);
    for (const filter of ['userName eq', 'userName eq "a" and', 'nickName eq "x"', 'active eq "yes"', '(userName eq "a"', 'userName zz "a"', 'emails[type eq "work"']) {
      const res = await scim('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      expect(res.statusCode, filter).toBe(400);
      expect(res.json(), filter).toMatchObject({ schemas: [ERROR], scimType: 'invalidFilter' });
    }
  });

  it('pages with startIndex (1-based) and count', async () => {
    const all = (await scim('GET', '/Users')).json();
    expect(all.totalResults).toBe(6 + 3);
    const page = (await scim('GET', '/Users?startIndex=2&count=3')).json();
    expect(page).toMatchObject({ totalResults: 9, startIndex: 2, itemsPerPage: 3 });
    expect(page.Resources.map((r: { id: string }) => r.id)).toEqual(all.Resources.slice(1, 4).map((r: { id: string }) => r.id));
    expect((await scim('GET', '/Users?count=0')).json()).toMatchObject({ totalResults: 9, Resources: [] });
    expect((await scim('GET', '/Users?startIndex=0&count=1')).json()).toMatchObject({ startIndex: 1, itemsPerPage: 1 });
    expect((await scim('GET', '/Users?count=x')).json().scimType).toBe('invalidValue');
    expect((await scim('GET', '/Users?filter=active%20eq%20true&filter=active%20eq%20false')).json().scimType).toBe('invalidFilter');
  });

  it('PATCH: add/replace/remove with and without paths, Entra\'s "Replace" and "False"', async () => {
    const entra = await scim('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'active', value: 'False' }));
    expect(entra.statusCode, entra.body).toBe(200);
    expect(entra.json().active).toBe(false);
    expect((await scim('PATCH', `/Users/${id}`, patch({ op: 'replace', value: { active: true, displayName: 'Ada King' } }))).json()).toMatchObject({ active: true, displayName: 'Ada King' });
    expect((await scim('PATCH', `/Users/${id}`, patch({ op: 'Add', path: 'name.formatted', value: 'Countess Ada' }, { op: 'replace', path: 'displayName', value: '' }))).json().displayName).toBe(
      'Countess Ada',
    );
    const email = await scim('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'emails[type eq "work"].value', value: 'ada.king@corp.test' }));
    expect(email.json()).toMatchObject({ userName: 'ada.king@corp.test', emails: [{ value: 'ada.king@corp.test' }] });
    expect((await scim('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'userName', value: 'ada@corp.test' }))).json().userName).toBe('ada@corp.test');
    expect((await scim('PATCH', `/Users/${id}`, patch({ op: 'remove', path: 'externalId' }))).json().externalId).toBeUndefined();
    expect((await scim('PATCH', `/Users/${id}`, patch({ op: 'add', value: { externalId: 'okta-00u1', 'name.formatted': 'Ada' } }))).json()).toMatchObject({ externalId: 'okta-00u1' });
    const taken = await scim('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'userName', value: 'grace@corp.test' }));
    expect(taken.json()).toMatchObject({ status: '409', scimType: 'uniqueness' });
    expect((await scim('PATCH', `/Users/${id}`, patch({ op: 'move', path: 'active' }))).json().scimType).toBe('invalidSyntax');
    expect((await scim('PATCH', `/Users/${id}`, patch({ op: 'remove' }))).json().scimType).toBe('noTarget');
    expect((await scim('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'emails[type ne "x"].value', value: 'a@b.c' }))).json().scimType).toBe('invalidPath');
    expect((await scim('PATCH', `/Users/${id}`, { Operations: [] })).json().scimType).toBe('invalidSyntax');
    expect((await scim('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: 'maybe' }))).json()).toMatchObject({
      status: '400',
      scimType: 'invalidValue',
      error: { details: [{ path: '/active' }] },
    });
  });

  it('PUT replaces the user; department names the org unit', async () => {
    const put = await scim('PUT', `/Users/${id}`, newUser('ada@corp.test', { displayName: 'Ada L.', externalId: 'okta-00u1', [ENTERPRISE]: { department: 'East 1' } }));
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ displayName: 'Ada L.', [ENTERPRISE]: { department: 'East 1' }, groups: [{ value: t.orgUnits.east1, display: 'East 1' }] });
    const unknown = await scim('PUT', `/Users/${id}`, newUser('ada@corp.test', { [ENTERPRISE]: { department: 'Nowhere' } }));
    expect(unknown.json()).toMatchObject({ status: '400', scimType: 'invalidValue', error: { details: [{ rule: 'unknown_reference' }] } });
  });
});

describe('the org and deprovisioning', () => {
  it('a manager set by SCIM reaches the org service, effective today', async () => {
    const created = (await scim('POST', '/Users', newUser('lin@corp.test', { [ENTERPRISE]: { department: 'East', manager: { value: t.users.mgrEast.id } } }))).json();
    expect(created[ENTERPRISE]).toMatchObject({ manager: { value: t.users.mgrEast.id }, department: 'East' });
    const spans = async () => (await admin.get(`/api/v1/org/memberships?user=${created.id}`)).json().data as Array<Record<string, unknown>>;
    expect(await spans()).toEqual([expect.objectContaining({ org_unit_id: t.orgUnits.east, manager_id: t.users.mgrEast.id, valid_from: '1900-01-01', valid_to: null })]);
    // Entra moves the manager with a bare id as the value, and removes it with a path.
    await scim('PATCH', `/Users/${created.id}`, patch({ op: 'Replace', path: `${ENTERPRISE}:manager`, value: t.users.admin.id }));
    const moved = await spans();
    expect(moved).toEqual([expect.objectContaining({ manager_id: t.users.mgrEast.id, valid_to: TODAY }), expect.objectContaining({ manager_id: t.users.admin.id, valid_from: TODAY, valid_to: null })]);
    const on = (await admin.get(`/api/v1/org/on/${TODAY}`)).json().data as { users?: Array<Record<string, unknown>> } | Array<Record<string, unknown>>;
    expect(JSON.stringify(on)).toContain(created.id);
    const removed = await scim('PATCH', `/Users/${created.id}`, patch({ op: 'remove', path: `${ENTERPRISE}:manager` }));
    expect(removed.json()[ENTERPRISE].manager).toBeUndefined();
    expect((await spans()).at(-1)).toMatchObject({ manager_id: null, valid_from: TODAY });
    // The org's own reading of a manager on a day: the unit's head applies once the explicit one is gone.
  });

  it('a person deactivated by SCIM loses their session and API tokens on the next request; DELETE ends them too', async () => {
    const rep = t.users.repEast;
    const session = as(app, await login(app, t.name, rep.email));
    expect((await session.get('/api/v1/auth/me')).statusCode).toBe(200);
    const personal = as(app, (await session.post('/api/v1/auth/tokens', { name: 'mine' })).json().token as string);
    expect((await personal.get('/api/v1/auth/me')).statusCode).toBe(200);
    const off = await scim('PATCH', `/Users/${rep.id}`, patch({ op: 'Replace', path: 'active', value: 'False' }));
    expect(off.json().active).toBe(false);
    expect((await session.get('/api/v1/auth/me')).statusCode).toBe(401);
    expect((await personal.get('/api/v1/auth/me')).statusCode).toBe(401);
    const again = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: t.name, email: rep.email, password: 'pa55word!' } });
    expect(again.statusCode).toBe(401);
    // Deactivation ends the person's membership today, as a DELETE does (docs/org.md); their record
    // keeps the unit they were in, which a reactivation reopens.
    const spans = (await admin.get(`/api/v1/org/memberships?user=${rep.id}`)).json().data as Array<Record<string, unknown>>;
    expect(spans.at(-1)).toMatchObject({ org_unit_id: t.orgUnits.east1, valid_to: TODAY });
    expect((await admin.get(`/api/v1/objects/user/${rep.id}`)).json().org_unit_id).toBe(t.orgUnits.east1);

    const other = t.users.repEast2;
    const s2 = as(app, await login(app, t.name, other.email));
    expect((await scim('DELETE', `/Users/${other.id}`)).statusCode).toBe(204);
    expect((await s2.get('/api/v1/auth/me')).statusCode).toBe(401);
    expect((await scim('GET', `/Users/${other.id}`)).statusCode).toBe(404);
    expect((await scim('DELETE', `/Users/${other.id}`)).statusCode).toBe(404);
    // A deleted person leaves the org from today.
    const gone = (await admin.get(`/api/v1/org/memberships?user=${other.id}`)).json().data as Array<Record<string, unknown>>;
    expect(gone.at(-1)).toMatchObject({ valid_to: TODAY });
  });
});

describe('Groups are org units', () => {
  it('creates a group with members, reads, filters, patches members Entra-style and deletes it', async () => {
    const a = (await scim('POST', '/Users', newUser('g1@corp.test'))).json().id as string;
    const b = (await scim('POST', '/Users', newUser('g2@corp.test'))).json().id as string;
    const res = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Sales APAC', externalId: 'grp-1', members: [{ value: a }] });
    expect(res.statusCode, res.body).toBe(201);
    const g = res.json();
    expect(g).toMatchObject({ schemas: [GROUP], displayName: 'Sales APAC', externalId: 'grp-1', members: [{ value: a, type: 'User' }] });
    expect(res.headers.location).toContain(`/Groups/${g.id}`);
    expect((await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Sales APAC' })).json()).toMatchObject({ status: '409', scimType: 'uniqueness' });
    expect((await scim('GET', `/Users/${a}`)).json().groups).toEqual([expect.objectContaining({ value: g.id, display: 'Sales APAC' })]);

    const list = (await scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "Sales APAC"')}&excludedAttributes=members`)).json();
    expect(list).toMatchObject({ totalResults: 1, Resources: [{ id: g.id }] });
    expect(list.Resources[0].members).toBeUndefined();
    expect((await scim('GET', '/Groups')).json().totalResults).toBe(5);
    expect((await scim('GET', '/Groups?count=0')).json().totalResults).toBe(5);

    const added = await scim('PATCH', `/Groups/${g.id}`, patch({ op: 'Add', path: 'members', value: [{ value: b }] }));
    expect(added.statusCode, added.body).toBe(200);
    expect(
      added
        .json()
        .members.map((m: { value: string }) => m.value)
        .sort(),
    ).toEqual([a, b].sort());
    const removed = await scim('PATCH', `/Groups/${g.id}`, patch({ op: 'Remove', path: 'members', value: [{ value: a }] }));
    expect(removed.json().members.map((m: { value: string }) => m.value)).toEqual([b]);
    const byFilter = await scim('PATCH', `/Groups/${g.id}`, patch({ op: 'remove', path: `members[value eq "${b}"]` }, { op: 'replace', path: 'displayName', value: 'Sales Asia' }));
    expect(byFilter.json()).toMatchObject({ displayName: 'Sales Asia', members: [] });
    expect((await scim('GET', `/Users/${b}`)).json().groups).toEqual([]);
    const unknown = await scim('PATCH', `/Groups/${g.id}`, patch({ op: 'add', path: 'members', value: [{ value: '00000000-0000-4000-8000-000000000000' }] }));
    expect(unknown.json()).toMatchObject({ status: '400', scimType: 'invalidValue' });

    const put = await scim('PUT', `/Groups/${g.id}`, { schemas: [GROUP], displayName: 'Sales Asia', members: [{ value: a }, { value: b }] });
    expect(put.json().members).toHaveLength(2);
    expect((await scim('PUT', `/Groups/${g.id}`, { schemas: [GROUP] })).json()).toMatchObject({ status: '400', error: { details: [{ path: '/displayName' }] } });
    const emptied = await scim('PUT', `/Groups/${g.id}`, { schemas: [GROUP], displayName: 'Sales Asia', members: [] });
    expect(emptied.json().members).toEqual([]);
    expect((await scim('DELETE', `/Groups/${g.id}`)).statusCode).toBe(204);
    expect((await scim('GET', `/Groups/${g.id}`)).statusCode).toBe(404);
  });
});

describe('Bulk', () => {
  const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
  it('runs operations in order, resolves bulkId references and reports each result', async () => {
    const res = await scim('POST', '/Bulk', {
      schemas: [BULK],
      Operations: [
        { method: 'POST', bulkId: 'u1', path: '/Users', data: newUser('bulk1@corp.test') },
        { method: 'POST', bulkId: 'g1', path: '/Groups', data: { schemas: [GROUP], displayName: 'Bulk team', members: [{ value: 'bulkId:u1' }] } },
        { method: 'PATCH', path: '/Users/bulkId:u1', data: patch({ op: 'replace', path: 'active', value: false }) },
        { method: 'POST', bulkId: 'dup', path: '/Users', data: newUser('bulk1@corp.test') },
        { method: 'DELETE', path: '/Groups/bulkId:nope' },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    const ops = res.json().Operations as Array<{ status: string; bulkId?: string; location?: string; response?: { scimType?: string } }>;
    expect(ops.map((o) => o.status)).toEqual(['201', '201', '200', '409', '409']);
    expect(ops[0]?.location).toMatch(/\/Users\/[0-9a-f-]{36}$/);
    expect(ops[3]?.response?.scimType).toBe('uniqueness');
    const user = ops[0]?.location?.split('/').at(-1) as string;
    expect((await scim('GET', `/Users/${user}`)).json()).toMatchObject({ active: false, groups: [{ display: 'Bulk team' }] });
  });

  it('stops after failOnErrors and refuses a malformed request as a whole', async () => {
    const res = await scim('POST', '/Bulk', {
      schemas: [BULK],
      failOnErrors: 1,
      Operations: [
        { method: 'PATCH', path: '/Users/00000000-0000-4000-8000-000000000000', data: patch({ op: 'replace', path: 'active', value: false }) },
        { method: 'POST', bulkId: 'x', path: '/Users', data: newUser('never@corp.test') },
      ],
    });
    expect(res.json().Operations).toHaveLength(1);
    expect((await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "never@corp.test"')}`)).json().totalResults).toBe(0);
    for (const [body, path] of [
      [{ Operations: [] }, '/schemas'],
      [{ schemas: [BULK], Operations: [] }, '/Operations'],
      [{ schemas: [BULK], Operations: [{ method: 'GET', path: '/Users' }] }, '/Operations/0/method'],
      [{ schemas: [BULK], Operations: [{ method: 'POST', path: '/Users' }] }, '/Operations/0/bulkId'],
      [{ schemas: [BULK], Operations: [{ method: 'DELETE', path: '/Users' }] }, '/Operations/0/path'],
      [{ schemas: [BULK], Operations: [{ method: 'POST', bulkId: 'a', path: '/Bulk' }] }, '/Operations/0/path'],
      [{ schemas: [BULK], failOnErrors: 0, Operations: [{ method: 'DELETE', path: '/Users/bulkId:a' }] }, '/failOnErrors'],
    ] as const) {
      const bad = await scim('POST', '/Bulk', body);
      expect(bad.statusCode, JSON.stringify(body)).toBe(400);
      expect(bad.json().error.details[0].path).toBe(path);
    }
    const many = await scim('POST', '/Bulk', { schemas: [BULK], Operations: Array.from({ length: 1001 }, () => ({ method: 'DELETE', path: '/Users/bulkId:a' })) });
    expect(many.json()).toMatchObject({ status: '413', scimType: 'tooMany' });
  });
});

describe('tenant isolation', () => {
  it('a scim token of tenant B never reads or changes tenant A', async () => {
    const listB = (await scimB('GET', '/Users')).json();
    expect(listB.totalResults).toBe(6);
    expect(JSON.stringify(listB)).not.toContain(t.name);
    const a = t.users.finance.id;
    expect((await scimB('GET', `/Users/${a}`)).statusCode).toBe(404);
    expect((await scimB('PATCH', `/Users/${a}`, patch({ op: 'replace', path: 'active', value: false }))).statusCode).toBe(404);
    expect((await scimB('DELETE', `/Users/${a}`)).statusCode).toBe(404);
    expect((await scimB('GET', `/Groups/${t.orgUnits.root}`)).statusCode).toBe(404);
    expect((await scimB('POST', '/Groups', { schemas: [GROUP], displayName: 'X', members: [{ value: a }] })).json()).toMatchObject({ status: '400', scimType: 'invalidValue' });
    expect((await scim('GET', `/Users/${a}`)).json().active).toBe(true);
  });
});

let headerCache: string | undefined;
async function scimTokenHeader(): Promise<string> {
  headerCache ??= `Bearer ${await scimToken(t)}`;
  return headerCache;
}
