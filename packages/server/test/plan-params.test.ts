import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, testServer, type TestTenant } from './helpers.ts';
import { baseDocs } from './fixtures/metadata.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'planp');
});
afterAll(async () => {
  await app.close();
});

interface Step {
  kind: string;
  sentence: string;
  message?: string;
  params?: Record<string, string | number>;
}

describe('plan steps carry a translatable message and params', () => {
  it('names every value of the sentence', async () => {
    const admin = as(app, await login(app, t.name, t.users.admin.email));
    // biome-ignore lint/suspicious/noExplicitAny: the test edits metadata documents of several kinds in place
    const docs = baseDocs() as Array<Record<string, any>>;
    const deal = docs.find((d) => d.name === 'deal')!;
    deal.schema.properties.region = { type: 'string', 'x-attain': { id: 'fld_deal_region', label: { en: 'Region' } } };
    deal.schema.properties.amount.default = 5;
    deal['x-attain'] = { ...deal['x-attain'], indexes: [{ id: 'ix_deal_region', fields: ['region'], unique: true }] };
    delete deal.schema.properties.notes;
    const rep = docs.find((d) => d.name === 'rep')!;
    rep.label = { en: 'Sales representative' };
    const newRole = { kind: 'role', id: 'role_viewer', name: 'viewer', label: { en: 'Viewer' }, permissions: [] };
    const res = await admin.post('/api/v1/metadata/plan', { documents: [...docs, newRole], mode: 'replace' });
    expect(res.statusCode).toBe(200);
    const steps = (res.json() as { steps: Step[] }).steps;
    const by = (message: string) => steps.find((s) => s.message === message);
    expect(by('add_column')).toMatchObject({ kind: 'add_column', params: { field: 'region', type: 'text', object: 'deal' } });
    expect(by('set_default')).toMatchObject({ params: { field: 'amount', object: 'deal', value: '5' } });
    expect(by('hide_field')).toMatchObject({ params: { field: 'notes', object: 'deal', id: 'fld_deal_notes' } });
    expect(by('add_unique_index')).toMatchObject({ kind: 'add_index', params: { object: 'deal', columns: 'region' } });
    expect(by('update_document')).toMatchObject({ params: { docKind: 'role', name: 'rep' } });
    expect(by('add_document')).toMatchObject({ params: { docKind: 'role', name: 'viewer' } });
    for (const s of steps) {
      expect(s.sentence).toBeTruthy();
      expect(s.message).toMatch(/^[a-z_]+$/);
    }
  });

  it('words a new object, its links and a refused type change', async () => {
    const admin = as(app, await login(app, t.name, t.users.admin.email));
    // biome-ignore lint/suspicious/noExplicitAny: the test edits metadata documents of several kinds in place
    const docs = baseDocs() as Array<Record<string, any>>;
    const deal = docs.find((d) => d.name === 'deal')!;
    deal.schema.properties.close_date = { type: 'integer', 'x-attain': { id: 'fld_deal_close' } };
    deal.schema.properties.stage.default = undefined;
    delete deal.schema.properties.stage.default;
    const ticket = {
      kind: 'object',
      id: 'obj_ticket2',
      name: 'ticket2',
      label: { en: 'Ticket' },
      schema: {
        type: 'object',
        properties: { subject: { type: 'string', 'x-attain': { id: 'fld_t2_subject' } }, deal_id: { type: 'string', 'x-attain': { id: 'fld_t2_deal', storage: 'ref', ref: { object: 'deal' } } } },
      },
    };
    const res = await admin.post('/api/v1/metadata/plan', { documents: [...docs, ticket], mode: 'replace' });
    const steps = (res.json() as { steps: Array<Step & { safe: boolean }> }).steps;
    expect(steps.find((s) => s.message === 'create_table')).toMatchObject({ params: { object: 'ticket2', fields: 3 } });
    expect(steps.find((s) => s.message === 'add_foreign_key' && s.params?.object === 'ticket2')).toMatchObject({ params: { field: 'deal_id', target: 'deal', onDelete: 'set_null' } });
    expect(steps.find((s) => s.message === 'change_type')).toMatchObject({ kind: 'widen_column', safe: false, params: { field: 'close_date', object: 'deal' } });
    expect(steps.find((s) => s.message === 'drop_default')).toMatchObject({ params: { field: 'stage', object: 'deal' } });
  });
});
