// One calendar: in an Asia/Shanghai tenant whose fiscal year starts in April, a visit checked in at
// 07:30 on 1 March (Shanghai time; still 28 February in UTC) is a March visit for goals (KPI
// months, the incremental and the full recompute, FY quarters) and for incentives (a measure read
// from visits) alike. Date-only fields are calendar dates and never shift.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { JobRunner } from '@attain/store';
import { goalsBackground } from '@attain/engine';
import { testServer } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
let goals: JobRunner;
let customer = '';

const visitsKpi = { kind: 'kpi', id: 'kpi_visits', name: 'visits', label: { en: 'Visits' }, object: 'visit', measure: { aggregate: 'count' }, dateField: 'check_in_at', unit: 'count' };
const plan = {
  kind: 'incentive_plan',
  id: 'plan_visits',
  name: 'plan_visits',
  label: { en: 'Visits' },
  versions: [
    {
      version: 1,
      effectiveFrom: '2027-01-01',
      rounding: { scale: 2, mode: 'half_up' },
      measures: [{ name: 'visits', type: 'count', source: { object: 'visit', dateField: 'check_in_at' } }],
      components: [{ name: 'visit_bonus', type: 'rate', measure: 'visits', rate: '10' }],
    },
  ],
};

beforeAll(async () => {
  ({ app, store } = await testServer());
  const bg = goalsBackground(store as never);
  for (const s of bg.subscriptions ?? []) store.events.subscribe(s);
  goals = new JobRunner(store.jobs as never, { handlers: bg.handlers, batch: 200 });
  t = await coreTenant(app, store, 'calbkt', { baseCurrency: 'CNY', timeZone: 'Asia/Shanghai', fiscalYearStartMonth: 4 });
  const admin = t.call.admin;
  customer = (await t.call.rep1.post('/api/v1/objects/customer', { name: 'ACME' })).json().id;
  expect((await admin.put('/api/v1/goals/kpis/visits', visitsKpi)).statusCode).toBe(200);
  expect((await admin.put(`/api/v1/incentives/plans/${plan.id}`, plan)).statusCode).toBe(200);
  expect((await admin.put(`/api/v1/incentives/plans/${plan.id}/assignments`, { assignments: [{ payeeId: t.ids.rep1, from: '2020-01-01' }] })).statusCode).toBe(200);
  for (const p of ['2027-02', '2027-03', '2027-04']) expect((await t.call.finance.post(`/api/v1/incentives/periods/${p}/open`)).statusCode).toBe(200);
  await goals.drain();
  await t.drain();
});
afterAll(async () => {
  await app.close();
  await store.close();
});

async function actual(period: string): Promise<number> {
  const res = await t.call.rep1.get(`/api/v1/goals/attainment?kpi=visits&period=${period}&asOf=2027-04-30`);
  expect(res.statusCode, res.body).toBe(200);
  return (res.json().data as Array<{ actual: number | null }>)[0]?.actual ?? 0;
}

async function bonus(period: string): Promise<string> {
  const res = await t.call.rep1.get(`/api/v1/incentives/statements/${t.ids.rep1}/${period}`);
  expect(res.statusCode).toBe(200);
  const line = (res.json().data.lines as Array<{ component: string; amount: string }>).find((l) => l.component === 'visit_bonus');
  return Number(line?.amount ?? 0).toFixed(2);
}

describe('one tenant calendar (Asia/Shanghai, fiscal year from April)', () => {
  it('the settings say so', async () => {
    expect((await t.call.admin.get('/api/v1/tenant/settings')).json().data).toMatchObject({ timeZone: 'Asia/Shanghai', fiscalYearStartMonth: 4 });
  });

  it('a visit at 07:30 on 1 March in Shanghai counts in March in goals, as it happens and after a full recompute', async () => {
    const visit = await t.call.rep1.post('/api/v1/objects/visit', { customer_id: customer, check_in_at: '2027-03-01T07:30:00+08:00' });
    expect(visit.statusCode, visit.body).toBe(201);
    // 23:30 on 31 March in UTC is 07:30 on 1 April in Shanghai: an April visit.
    expect((await t.call.rep1.post('/api/v1/objects/visit', { customer_id: customer, check_in_at: '2027-03-31T23:30:00Z' })).statusCode).toBe(201);
    await goals.drain();
    await t.drain();
    expect([await actual('2027-02'), await actual('2027-03'), await actual('2027-04')]).toEqual([0, 1, 1]);
    expect((await t.call.admin.post('/api/v1/goals/recompute')).statusCode).toBe(200);
    expect([await actual('2027-02'), await actual('2027-03'), await actual('2027-04')]).toEqual([0, 1, 1]);
    // The fiscal year starts in April: FY2026 ends with March 2027, FY2027 begins with April.
    expect([await actual('FY2026'), await actual('FY2026-Q4'), await actual('FY2027'), await actual('FY2027-Q1')]).toEqual([1, 1, 1, 1]);
  });

  it('the same visits fall in the same months for incentives', async () => {
    expect((await t.call.finance.post('/api/v1/incentives/recalculate')).statusCode).toBe(200);
    // One visit each in March and April × 10 = 10.00; none in February.
    expect([await bonus('2027-02'), await bonus('2027-03'), await bonus('2027-04')]).toEqual(['0.00', '10.00', '10.00']);
  });

  it('a date-only order date is a calendar date: an order of 1 March counts in March, not shifted by the time zone', async () => {
    const ordersKpi = { kind: 'kpi', id: 'kpi_orders', name: 'orders', label: { en: 'Orders' }, object: 'order', measure: { aggregate: 'count' }, dateField: 'order_date', unit: 'count' };
    expect((await t.call.admin.put('/api/v1/goals/kpis/orders', ordersKpi)).statusCode).toBe(200);
    const res = await t.call.rep1.post('/api/v1/objects/order', { order_number: 'SO-1', customer_id: customer, order_date: '2027-03-01', status: 'booked', amount: '100', currency: 'CNY' });
    expect(res.statusCode).toBe(201);
    await goals.drain();
    await t.drain();
    const count = async (period: string) =>
      ((await t.call.rep1.get(`/api/v1/goals/attainment?kpi=orders&period=${period}&asOf=2027-04-30`)).json().data as Array<{ actual: number | null }>)[0]?.actual ?? 0;
    expect([await count('2027-02'), await count('2027-03')]).toEqual([0, 1]);
  });

  it('the time zone and fiscal year are validated, and fixed after the first calculation', async () => {
    const bad = await t.call.admin.put('/api/v1/tenant/settings', { timeZone: 'Mars/Olympus', fiscalYearStartMonth: 13 });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details.map((d: { path: string; rule: string }) => [d.path, d.rule])).toEqual([
      ['/timeZone', 'time_zone'],
      ['/fiscalYearStartMonth', 'range'],
    ]);
    const locked = await t.call.admin.put('/api/v1/tenant/settings', { timeZone: 'UTC' });
    expect(locked.statusCode).toBe(409);
    expect(locked.json().error.code).toBe('calendar_locked');
  });
});
