// Formulas reading formulas (issue #11 item 10): a formula field may use another formula field —
// on the same record, through a reference or inside an aggregate — computed and stored fields alike,
// in validation rules and previews; a cycle is refused at plan time with the path of the cycle.
// Metadata applied and records written over HTTP; figures by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import { customerDoc, dealDoc } from './fixtures/metadata.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let tenant: TestTenant;
let admin: Caller;

type Props = Record<string, unknown>;
const formula = (id: string, storage: string, expression: string, stored = false) => ({ type: 'number', 'x-attain': { id, storage, formula: { expression, ...(stored ? { stored: true } : {}) } } });

function docs(extraDeal: Props = {}, extraCustomer: Props = {}, rules: unknown[] = []): unknown[] {
  const deal = structuredClone(dealDoc) as unknown as { schema: { properties: Props }; 'x-attain': Props };
  deal.schema.properties.cost = { type: 'number', 'x-attain': { id: 'fld_deal_cost', storage: 'money' } };
  deal.schema.properties.profit = formula('fld_deal_profit', 'money', 'amount - COALESCE(cost, 0)');
  // A computed formula over a computed formula, and a stored one over both.
  deal.schema.properties.profit_pct = formula('fld_deal_profit_pct', 'percent', 'IF(amount > 0, profit / amount, 0)');
  deal.schema.properties.bonus = formula('fld_deal_bonus', 'money', 'ROUND(profit * 10%, 2)', true);
  // Through the reference: the customer's formula field.
  deal.schema.properties.scaled = formula('fld_deal_scaled', 'money', 'ROUND(profit * COALESCE(customer.weight, 1), 2)');
  Object.assign(deal.schema.properties, extraDeal);
  deal['x-attain'].validationRules = [{ id: 'rule_profit', name: 'profit_not_negative', condition: 'profit >= 0', field: 'cost', message: { en: 'Cost must not exceed the amount' } }, ...rules];
  const customer = structuredClone(customerDoc) as unknown as { schema: { properties: Props } };
  customer.schema.properties.tier = { type: 'integer', 'x-attain': { id: 'fld_cust_tier', storage: 'integer' } };
  customer.schema.properties.weight = formula('fld_cust_weight', 'decimal', 'IF(tier >= 2, 1.5, 1)');
  // Over the children, reading their formula field.
  customer.schema.properties.total_profit = formula('fld_cust_total_profit', 'money', 'SUM(deals.profit)');
  Object.assign(customer.schema.properties, extraCustomer);
  return [customer, deal];
}

beforeAll(async () => {
  ({ app, store } = await testServer());
  tenant = await createTenant(store, 'fchain');
  admin = as(app, await login(app, tenant.name, tenant.users.admin.email));
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('formula fields that use formula fields', () => {
  it('are computed and stored from the fields underneath, on the record, through references and in aggregates', async () => {
    const applied = await admin.post('/api/v1/metadata/apply', { documents: docs(), mode: 'merge' });
    expect(applied.statusCode).toBe(200);
    const customer = (await admin.post('/api/v1/objects/customer', { name: 'ACME', tier: 2 })).json().id as string;
    const created = await admin.post('/api/v1/objects/deal', { name: 'D1', amount: 1000, cost: '250.00', customer_id: customer });
    expect(created.statusCode).toBe(201);
    // profit 750; profit_pct 0.75; bonus 75.00 (stored); scaled 750 × 1.5 = 1,125.00
    const d = created.json();
    expect([Number(d.profit), Number(d.profit_pct), Number(d.bonus), Number(d.scaled)]).toEqual([750, 0.75, 75, 1125]);
    await admin.post('/api/v1/objects/deal', { name: 'D2', amount: 400, cost: '100', customer_id: customer });
    // total_profit = 750 + 300
    expect(Number((await admin.get(`/api/v1/objects/customer/${customer}`)).json().total_profit)).toBe(1050);
    // The stored formula follows a change of the field its formula field reads.
    const changed = await admin.patch(`/api/v1/objects/deal/${d.id}`, { cost: '500' });
    expect(Number(changed.json().bonus)).toBe(50);
    // A validation rule over a formula field: profit would be −100.
    const refused = await admin.patch(`/api/v1/objects/deal/${d.id}`, { cost: '1100' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.details[0].path).toBe('/cost');
    // Filters and previews read them too.
    const filtered = await admin.get(`/api/v1/objects/deal?filter=${encodeURIComponent(JSON.stringify({ profit_pct: { gte: 0.7 } }))}`);
    expect(filtered.json().data.map((x: { name: string }) => x.name)).toEqual(['D2']);
    const preview = await admin.post('/api/v1/formula/preview', { object: 'deal', formula: 'profit_pct * 100', id: d.id });
    expect(preview.statusCode).toBe(200);
  });

  it('a cycle is refused at plan time with the path of the cycle, and nothing changes', async () => {
    const before = (await admin.get('/api/v1/metadata/revisions')).json().data[0].revision;
    const cyclic = docs({
      a_val: formula('fld_deal_a', 'money', 'b_val + 1'),
      b_val: formula('fld_deal_b', 'money', 'c_val * 2'),
      c_val: formula('fld_deal_c', 'money', 'a_val - 1'),
    });
    const res = await admin.post('/api/v1/metadata/plan', { documents: cyclic, mode: 'merge' });
    expect(res.statusCode).toBe(422);
    const messages = (res.json().error.details as Array<{ message: string }>).map((x) => x.message);
    expect(messages.some((m) => m.includes('deal.a_val → deal.b_val → deal.c_val → deal.a_val'))).toBe(true);
    // Across objects: the customer's total reads deals' profit, a deal reading the customer's total is fine,
    // but the customer reading a deal field that reads the customer's total is a cycle.
    const crossed = docs({ share: formula('fld_deal_share', 'money', 'customer.total_profit') }, { echo: formula('fld_cust_echo', 'money', 'SUM(deals.share)') });
    const cross = await admin.post('/api/v1/metadata/plan', { documents: crossed, mode: 'merge' });
    expect(cross.statusCode).toBe(422);
    expect((await admin.post('/api/v1/metadata/apply', { documents: cyclic, mode: 'merge' })).statusCode).toBe(422);
    expect((await admin.get('/api/v1/metadata/revisions')).json().data[0].revision).toBe(before);
  });
});
