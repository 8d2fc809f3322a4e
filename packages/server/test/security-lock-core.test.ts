// Issue #12 point 8: no plan, apply or rollback may remove (or hide, rename, replace) the core
// objects, fields and admin role the platform reads; before, `rollback {revision: 0}` answered
// 200 and locked every user out of the tenant for good.
import { beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import { baseDocs } from './fixtures/metadata.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let tenant: TestTenant;
let admin: Caller;

type Doc = { kind: string; id: string; name: string; admin?: boolean; schema?: { required?: string[]; properties: Record<string, unknown> } };
const docs = () => baseDocs() as Doc[];
const without = (name: string) => docs().filter((d) => d.name !== name || d.kind !== 'object');
const withoutField = (object: string, field: string) =>
  docs().map((d) => {
    if (d.kind !== 'object' || d.name !== object || !d.schema) return d;
    delete d.schema.properties[field];
    d.schema.required = (d.schema.required ?? []).filter((f) => f !== field);
    return d;
  });

async function expectRefused(res: { statusCode: number; json(): unknown }, path: string): Promise<void> {
  expect(res.statusCode).toBe(422);
  const error = (res.json() as { error: { code: string; details: Array<{ path: string; rule: string }> } }).error;
  expect(error.code).toBe('core_object_required');
  expect(error.details).toContainEqual(expect.objectContaining({ path, rule: 'core_object_required' }));
}

beforeAll(async () => {
  ({ app, store } = await testServer());
  tenant = await createTenant(store, 'slco');
  admin = as(app, await login(app, tenant.name, tenant.users.admin.email));
});

describe('the core the platform needs cannot be removed', () => {
  it('refuses a rollback to revision 0 (no metadata at all) and everyone can still log in', async () => {
    const before = (await admin.get('/api/v1/metadata/revisions')).json().data[0].revision as number;
    await expectRefused(await admin.post('/api/v1/metadata/rollback', { revision: 0 }), '/objects/user');
    expect((await admin.get('/api/v1/metadata/revisions')).json().data[0].revision).toBe(before);
    expect(await login(app, tenant.name, tenant.users.repEast.email)).toBeTruthy();
    expect((await admin.get('/api/v1/objects/user?limit=1')).statusCode).toBe(200);
  });

  it('reports a replace plan with no documents as refused, not safe', async () => {
    const res = await admin.post('/api/v1/metadata/plan', { mode: 'replace', documents: [] });
    await expectRefused(res, '/objects/user');
    const paths = (res.json() as { error: { details: Array<{ path: string }> } }).error.details.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['/objects/user', '/objects/org_unit', '/roles/admin']));
  });

  it('refuses to remove or purge user / org_unit, or to drop the admin role, by plan or apply', async () => {
    for (const url of ['/api/v1/metadata/plan', '/api/v1/metadata/apply']) {
      await expectRefused(await admin.post(url, { mode: 'replace', documents: without('user') }), '/objects/user');
      await expectRefused(await admin.post(url, { mode: 'replace', documents: without('org_unit'), purge: ['obj_org_unit'] }), '/objects/org_unit');
      await expectRefused(await admin.post(url, { mode: 'replace', documents: docs().filter((d) => d.name !== 'admin') }), '/roles/admin');
      await expectRefused(await admin.post(url, { documents: [{ ...docs().find((d) => d.name === 'admin'), admin: false }] }), '/roles/admin');
    }
  });

  it('refuses to remove, rename or replace the fields the platform reads (email, role, active, org_unit_id, manager_id, parent_id)', async () => {
    for (const [object, field] of [
      ['user', 'email'],
      ['user', 'role'],
      ['user', 'active'],
      ['user', 'org_unit_id'],
      ['user', 'manager_id'],
      ['org_unit', 'parent_id'],
    ] as const) {
      await expectRefused(await admin.post('/api/v1/metadata/apply', { mode: 'replace', documents: withoutField(object, field) }), `/objects/${object}/fields/${field}`);
    }
    // Replacing the object under the same name (a new id: the old table would be hidden) is refused too.
    const replaced = docs().map((d) => (d.kind === 'object' && d.name === 'user' ? { ...d, id: 'obj_user_v2' } : d));
    await expectRefused(await admin.post('/api/v1/metadata/apply', { mode: 'replace', documents: replaced }), '/objects/user');
  });

  it('still applies ordinary changes, and a rollback to a revision that has the core', async () => {
    const extra = docs().map((d) => {
      if (d.kind === 'object' && d.name === 'user' && d.schema) d.schema.properties.nickname = { type: 'string', maxLength: 50, 'x-attain': { id: 'fld_user_nick' } };
      return d;
    });
    const applied = await admin.post('/api/v1/metadata/apply', { mode: 'replace', documents: extra });
    expect(applied.statusCode, applied.body).toBe(200);
    const rev = applied.json().revision as number;
    const back = await admin.post('/api/v1/metadata/rollback', { revision: rev - 1 });
    expect(back.statusCode, back.body).toBe(200);
  });
});
