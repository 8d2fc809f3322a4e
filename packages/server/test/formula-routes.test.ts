import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import { dealDoc } from './fixtures/metadata.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let tenant: TestTenant;
let admin: Caller;
let rep: Caller;

/** The fixture deal plus a cost, formula fields (computed and stored) and a validation rule. */
function dealWithFormulas(): Record<string, unknown> {
  const d = structuredClone(dealDoc) as unknown as { schema: { properties: Record<string, unknown> }; 'x-attain': Record<string, unknown> };
  d.schema.properties.cost = { type: 'number', 'x-attain': { id: 'fld_deal_cost', storage: 'money' } };
  d.schema.properties.profit = {
    type: 'number',
    'x-attain': { id: 'fld_deal_profit', storage: 'money', label: { en: 'Profit', 'zh-CN': '利润' }, formula: { expression: 'amount - COALESCE(cost, 0)' } },
  };
  d.schema.properties.bonus = { type: 'number', 'x-attain': { id: 'fld_deal_bonus', storage: 'money', formula: { expression: 'ROUND(amount * 2%, 2)', stored: true } } };
  d.schema.properties.margin_x = { type: 'number', 'x-attain': { id: 'fld_deal_margin_x', storage: 'percent', formula: { expression: 'margin * 2' } } };
  d['x-attain'].validationRules = [
    { id: 'rule_cost', name: 'cost_below_amount', condition: 'COALESCE(cost, 0) <= amount', field: 'cost', message: { en: 'Cost must not exceed the amount', 'zh-CN': '成本不能超过金额' } },
  ];
  return d as unknown as Record<string, unknown>;
}

beforeAll(async () => {
  ({ app, store } = await testServer());
  tenant = await createTenant(store, 'fx');
  admin = as(app, await login(app, tenant.name, tenant.users.admin.email));
  rep = as(app, await login(app, tenant.name, tenant.users.repEast.email));
});

afterAll(async () => {
  await app.close();
});

describe('formula fields and rules through metadata, REST and GraphQL', () => {
  it('refuses a wrong formula at plan time with position and hint, applying nothing', async () => {
    const before = (await admin.get('/api/v1/metadata/revisions')).json().data[0].revision;
    const bad = dealWithFormulas() as { schema: { properties: Record<string, { 'x-attain': { formula?: { expression: string } } }> } };
    (bad.schema.properties.profit as { 'x-attain': { formula: { expression: string } } })['x-attain'].formula.expression = 'amount - cosst';
    for (const url of ['/api/v1/metadata/plan', '/api/v1/metadata/apply']) {
      const res = await admin.post(url, { documents: [bad] });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe('metadata_invalid');
      expect(res.json().error.details[0]).toEqual({
        path: '/schema/properties/profit/x-attain/formula/expression',
        rule: 'formula',
        message: 'Unknown field "cosst" on deal (line 1, column 10) — Did you mean "cost"?',
        document: 'object "deal"',
      });
    }
    expect((await admin.get('/api/v1/metadata/revisions')).json().data[0].revision).toBe(before);
  });

  it('serves formula fields and enforces the rule without a restart', async () => {
    const applied = await admin.post('/api/v1/metadata/apply', { documents: [dealWithFormulas()] });
    expect(applied.statusCode).toBe(200);
    const created = await admin.post('/api/v1/objects/deal', { name: 'F1', amount: 1000, cost: 400, margin: 0.25 });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ profit: '600.00', bonus: '20.00', margin_x: '0.500000' });
    const listed = await admin.get(`/api/v1/objects/deal?filter=${encodeURIComponent(JSON.stringify({ profit: { gte: 600 } }))}&sort=-profit`);
    expect(listed.statusCode).toBe(200);
    expect(listed.json().data.map((d: { name: string }) => d.name)).toEqual(['F1']);

    const gql = await admin.gql('{ dealList(filter: {profit: {gt: 100}}) { data { name profit bonus } } }');
    expect(gql.body.errors).toBeUndefined();
    expect(gql.body.data?.dealList.data).toEqual([{ name: 'F1', profit: '600.00', bonus: '20.00' }]);

    const refused = await admin.post('/api/v1/objects/deal', { name: 'F2', amount: 100, cost: 500 });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({ code: 'validation_failed', details: [{ path: '/cost', rule: 'cost_below_amount', message: 'Cost must not exceed the amount' }] });
    const id = created.json().id as string;
    const patch = await admin.patch(`/api/v1/objects/deal/${id}`, { cost: 5000 });
    expect(patch.statusCode).toBe(422);
    expect((await admin.get(`/api/v1/objects/deal/${id}`)).json()).toMatchObject({ cost: '400.00', version: 1 });
    const viaGql = await admin.gql('mutation { createDeal(data: {name: "G", amount: 1, cost: 2}) { id } }');
    expect(viaGql.body.errors?.[0]?.extensions.code).toBe('validation_failed');
    expect((await admin.get('/api/v1/objects/deal?filter=' + encodeURIComponent(JSON.stringify({ name: { eq: 'G' } })))).json().data).toEqual([]);
    const openapi = (await admin.get('/api/v1/openapi.json')).json();
    expect(JSON.stringify(openapi)).toContain('profit');
  });

  it('hides a formula field that reads a field hidden from the caller', async () => {
    await rep.post('/api/v1/objects/deal', { name: 'Mine', amount: 50 });
    const mine = (await rep.get('/api/v1/objects/deal')).json().data[0];
    expect(mine).toHaveProperty('profit', '50.00');
    expect(mine).not.toHaveProperty('margin_x');
    expect(mine).not.toHaveProperty('margin');
    const filtered = await rep.get(`/api/v1/objects/deal?filter=${encodeURIComponent(JSON.stringify({ margin_x: { gt: 0 } }))}`);
    expect(filtered.statusCode).toBe(403);
  });
});

describe('POST /formula/check and /formula/preview', () => {
  it('checks a formula and reports errors with positions in en and zh-CN', async () => {
    const ok = await admin.post('/api/v1/formula/check', { object: 'deal', formula: 'amount * 10%' });
    expect(ok.json()).toEqual({ ok: true, type: 'money' });
    const bad = await admin.post('/api/v1/formula/check', { object: 'deal', formula: 'amont + 1' });
    expect(bad.statusCode).toBe(200);
    expect(bad.json()).toEqual({ ok: false, errors: [{ code: 'UNKNOWN_FIELD', message: 'Unknown field "amont" on deal', hint: 'Did you mean "amount"?', line: 1, column: 1, offset: 0, length: 5 }] });
    const zh = await admin.post('/api/v1/formula/check?locale=zh-CN', { object: 'deal', formula: 'amont + 1' });
    expect(zh.json().errors[0]).toMatchObject({ message: '对象 deal 上没有字段“amont”', hint: '您是想输入“amount”吗？' });
    const header = await app.inject({
      method: 'POST',
      url: '/api/v1/formula/check',
      headers: { authorization: await tokenHeader(), 'accept-language': 'zh-CN,zh;q=0.9' },
      payload: { object: 'deal', formula: 'amount', kind: 'rule' },
    });
    expect(header.json()).toMatchObject({ ok: false, errors: [{ code: 'NOT_BOOLEAN', message: '校验规则必须是布尔值，实际为 money' }] });
    expect((await admin.post('/api/v1/formula/check', { object: 'deal', formula: 'amount > 1', kind: 'rule' })).json()).toEqual({ ok: true, type: 'boolean' });
    expect((await admin.post('/api/v1/formula/check', { object: 'deal' })).statusCode).toBe(400);
    expect((await admin.post('/api/v1/formula/check', [1])).statusCode).toBe(400);
    expect((await admin.post('/api/v1/formula/check', { object: 'nope', formula: '1' })).statusCode).toBe(404);
  });

  it('previews on the records the caller may read, and refuses hidden fields', async () => {
    const all = await admin.post('/api/v1/formula/preview', { object: 'deal', formula: 'amount * 2', limit: 50 });
    expect(all.statusCode).toBe(200);
    expect(all.json().type).toBe('money');
    expect(all.json().rows.length).toBe(2);
    const mine = await rep.post('/api/v1/formula/preview', { object: 'deal', formula: 'amount * 2' });
    expect(mine.json().rows).toEqual([{ id: expect.any(String), title: 'Mine', value: '100.00', error: null }]);
    const hidden = await rep.post('/api/v1/formula/preview', { object: 'deal', formula: 'margin + 1' });
    expect(hidden.statusCode).toBe(403);
    expect(hidden.json().error.code).toBe('field_hidden');
    expect((await rep.post('/api/v1/formula/check', { object: 'deal', formula: 'margin + 1' })).json().error.code).toBe('field_hidden');
    // A formula that does not check never reveals a hidden field: not by a hint, not by its type.
    const typo = (await rep.post('/api/v1/formula/check', { object: 'deal', formula: 'margn + 1' })).json();
    expect(typo.ok).toBe(false);
    expect(JSON.stringify(typo)).not.toContain('margin');
    expect((await admin.post('/api/v1/formula/check', { object: 'deal', formula: 'margn + 1' })).json().errors[0].hint).toContain('margin');
    const typed = (await rep.post('/api/v1/formula/check', { object: 'deal', formula: 'margin + "a"' })).json();
    expect(typed.ok).toBe(false);
    expect(JSON.stringify(typed)).not.toMatch(/percent/i);
    const previewTyped = await rep.post('/api/v1/formula/preview', { object: 'deal', formula: 'margin + "a"' });
    expect(previewTyped.statusCode).toBe(422);
    expect(previewTyped.body).not.toMatch(/percent/i);
    const finance = as(app, await login(app, tenant.name, tenant.users.finance.email));
    expect((await finance.post('/api/v1/formula/preview', { object: 'deal', formula: 'customer.name & ""' })).statusCode).toBe(200);
    const noOrgRead = await rep.post('/api/v1/formula/preview', { object: 'user', formula: 'org_unit.name & ""' });
    expect(noOrgRead.statusCode).toBe(403);
    const invalid = await admin.post('/api/v1/formula/preview?locale=zh-CN', { object: 'deal', formula: 'amount +' });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().error.code).toBe('formula_invalid');
    expect((await admin.post('/api/v1/formula/preview', { object: 'deal', formula: '1', limit: 0 })).statusCode).toBe(400);
    expect((await admin.post('/api/v1/formula/preview?engine=gpu', { object: 'deal', formula: '1' })).statusCode).toBe(400);
    const filtered = await admin.post('/api/v1/formula/preview', { object: 'deal', formula: 'amount / 0', filter: { name: { eq: 'F1' } } });
    expect(filtered.json().rows).toEqual([{ id: expect.any(String), title: 'F1', value: null, error: '#DIV/0!' }]);
  });

  it('gives the same values from the sandbox engine', async () => {
    const f = { object: 'deal', formula: 'IF(amount > 500, ROUND(amount * 8%, 2), amount * 5%) + COALESCE(cost, 0)', limit: 50 };
    const sql = (await admin.post('/api/v1/formula/preview', f)).json();
    const js = await admin.post('/api/v1/formula/preview?engine=sandbox', f);
    expect(js.statusCode).toBe(200);
    const norm = (rows: Array<{ id: string; value: string }>) => rows.map((r) => [r.id, Number(r.value)]);
    expect(norm(js.json().rows)).toEqual(norm(sql.rows));
  });
});

async function tokenHeader(): Promise<string> {
  return `Bearer ${await login(app, tenant.name, tenant.users.admin.email)}`;
}
