// Stored attainment follows deletes of negative records: a refund of −5.00 counted in a KPI and
// then deleted leaves nothing behind, for the person and every unit above them.
import { beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { JobRunner } from '@attain/store';
import { goalsBackground } from '@attain/engine';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

const saleDoc = {
  kind: 'object',
  id: 'obj_sale',
  name: 'sale',
  label: { en: 'Sale' },
  schema: {
    type: 'object',
    required: ['title', 'sold_on'],
    properties: {
      title: { type: 'string', maxLength: 100, 'x-attain': { id: 'fld_sale_title' } },
      amount: { type: 'number', 'x-attain': { id: 'fld_sale_amount', storage: 'money' } },
      sold_on: { type: 'string', format: 'date', 'x-attain': { id: 'fld_sale_sold_on' } },
    },
  },
};
const kpi = { kind: 'kpi', id: 'kpi_sales', name: 'sales', label: { en: 'Sales' }, object: 'sale', measure: { aggregate: 'sum', value: 'amount' }, dateField: 'sold_on', unit: 'money' };

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;
let runner: JobRunner;

beforeAll(async () => {
  ({ app, store } = await testServer());
  const bg = goalsBackground(store as never);
  for (const s of bg.subscriptions ?? []) store.events.subscribe(s);
  runner = new JobRunner(store.jobs, { handlers: bg.handlers, batch: 200 });
  t = await createTenant(store, 'monatt');
  admin = as(app, await login(app, t.name, t.users.admin.email));
  expect((await admin.post('/api/v1/metadata/apply', { documents: [saleDoc] })).statusCode).toBe(200);
  expect((await admin.put('/api/v1/goals/kpis/sales', kpi)).statusCode).toBe(200);
});

const actual = async (who: string, period = '2026-01') => (await admin.get(`/api/v1/goals/attainment?kpi=sales&period=${period}&${who}`)).json().data[0]?.actual;

describe('attainment after deletes', () => {
  it('deleting a negative record removes its contribution for the person and every unit above', async () => {
    const owner = t.users.repEast.id;
    const plus = await admin.post('/api/v1/objects/sale', { title: 'sale', amount: '10.00', sold_on: '2026-01-10', owner_id: owner });
    const minus = await admin.post('/api/v1/objects/sale', { title: 'refund', amount: '-5.00', sold_on: '2026-01-12', owner_id: owner });
    expect([plus.statusCode, minus.statusCode]).toEqual([201, 201]);
    await runner.drain();
    expect([await actual(`person=${owner}`), await actual(`unit=${t.orgUnits.east}`), await actual(`unit=${t.orgUnits.root}`)]).toEqual([5, 5, 5]);
    expect((await admin.del(`/api/v1/objects/sale/${minus.json().id}`)).statusCode).toBe(204);
    await runner.drain();
    expect([await actual(`person=${owner}`), await actual(`unit=${t.orgUnits.east}`), await actual(`unit=${t.orgUnits.root}`)]).toEqual([10, 10, 10]);
    // and a full recompute agrees with the incremental roll-up
    expect((await admin.post('/api/v1/goals/recompute')).statusCode).toBe(200);
    expect([await actual(`person=${owner}`), await actual(`unit=${t.orgUnits.east}`)]).toEqual([10, 10]);
  });

  it('a month whose only record is a negative one goes back to zero when it is deleted', async () => {
    const owner = t.users.repEast.id;
    const refund = await admin.post('/api/v1/objects/sale', { title: 'lone refund', amount: '-5.00', sold_on: '2026-02-03', owner_id: owner });
    await runner.drain();
    const feb = async () => [await actual(`person=${owner}`, '2026-02'), await actual(`unit=${t.orgUnits.east}`, '2026-02'), await actual(`unit=${t.orgUnits.root}`, '2026-02')];
    expect(await feb()).toEqual([-5, -5, -5]);
    expect((await admin.del(`/api/v1/objects/sale/${refund.json().id}`)).statusCode).toBe(204);
    await runner.drain();
    // before: taking back "-5" was written "--5", the update failed and −5 stayed in the roll-up
    expect(await feb()).toEqual([0, 0, 0]);
  });
});

describe('target split weights', () => {
  it('a custom weight is used exactly as written, not rounded to 6 decimals through a float', async () => {
    const plan = {
      kind: 'target_plan',
      id: 'plan_sales',
      name: 'sales_2026',
      label: { en: 'Sales 2026' },
      kpi: 'sales',
      year: 2026,
      total: '12000000.00',
      orgUnit: t.orgUnits.root,
      method: 'weights',
    };
    expect((await admin.post('/api/v1/metadata/apply', { documents: [plan] })).statusCode).toBe(200);
    const year = async (weights: Record<string, string>) => {
      const res = await admin.post('/api/v1/goals/plans/sales_2026/preview', { method: 'weights', weights });
      expect(res.statusCode).toBe(200);
      return (res.json().rows as Array<{ node: string; year: string }>).find((r) => r.node === t.orgUnits.east)?.year;
    };
    const equal = await year({ [t.orgUnits.east]: '1', [t.orgUnits.west]: '1' });
    // 1.0000001 vs 1 moves cents; rounded to 6 decimals it was the same as 1 and moved nothing
    const heavier = await year({ [t.orgUnits.east]: '1.0000001', [t.orgUnits.west]: '1' });
    expect(equal).toBeDefined();
    expect(Number(heavier)).toBeGreaterThan(Number(equal));
  });
});
