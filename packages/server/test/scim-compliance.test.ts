// Published SCIM 2.0 compliance checks that run offline, ported and run over real HTTP (a listening
// Attain server, `fetch`) against Attain's SCIM service:
//
// 1. Okta's "Okta SCIM 2.0 SPEC Test" (the Runscope/BlazeMeter export Okta publishes for ISVs,
//    https://developer.okta.com/docs/guides/build-provisioning-integration/test-scim-api/; the
//    export as kept at github.com/BerriAI/litellm tests/scim_tests/scim_e2e_test.json). Every step of
//    it runs here with its assertions: Test Users endpoint; Get Users/{id}; Test invalid User by
//    username; Test invalid User by ID; Make sure random user doesn't exist; Create Okta user with
//    realistic values; Verify that user was created; Expect failure when recreating user with same
//    values; Username Case Sensitivity Check; Verify Groups endpoint; Check status 401; Check status
//    404. Its pauses are left out (they wait for eventually consistent services; Attain's writes
//    are read back at once). Okta deprovisions with PATCH `active: false` (Okta's SCIM 2.0 guide,
//    "Update a specific User (PATCH)"), checked here with the person losing access at once.
// 2. suvera's scim2-compliance-test-utility (github.com/suvera/scim2-compliance-test-utility,
//    tests/user/UserCrudTests.java and tests/group/GroupCrudTests.java): Create new User, Read a
//    User, List User, Search Filter Users (`name.familyName co "Stark"`), Update User (PUT of the
//    create answer), Patch User (replace name.familyName), Delete User; Create new Group, Read a
//    Group, List Group (startIndex=0), Search Filter Groups (`displayName co "Stark"`), Update Group
//    (PUT of the create answer), Patch Group (add a member with value, type and $ref), Delete
//    Group. Each answer is checked, as the utility does, against the JSON schema the server itself
//    publishes at /Schemas (required attributes present, attribute types as declared). The one
//    deviation: the utility fills every enterprise attribute with random text; Attain's
//    `department` names an existing Group (an unknown one is 400 invalidValue, on purpose), so the
//    generator here puts an existing Group's name there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, testServer, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';
import { baseDocs, userDoc } from './fixtures/metadata.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

type Json = Record<string, unknown>;
type Attr = { name: string; type: string; multiValued: boolean; required: boolean; subAttributes?: Attr[] };

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let base: string;
let auth: string;

async function call(method: string, url: string, body?: unknown, authorization = auth): Promise<{ status: number; json: Json; type: string | null }> {
  const res = await fetch(url.startsWith('http') ? url : `${base}${url}`, {
    method,
    headers: { authorization, accept: 'application/scim+json', 'user-agent': 'OKTA SCIM Integration', ...(body !== undefined ? { 'content-type': 'application/scim+json; charset=utf-8' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Json) : {}, type: res.headers.get('content-type') };
}

const rand = () => Math.random().toString(36).slice(2, 10);
const notEmpty = (v: unknown) => expect(v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)).toBe(false);

// suvera's ScimResponseValidator: the answer against the schema the server publishes.
let published: Map<string, Attr[]>;
function typeOk(a: Attr, v: unknown): boolean {
  if (a.multiValued) return Array.isArray(v) && v.every((x) => typeOk({ ...a, multiValued: false }, x));
  if (a.type === 'boolean') return typeof v === 'boolean';
  if (a.type === 'complex')
    return typeof v === 'object' && v !== null && !Array.isArray(v) && (a.subAttributes ?? []).every((s) => (v as Json)[s.name] === undefined || typeOk(s, (v as Json)[s.name]));
  if (a.type === 'integer') return Number.isInteger(v);
  return typeof v === 'string';
}
function conforms(resource: Json, schema: string): void {
  expect(resource.schemas).toContain(schema);
  notEmpty(resource.id);
  for (const urn of resource.schemas as string[]) {
    const attrs = published.get(urn);
    expect(attrs, `schema ${urn} is published`).toBeDefined();
    const holder = urn === schema ? resource : ((resource[urn] ?? {}) as Json);
    for (const a of attrs ?? []) {
      if (a.required) notEmpty(holder[a.name]);
      if (holder[a.name] !== undefined) expect(typeOk(a, holder[a.name]), `${a.name} is a ${a.type}`).toBe(true);
    }
  }
}
function conformsList(list: Json, schema: string): void {
  expect(list.schemas).toContain(LIST);
  expect(Number.isInteger(list.totalResults)).toBe(true);
  for (const r of list.Resources as Json[]) conforms(r, schema);
}

// suvera's FakeData.generateUser, over the attributes this server publishes.
function fakeUser(): Json {
  const given = `Tony${rand()}`;
  const username = `tstark${rand()}`;
  return {
    schemas: [USER, ENTERPRISE],
    userName: username,
    externalId: username,
    displayName: `${given} Stark`,
    active: true,
    emails: [{ value: `${username}@opensource.suvera.dev`, primary: true }],
    name: { familyName: 'Stark', givenName: given, formatted: `${given} Stark` },
    password: username,
    [ENTERPRISE]: { employeeNumber: `E${Math.floor(Math.random() * 900000) + 100000}`, department: 'West' },
  };
}

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'scimc');
  // The tenant keeps given and family names (docs/scim.md, "Mapping"): Okta checks both come back.
  const part = (id: string) => ({ type: 'string', maxLength: 100, 'x-attain': { id } });
  const user = { ...userDoc, schema: { ...userDoc.schema, properties: { ...userDoc.schema.properties, given_name: part('fld_user_given'), family_name: part('fld_user_family') } } };
  const applied = await store.metadata.apply(t.name, baseDocs().map((d) => ((d as { name?: string }).name === 'user' && (d as { kind?: string }).kind === 'object' ? user : d)) as never, {
    actor: { userId: null, label: 'test' },
  });
  expect(applied).toBeDefined();
  const admin = as(app, await login(app, t.name, t.users.admin.email));
  // Okta's first step reads the first user the app holds, one Okta provisioned earlier with both parts.
  expect((await admin.patch(`/api/v1/objects/user/${t.users.admin.id}`, { given_name: 'Ada', family_name: 'Admin' })).statusCode).toBe(200);
  const minted = await admin.post('/api/v1/auth/tokens', { name: 'okta', scopes: ['scim'] });
  expect(minted.statusCode).toBe(201);
  auth = `Bearer ${minted.json().token as string}`;
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  base = `${address}/api/v1/scim/v2`;
  const schemas = await call('GET', '/Schemas');
  published = new Map((schemas.json.Resources as Json[]).map((s) => [s.id as string, s.attributes as Attr[]]));
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('Okta SCIM 2.0 SPEC Test', () => {
  const given = `Okta${rand()}`;
  const family = `Tester${rand()}`;
  const userName = `okta.${rand()}@atko.example`;
  let idUserOne = '';

  it('Required Test: Test Users endpoint, Get Users/{id}', async () => {
    const list = await call('GET', '/Users?count=1&startIndex=1');
    expect(list.status).toBe(200);
    expect(list.type).toMatch(/^application\/scim\+json/);
    notEmpty(list.json.Resources);
    expect(list.json.schemas).toContain(LIST);
    for (const n of ['itemsPerPage', 'startIndex', 'totalResults']) expect(typeof list.json[n]).toBe('number');
    const first = (list.json.Resources as Json[])[0] as Json;
    for (const v of [first.id, (first.name as Json).familyName, (first.name as Json).givenName, first.userName, first.active, ((first.emails as Json[])[0] as Json).value]) notEmpty(v);
    const one = await call('GET', `/Users/${first.id}`);
    expect(one.status).toBe(200);
    expect(one.json.id).toBe(first.id);
    for (const v of [(one.json.name as Json).familyName, (one.json.name as Json).givenName, one.json.userName, one.json.active, ((one.json.emails as Json[])[0] as Json).value]) notEmpty(v);
  });

  it('Required Test: Test invalid User by username / by ID; Make sure random user does not exist', async () => {
    const invalid = await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "invalid-${rand()}@example.com"`)}`);
    expect(invalid.status).toBe(200);
    expect(invalid.json).toMatchObject({ schemas: [LIST], totalResults: 0 });
    const missing = await call('GET', `/Users/${crypto.randomUUID()}`);
    expect(missing.status).toBe(404);
    notEmpty(missing.json.detail);
    expect(missing.json.schemas).toContain(ERROR);
    const random = await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
    expect(random.status).toBe(200);
    expect(random.json).toMatchObject({ schemas: [LIST], totalResults: 0 });
  });

  it('Required Test: Create Okta user with realistic values; Verify that user was created; recreate fails', async () => {
    const body = {
      schemas: [USER],
      userName,
      name: { givenName: given, familyName: family },
      emails: [{ primary: true, value: userName, type: 'work' }],
      displayName: `${given} ${family}`,
      active: true,
    };
    const created = await call('POST', '/Users', body);
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json).toMatchObject({ active: true, name: { familyName: family, givenName: given }, userName });
    expect(created.json.schemas).toContain(USER);
    notEmpty(created.json.id);
    idUserOne = created.json.id as string;
    const read = await call('GET', `/Users/${idUserOne}`);
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ userName, name: { familyName: family, givenName: given } });
    expect((await call('POST', '/Users', body)).status).toBe(409);
  });

  it('Required Test: Username Case Sensitivity Check; Optional Test: Verify Groups endpoint', async () => {
    const caps = await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName.toUpperCase()}"`)}`);
    expect(caps.status).toBe(200);
    expect(caps.json.totalResults).toBe(1);
    const groups = await call('GET', '/Groups');
    expect(groups.status).toBe(200);
    expect(Array.isArray(groups.json.Resources)).toBe(true);
    expect(groups.json.totalResults).toBeGreaterThanOrEqual(1);
  });

  it('Required Test: Check status 401; Check status 404', async () => {
    const denied = await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName.toUpperCase()}"`)}`, undefined, 'non-token');
    expect(denied.status).toBe(401);
    notEmpty(denied.json.detail);
    expect(denied.json).toMatchObject({ status: '401' });
    expect(denied.json.schemas).toContain(ERROR);
    const missing = await call('GET', '/Users/00919288221112222');
    expect(missing.status).toBe(404);
    notEmpty(missing.json.detail);
    expect(missing.json).toMatchObject({ status: '404' });
    expect(missing.json.schemas).toContain(ERROR);
  });

  it("Okta's deprovisioning (PATCH active false): the person loses access at once", async () => {
    // Give the provisioned person a credential and a session, as SSO would.
    const person = t.users.repWest;
    const session = as(app, await login(app, t.name, person.email));
    expect((await session.get('/api/v1/auth/me')).statusCode).toBe(200);
    const off = await call('PATCH', `/Users/${person.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] });
    expect(off.status).toBe(200);
    expect(off.json.active).toBe(false);
    expect((await session.get('/api/v1/auth/me')).statusCode).toBe(401);
    const filtered = await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${person.email}" and active eq false`)}`);
    expect(filtered.json.totalResults).toBe(1);
  });
});

describe('suvera scim2-compliance-test-utility: UserCrudTests', () => {
  it('Create, Read, List, Search Filter, Update (PUT), Patch, Delete a User', async () => {
    const created = await call('POST', '/Users', fakeUser());
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    conforms(created.json, USER);
    const location = (created.json.meta as Json).location as string;
    expect(location.startsWith(base)).toBe(true);

    const read = await call('GET', location);
    expect(read.status).toBe(200);
    conforms(read.json, USER);

    const list = await call('GET', '/Users?startIndex=1&count=10');
    expect(list.status).toBe(200);
    conformsList(list.json, USER);

    const filtered = await call('GET', `/Users?startIndex=1&count=10&filter=${encodeURIComponent('name.familyName co "Stark"')}`);
    expect(filtered.status, JSON.stringify(filtered.json)).toBe(200);
    conformsList(filtered.json, USER);
    expect((filtered.json.Resources as Json[]).map((r) => r.id)).toContain(created.json.id);

    const put = await call('PUT', location, created.json);
    expect(put.status, JSON.stringify(put.json)).toBe(200);
    conforms(put.json, USER);

    const patched = await call('PATCH', location, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'name.familyName', value: 'Stagger' }] });
    expect([200, 204]).toContain(patched.status);
    if (patched.status === 200) {
      conforms(patched.json, USER);
      expect((patched.json.name as Json).familyName).toBe('Stagger');
    }

    expect((await call('DELETE', location)).status).toBe(204);
    expect((await call('GET', location)).status).toBe(404);
  });
});

describe('suvera scim2-compliance-test-utility: GroupCrudTests', () => {
  it('Create, Read, List, Search Filter, Update (PUT), Patch (add member), Delete a Group', async () => {
    const user = await call('POST', '/Users', fakeUser());
    expect(user.status).toBe(201);
    const created = await call('POST', '/Groups', { schemas: [GROUP], displayName: `stark.${rand()}` });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    conforms(created.json, GROUP);
    const location = (created.json.meta as Json).location as string;

    const read = await call('GET', location);
    expect(read.status).toBe(200);
    conforms(read.json, GROUP);

    // The utility asks for startIndex=0; RFC 7644 §3.4.2.4 reads a value below 1 as 1.
    const list = await call('GET', '/Groups?startIndex=0&count=10');
    expect(list.status).toBe(200);
    conformsList(list.json, GROUP);
    expect(list.json.startIndex).toBe(1);

    const filtered = await call('GET', `/Groups?startIndex=0&count=10&filter=${encodeURIComponent('displayName co "stark"')}`);
    expect(filtered.status).toBe(200);
    conformsList(filtered.json, GROUP);
    expect((filtered.json.Resources as Json[]).map((r) => r.id)).toContain(created.json.id);

    const put = await call('PUT', location, created.json);
    expect(put.status, JSON.stringify(put.json)).toBe(200);
    conforms(put.json, GROUP);

    const userLocation = (user.json.meta as Json).location as string;
    const patched = await call('PATCH', location, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: user.json.id, type: 'User', $ref: userLocation }] }] });
    expect([200, 204]).toContain(patched.status);
    const after = await call('GET', location);
    expect((after.json.members as Json[]).map((m) => m.value)).toEqual([user.json.id]);
    expect(((await call('GET', userLocation)).json.groups as Json[]).map((g) => g.value)).toEqual([created.json.id]);

    expect((await call('DELETE', location)).status).toBe(204);
    expect((await call('GET', location)).status).toBe(404);
    expect((await call('DELETE', userLocation)).status).toBe(204);
  });
});
