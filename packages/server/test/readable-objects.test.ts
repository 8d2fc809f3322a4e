import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Registry, type ObjectDoc } from '@attain/meta';
import { as, createTenant, login, testServer, type TestTenant } from './helpers.ts';
import { baseDocs } from './fixtures/metadata.ts';
import { redactedDocument } from '../src/rest/readable-objects.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'readable');
});
afterAll(async () => {
  await app.close();
});

const names = (body: { data: ObjectDoc[] }) => body.data.map((d) => d.name).sort();

describe('GET /metadata/readable-objects', () => {
  it('gives a rep the objects the rep may read, without hidden fields', async () => {
    const rep = as(app, await login(app, t.name, t.users.repEast.email));
    const res = await rep.get('/api/v1/metadata/readable-objects');
    expect(res.statusCode).toBe(200);
    const body = res.json() as { revision: number; data: ObjectDoc[] };
    expect(body.revision).toBeGreaterThan(0);
    expect(names(body)).toEqual(['customer', 'deal', 'user']);
    const deal = body.data.find((d) => d.name === 'deal')!;
    expect(Object.keys(deal.schema.properties)).not.toContain('margin');
    expect(Object.keys(deal.schema.properties)).toContain('amount');
    expect(JSON.stringify(deal)).not.toContain('margin');
    // Labels in every language come along, so the client switches language without a reload.
    expect(deal.label).toEqual({ en: 'Deal', 'zh-CN': '商机' });
    // The admin-only document list stays admin-only.
    expect((await rep.get('/api/v1/metadata/objects')).statusCode).toBe(403);
  });

  it('gives an admin every document unchanged, and a wildcard role every object', async () => {
    const admin = as(app, await login(app, t.name, t.users.admin.email));
    const all = (await admin.get('/api/v1/metadata/objects')).json() as { data: ObjectDoc[] };
    const readable = (await admin.get('/api/v1/metadata/readable-objects')).json() as { data: ObjectDoc[] };
    expect(readable.data).toEqual(all.data);
    const finance = as(app, await login(app, t.name, t.users.finance.email));
    expect(names((await finance.get('/api/v1/metadata/readable-objects')).json())).toEqual(['customer', 'deal', 'org_unit', 'user']);
  });

  it('needs a signed-in user', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/metadata/readable-objects' });
    expect(res.statusCode).toBe(401);
  });
});

describe('redactedDocument', () => {
  it('removes every mention of a hidden field: required, title, tree, indexes, rules, formulas', () => {
    const docs = baseDocs() as Array<Record<string, unknown>>;
    const deal = docs.find((d) => d.name === 'deal') as unknown as ObjectDoc;
    deal.schema.required = ['name', 'margin'];
    deal.schema.properties.net = { type: 'number', 'x-attain': { id: 'fld_deal_net', storage: 'decimal', formula: { expression: 'amount * margin' } } };
    deal['x-attain'] = {
      titleField: 'margin',
      tree: { parentField: 'margin' },
      indexes: [
        { id: 'ix_margin', fields: ['margin', 'name'] },
        { id: 'ix_name', fields: ['name'] },
      ],
      validationRules: [
        { id: 'r1', name: 'margin_ok', condition: 'margin < 1', message: { en: 'too high' } },
        { id: 'r2', name: 'margin_field', condition: 'TRUE', message: { en: 'x' }, field: 'margin' },
        { id: 'r3', name: 'amount_ok', condition: 'amount >= 0', message: { en: 'negative' }, field: 'amount' },
        { id: 'r4', name: 'similar_name', condition: 'margin_note = ""', message: { en: 'y' } },
      ],
    };
    const object = Registry.fromDocuments(docs.map((d) => (d.name === 'deal' ? { ...deal, 'x-attain': { titleField: 'name' } } : d))).object('deal')!;
    const out = redactedDocument({ ...object, doc: deal }, new Set(['margin']));
    expect(out.schema.required).toEqual(['name']);
    expect(out.schema.properties.margin).toBeUndefined();
    expect(out.schema.properties.net?.['x-attain']).toMatchObject({ readOnly: true });
    expect(out.schema.properties.net?.['x-attain'].formula).toBeUndefined();
    expect(out['x-attain']?.titleField).toBeUndefined();
    expect(out['x-attain']?.tree).toBeUndefined();
    expect(out['x-attain']?.indexes?.map((i) => i.id)).toEqual(['ix_name']);
    expect(out['x-attain']?.validationRules?.map((r) => r.id)).toEqual(['r3', 'r4']);
    // The registry's own document is not touched.
    expect(deal.schema.properties.margin).toBeDefined();
  });
});

describe('GET /metadata/roles', () => {
  it('lists roles for admins only', async () => {
    const admin = as(app, await login(app, t.name, t.users.admin.email));
    const res = await admin.get('/api/v1/metadata/roles');
    expect(res.statusCode).toBe(200);
    expect((res.json() as { data: Array<{ name: string }> }).data.map((r) => r.name).sort()).toEqual(['admin', 'finance', 'manager', 'rep']);
    const rep = as(app, await login(app, t.name, t.users.repEast.email));
    const denied = await rep.get('/api/v1/metadata/roles');
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('forbidden');
  });
});
