// Issue 12, finding 14 (text parts): a required name that is empty or only spaces, and a URL
// field holding a javascript:/data:/vbscript: link, were stored. Both are 422 naming the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;

const partnerDoc = {
  kind: 'object',
  id: 'obj_partner',
  name: 'partner',
  label: { en: 'Partner' },
  schema: {
    type: 'object',
    required: ['name', 'website'],
    properties: {
      name: { type: 'string', maxLength: 100, 'x-attain': { id: 'fld_partner_name' } },
      website: { type: 'string', format: 'uri', 'x-attain': { id: 'fld_partner_website' } },
      portal: { type: 'string', format: 'uri', 'x-attain': { id: 'fld_partner_portal' } },
      note: { type: 'string', 'x-attain': { id: 'fld_partner_note' } },
    },
  },
};

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'secrec');
  admin = as(app, await login(app, t.name, t.users.admin.email));
  const applied = await admin.post('/api/v1/metadata/apply', { documents: [partnerDoc] });
  expect(applied.statusCode, applied.body).toBe(200);
});
afterAll(async () => {
  await app.close();
});

const count = async (object: string) => (await admin.get(`/api/v1/objects/${object}?count=true&limit=1`)).json().total as number;

function expectInvalid(res: { statusCode: number; json(): { error: { code: string; details: Array<{ path: string; rule: string }> } } }, path: string, rule: string): void {
  expect(res.statusCode).toBe(422);
  expect(res.json().error.code).toBe('validation_failed');
  expect(res.json().error.details).toContainEqual(expect.objectContaining({ path, rule }));
}

describe('required text', () => {
  it('an empty or whitespace-only required name is refused on create, update and batch', async () => {
    const before = await count('deal');
    for (const name of ['', ' ', '   ', '\t\n', '\u3000', '\u00a0']) expectInvalid(await admin.post('/api/v1/objects/deal', { name }), '/name', 'required');
    const upsert = await admin.post('/api/v1/objects/deal:upsert', {
      rows: [
        { external_id: 'e1', name: 'Fine' },
        { external_id: 'e2', name: ' ' },
      ],
    });
    expectInvalid(upsert, '/1/name', 'required');
    expect(await count('deal')).toBe(before);
    const deal = (await admin.post('/api/v1/objects/deal', { name: 'Real' })).json();
    expectInvalid(await admin.patch(`/api/v1/objects/deal/${deal.id}`, { name: '  ' }), '/name', 'required');
    expect((await admin.get(`/api/v1/objects/deal/${deal.id}`)).json().name).toBe('Real');
    // Surrounding spaces around a real name are the user's text and are kept.
    expect((await admin.patch(`/api/v1/objects/deal/${deal.id}`, { name: ' Real 2 ' })).json().name).toBe(' Real 2 ');
  });

  it('an optional text field may be empty', async () => {
    const ok = await admin.post('/api/v1/objects/deal', { name: 'With notes', notes: '' });
    expect(ok.statusCode).toBe(201);
  });
});

describe('URL fields', () => {
  it('refuses script and data URLs in any case or spacing, changing nothing', async () => {
    const before = await count('partner');
    const bad = [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      ' javascript:alert(1)',
      'java\tscript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      'ftp://x.test/',
      'http://',
      'not a url',
      '//evil.test/x',
    ];
    for (const website of bad) {
      const res = await admin.post('/api/v1/objects/partner', { name: 'P', website });
      expect(res.statusCode, website).toBe(422);
      expect(
        res.json().error.details.some((d: { path: string }) => d.path === '/website'),
        website,
      ).toBe(true);
    }
    expectInvalid(await admin.post('/api/v1/objects/partner', { name: 'P', website: 'https://ok.test', portal: 'javascript:void(0)' }), '/portal', 'format');
    expect(await count('partner')).toBe(before);
  });

  it('accepts http, https and mailto, and refuses a bad one on update', async () => {
    for (const website of ['https://example.test/a?b=c#d', 'http://example.test:8080/%E8%B7%AF', 'mailto:sales@example.test']) {
      const res = await admin.post('/api/v1/objects/partner', { name: 'P', website });
      expect(res.statusCode, `${website}: ${res.body}`).toBe(201);
      expect(res.json().website).toBe(website);
    }
    const p = (await admin.post('/api/v1/objects/partner', { name: 'Q', website: 'https://q.test' })).json();
    expectInvalid(await admin.patch(`/api/v1/objects/partner/${p.id}`, { website: 'javascript:alert(document.cookie)' }), '/website', 'format');
    expect((await admin.get(`/api/v1/objects/partner/${p.id}`)).json().website).toBe('https://q.test');
  });

  it('GraphQL writes obey the same rules', async () => {
    const before = await count('partner');
    const url = await admin.gql('mutation { createPartner(data: {name: "G", website: "javascript:alert(1)"}) { id } }');
    expect(url.body.errors?.[0]?.extensions.code).toBe('validation_failed');
    const name = await admin.gql('mutation { createPartner(data: {name: "  ", website: "https://g.test"}) { id } }');
    expect(name.body.errors?.[0]?.extensions.code).toBe('validation_failed');
    expect(await count('partner')).toBe(before);
  });
});
