// `apply` says what it does (issue #14): documents merge into the tenant's metadata by id unless
// the caller asks to replace the whole set, and a replace that would hide a core object is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testServer } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;

const note = {
  kind: 'object',
  id: 'acme.note',
  name: 'note',
  label: { en: 'Note', 'zh-CN': '备注' },
  schema: { type: 'object', properties: { body: { type: 'string', 'x-attain': { id: 'acme.note.body' } } } },
};

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await coreTenant(app, store, 'mode');
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('metadata apply modes over HTTP', () => {
  it('merges by default: one new document keeps every core object', async () => {
    const res = await t.call.admin.post('/api/v1/metadata/apply', { documents: [note] });
    expect(res.statusCode).toBe(200);
    const objects = (await t.call.admin.get('/api/v1/metadata/objects')).json() as { data: Array<{ name: string }> };
    expect(objects.data.map((o) => o.name)).toEqual(expect.arrayContaining(['user', 'org_unit', 'customer', 'order', 'note']));
  });

  it('refuses a replace that would hide core objects, naming each, and changes nothing', async () => {
    const before = (await t.call.admin.get('/api/v1/metadata/revisions')).json() as { data: Array<{ revision: number }> };
    for (const url of ['/api/v1/metadata/plan', '/api/v1/metadata/apply']) {
      const res = await t.call.admin.post(url, { documents: [note], mode: 'replace' });
      expect(res.statusCode).toBe(422);
      const body = res.json() as { error: { code: string; details: Array<{ path: string; rule: string; message: string }> } };
      expect(body.error.code).toBe('core_object_required');
      expect(body.error.details).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ path: '/objects/customer', rule: 'replace_hides_core_object' }),
          expect.objectContaining({ path: '/objects/order', rule: 'replace_hides_core_object' }),
        ]),
      );
      expect(body.error.details.some((d) => d.path === '/objects/note')).toBe(false);
    }
    const after = (await t.call.admin.get('/api/v1/metadata/revisions')).json() as { data: Array<{ revision: number }> };
    expect(after.data[0]?.revision).toBe(before.data[0]?.revision);
  });

  it('allows a replace that keeps the core but drops the tenant’s own object', async () => {
    const current = (
      await t.call.admin.get(`/api/v1/metadata/revisions/${((await t.call.admin.get('/api/v1/metadata/revisions')).json() as { data: Array<{ revision: number }> }).data[0]?.revision}`)
    ).json() as { docs: Array<{ id: string }> };
    const withoutNote = current.docs.filter((d) => d.id !== 'acme.note');
    const res = await t.call.admin.post('/api/v1/metadata/apply', { documents: withoutNote, mode: 'replace' });
    expect(res.statusCode).toBe(200);
    const objects = (await t.call.admin.get('/api/v1/metadata/objects')).json() as { data: Array<{ name: string }> };
    expect(objects.data.map((o) => o.name)).not.toContain('note');
    expect((await t.call.admin.post('/api/v1/metadata/apply', { documents: [note], mode: 'sideways' })).statusCode).toBe(400);
  });
});
