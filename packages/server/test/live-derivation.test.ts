// Live and observable (issue #11 item 8): KPIs and plans applied as metadata are computed when their
// revision lands, with nobody calling recompute or recalculate; every write answers with a position
// and a client can wait until attainment and statements reflect it — through the HTTP API only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { JobRunner } from '@attain/store';
import { testServer } from './helpers.ts';
import { coreTenant, startDerivation, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
let runner: JobRunner;

const positionOf = (res: LightMyRequestResponse): string => {
  expect(res.statusCode).toBeLessThan(300);
  const p = res.headers['x-attain-position'];
  expect(typeof p).toBe('string');
  return p as string;
};

const kpi = {
  kind: 'kpi',
  id: 'kpi_live_booked',
  name: 'booked',
  label: { en: 'Booked' },
  object: 'order',
  dateField: 'order_date',
  unit: 'money',
  measure: { aggregate: 'sum', value: 'amount', filter: 'status = "booked"' },
};
const plan = {
  kind: 'incentive_plan',
  id: 'plan_live',
  name: 'plan_live',
  label: { en: 'Live' },
  versions: [
    {
      version: 1,
      effectiveFrom: '2026-01-01',
      currency: 'USD',
      rounding: { scale: 2, mode: 'half_up' },
      measures: [{ name: 'revenue', type: 'sum' }],
      components: [{ name: 'commission', type: 'rate', measure: 'revenue', rate: '0.05' }],
    },
  ],
};

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await coreTenant(app, store, 'live');
  runner = startDerivation(store);
});
afterAll(async () => {
  await runner.stop();
  await app.close();
  await store.close();
});

describe('derived figures follow writes without a recalculation call', () => {
  it('a write answers with a position; /sync says when everything derived from it is computed', async () => {
    const admin = t.call.admin;
    const rules = [{ kind: 'crediting_rule', id: 'own', name: 'owner', label: { en: 'Owner' }, effectiveFrom: '2020-01-01', type: 'owner' }];
    const p = positionOf(await admin.put('/api/v1/incentives/crediting-rules', { rules }));
    const sync = await admin.get(`/api/v1/sync?position=${p}&wait=20000`);
    expect(sync.statusCode).toBe(200);
    expect(sync.json()).toMatchObject({ position: p, reflected: true, pending: 0, failed: [] });
    expect((await admin.get('/api/v1/sync?position=nope')).json().error.code).toBe('invalid_position');
    expect((await admin.get(`/api/v1/sync?position=${p}&wait=99999999`)).statusCode).toBe(400);
    // Reads carry no position.
    expect((await admin.get('/api/v1/incentives/plans')).headers['x-attain-position']).toBeUndefined();
  });

  it('a KPI and a plan applied as metadata are live: attainment and statements reflect existing and new orders', async () => {
    const { admin, rep1, finance } = t.call;
    const customer = (await rep1.post('/api/v1/objects/customer', { name: 'ACME' })).json().id as string;
    const first = await rep1.post('/api/v1/objects/order', { order_number: 'L-1', customer_id: customer, order_date: '2026-03-05', status: 'booked', amount: '1000', currency: 'USD' });
    expect(first.statusCode).toBe(201);

    const applied = await admin.post('/api/v1/metadata/apply', { documents: [kpi, plan], mode: 'merge' });
    const p1 = positionOf(applied);
    // KPI actuals without /goals/recompute: the order booked before the KPI existed counts.
    const att = await rep1.get(`/api/v1/goals/attainment?kpi=booked&period=2026-03&asOf=2026-03-31&waitFor=${p1}&waitMs=20000`);
    expect(att.statusCode).toBe(200);
    expect(att.headers['x-attain-reflected']).toBe('true');
    expect(att.json().data[0].actual).toBe(1000);

    // The plan reached the engine with the revision: it can be assigned at once.
    const assigned = await admin.put('/api/v1/incentives/plans/plan_live/assignments', { assignments: [{ payeeId: t.ids.rep1, from: '2026-01-01' }] });
    const p2 = positionOf(assigned);
    const s1 = await rep1.get(`/api/v1/incentives/statements/${t.ids.rep1}/2026-03?waitFor=${p2}&waitMs=20000`);
    expect(s1.headers['x-attain-reflected']).toBe('true');
    // 1,000 × 5% = 50
    expect(s1.json().data.lines.map((l: { amount: string }) => l.amount)).toEqual(['50']);

    // A new order: attainment and the statement both follow it, no recalculate call.
    const p3 = positionOf(await rep1.post('/api/v1/objects/order', { order_number: 'L-2', customer_id: customer, order_date: '2026-03-09', status: 'booked', amount: '2000.50', currency: 'USD' }));
    const s2 = await rep1.get(`/api/v1/incentives/statements/${t.ids.rep1}/2026-03?waitFor=${p3}&waitMs=20000`);
    // 3,000.50 × 5% = 150.025 → 150.03
    expect(s2.json().data.lines.map((l: { amount: string }) => l.amount)).toEqual(['150.03']);
    const att2 = await rep1.get(`/api/v1/goals/attainment?kpi=booked&period=2026-03&asOf=2026-03-31&waitFor=${p3}`);
    expect(att2.json().data[0].actual).toBe(3000.5);

    // A changed KPI definition is recomputed too.
    const p4 = positionOf(await admin.post('/api/v1/metadata/apply', { documents: [{ ...kpi, measure: { aggregate: 'count', filter: 'status = "booked"' }, unit: 'count' }], mode: 'merge' }));
    const att3 = await finance.get(`/api/v1/goals/attainment?kpi=booked&period=2026-03&asOf=2026-03-31&person=${t.ids.rep1}&waitFor=${p4}&waitMs=20000`);
    expect(att3.json().data[0].actual).toBe(2);
  });
});
