// One calendar for incentive quarters and years (issue #11 "One calendar"): in a tenant whose fiscal
// year starts in April, incentive quarters and years are fiscal and named as goals name them
// (`FY2026-Q1` = April–June 2026, `FY2026` = April 2026–March 2027). An order of 30 March 2026 and
// one of 2 April 2026 land in different fiscal quarters and years on statements, the quarterly
// accelerator pays per fiscal quarter, and goals' FY2026-Q1 shows the statement's figure. Through
// HTTP only; figures by hand above each assertion.
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

const kpi = { kind: 'kpi', id: 'kpi_bookings', name: 'bookings', label: { en: 'Bookings' }, object: 'order', dateField: 'order_date', unit: 'money', measure: { aggregate: 'sum', value: 'amount' } };
const rules = [{ kind: 'crediting_rule', id: 'split', name: 'split', label: { en: 'Owner or split' }, effectiveFrom: '2020-01-01', type: 'split' }];
const version = (frequency: string, measures: unknown[], components: unknown[]) => ({
  version: 1,
  effectiveFrom: '2025-04-01',
  currency: 'USD',
  rounding: { scale: 2, mode: 'half_up' },
  frequency,
  measures,
  components,
});
// The quarterly accelerator: 2% of a fiscal quarter's bookings up to 1,500, 10% above (marginal).
const quarterly = {
  kind: 'incentive_plan',
  id: 'plan_fq',
  name: 'plan_fq',
  label: { en: 'Fiscal quarter accelerator' },
  versions: [
    version(
      'quarterly',
      [{ name: 'bookings', type: 'kpi', kpi: 'bookings' }],
      [
        {
          name: 'accelerator',
          type: 'tiered',
          measure: 'bookings',
          tierBasis: 'value',
          tierMode: 'marginal',
          tiers: [
            { from: '0', to: '1500', rate: '0.02' },
            { from: '1500', rate: '0.1' },
          ],
        },
      ],
    ),
  ],
};
// A yearly bonus: 1% of a fiscal year's credited revenue.
const annual = {
  kind: 'incentive_plan',
  id: 'plan_fy',
  name: 'plan_fy',
  label: { en: 'Fiscal year bonus' },
  versions: [version('annual', [{ name: 'revenue', type: 'sum' }], [{ name: 'year_bonus', type: 'rate', measure: 'revenue', rate: '0.01' }])],
};

// Visits are moments: one at 23:30 UTC on 31 March is 07:30 on 1 April in Shanghai, so in FY2026-Q1.
const visits = {
  kind: 'incentive_plan',
  id: 'plan_visits',
  name: 'plan_visits',
  label: { en: 'Visits per fiscal quarter' },
  versions: [version('quarterly', [{ name: 'visits', type: 'count', source: { object: 'visit', dateField: 'check_in_at' } }], [{ name: 'visit_bonus', type: 'rate', measure: 'visits', rate: '10' }])],
};

beforeAll(async () => {
  ({ app, store } = await testServer());
  const bg = goalsBackground(store as never);
  for (const s of bg.subscriptions ?? []) store.events.subscribe(s);
  goals = new JobRunner(store.jobs as never, { handlers: bg.handlers, batch: 200 });
  t = await coreTenant(app, store, 'fiscal', { timeZone: 'Asia/Shanghai', fiscalYearStartMonth: 4 });
  const admin = t.call.admin;
  const customer = (await admin.post('/api/v1/objects/customer', { name: 'ACME', owner_id: t.ids.rep1 })).json().id;
  expect((await admin.put('/api/v1/goals/kpis/bookings', kpi)).statusCode).toBe(200);
  expect((await admin.put('/api/v1/incentives/crediting-rules', { rules })).statusCode).toBe(200);
  for (const p of [quarterly, annual, visits]) {
    const res = await admin.put(`/api/v1/incentives/plans/${p.id}`, p);
    expect(res.statusCode, res.body).toBe(200);
    expect((await admin.put(`/api/v1/incentives/plans/${p.id}/assignments`, { assignments: [{ payeeId: t.ids.rep1, from: '2020-01-01' }] })).statusCode).toBe(200);
  }
  // FY2025-Q4 (January–March 2026): 1,000. FY2026-Q1 (April–June 2026): 2,000 + 500 on its last day.
  for (const [n, date, amount] of [
    ['SO-1', '2026-03-30', '1000'],
    ['SO-2', '2026-04-02', '2000'],
    ['SO-3', '2026-06-30', '500'],
  ] as const) {
    const res = await t.call.rep1.post('/api/v1/objects/order', { order_number: n, customer_id: customer, order_date: date, status: 'booked', amount, currency: 'USD' });
    expect(res.statusCode, res.body).toBe(201);
  }
  expect((await t.call.rep1.post('/api/v1/objects/visit', { customer_id: customer, check_in_at: '2026-03-31T23:30:00Z' })).statusCode).toBe(201);
  await goals.drain();
  await t.drain();
});
afterAll(async () => {
  await app.close();
  await store.close();
});

interface Line {
  component: string;
  amount: string;
  trace: { measures: Record<string, { value: string }> };
}

async function statement(period: string): Promise<Line[]> {
  const res = await t.call.rep1.get(`/api/v1/incentives/statements/${t.ids.rep1}/${period}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data.lines as Line[];
}

const amount = (lines: Line[], component: string) => Number(lines.find((l) => l.component === component)?.amount ?? 0).toFixed(2);

async function goalsActual(period: string): Promise<number> {
  const res = await t.call.rep1.get(`/api/v1/goals/attainment?kpi=bookings&period=${period}&asOf=2026-12-31`);
  expect(res.statusCode, res.body).toBe(200);
  return (res.json().data as Array<{ actual: number | null }>)[0]?.actual ?? 0;
}

describe('incentive quarters and years on the fiscal calendar (year from April)', () => {
  it('opens fiscal quarters and years by their fiscal names, and refuses calendar names for them', async () => {
    const calendarQuarter = await t.call.finance.post('/api/v1/incentives/periods/2026-Q2/open');
    expect(calendarQuarter.statusCode).toBe(400);
    expect(calendarQuarter.json().error).toMatchObject({ code: 'bad_period', message: expect.stringContaining('2026-04 is in FY2026-Q1') });
    expect(calendarQuarter.json().error.details[0]).toMatchObject({ path: '/period', rule: 'fiscal_calendar' });
    expect((await t.call.finance.post('/api/v1/incentives/periods/2026/open')).json().error.details[0].rule).toBe('fiscal_calendar');
    for (const p of ['FY2025-Q4', 'FY2026-Q1', 'FY2025', 'FY2026']) {
      const res = await t.call.finance.post(`/api/v1/incentives/periods/${p}/open`);
      expect(res.statusCode, res.body).toBe(200);
    }
    // The orders' events had already opened each order's month and its fiscal quarter and year (the
    // plans pay in those). In time order: by first day, the shorter period first.
    const periods = (await t.call.finance.get('/api/v1/incentives/periods')).json().data.map((p: { period: string }) => p.period);
    expect(periods).toEqual(['FY2025', 'FY2025-Q4', '2026-03', '2026-04', 'FY2026-Q1', 'FY2026', '2026-06']);
  });

  it('an order of 30 March and one of 2 April land in different fiscal quarters and years; the accelerator pays per fiscal quarter', async () => {
    const res = await t.call.finance.post('/api/v1/incentives/recalculate');
    expect(res.statusCode, res.body).toBe(200);
    // FY2025-Q4: 1,000 × 2% = 20.00. FY2026-Q1: 2,500 → 1,500 × 2% + 1,000 × 10% = 30 + 100 = 130.00.
    const q4 = await statement('FY2025-Q4');
    const q1 = await statement('FY2026-Q1');
    expect([amount(q4, 'accelerator'), amount(q1, 'accelerator')]).toEqual(['20.00', '130.00']);
    const bookings = (lines: Line[]) => Number(lines.find((l) => l.component === 'accelerator')?.trace.measures.bookings?.value);
    expect([bookings(q4), bookings(q1)]).toEqual([1000, 2500]);
    // FY2025 (April 2025–March 2026): 1,000 × 1% = 10.00; FY2026: 2,500 × 1% = 25.00. On calendar
    // years all three orders would be 2026's.
    expect([amount(await statement('FY2025'), 'year_bonus'), amount(await statement('FY2026'), 'year_bonus')]).toEqual(['10.00', '25.00']);
    // The visit of 31 March 23:30 UTC is on 1 April in the tenant's time zone: FY2026-Q1 pays it (1 × 10).
    expect([amount(q4, 'visit_bonus'), amount(q1, 'visit_bonus')]).toEqual(['0.00', '10.00']);
  });

  it("goals' fiscal quarter for the same KPI shows the statement's figure", async () => {
    expect([await goalsActual('FY2025-Q4'), await goalsActual('FY2026-Q1'), await goalsActual('FY2026')]).toEqual([1000, 2500, 2500]);
    // The calendar quarter of the same months is the same figure under its calendar name.
    expect(await goalsActual('2026-Q2')).toBe(2500);
  });

  it('payouts, exports and accruals are by fiscal period', async () => {
    const payouts = await t.call.finance.get('/api/v1/incentives/payouts/FY2026-Q1');
    expect(payouts.statusCode).toBe(200);
    expect(payouts.json().data.map((p: { planId: string; payout: string }) => [p.planId, Number(p.payout).toFixed(2)])).toEqual([
      ['plan_fq', '130.00'],
      ['plan_visits', '10.00'],
    ]);
    const csv = await t.call.finance.get('/api/v1/incentives/payouts/FY2026-Q1.csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-disposition']).toContain('payouts-FY2026-Q1.csv');
    const accruals = await t.call.finance.get('/api/v1/incentives/accruals?asOf=2026-06-30');
    expect(accruals.statusCode).toBe(200);
    const rows = (accruals.json().data.rows as Array<{ period: string; planId: string; earned: string }>).map((r) => [r.period, r.planId, Number(r.earned).toFixed(2)]);
    expect(rows).toEqual(
      expect.arrayContaining([
        ['FY2025-Q4', 'plan_fq', '20.00'],
        ['FY2026-Q1', 'plan_fq', '130.00'],
        ['FY2025', 'plan_fy', '10.00'],
        ['FY2026', 'plan_fy', '25.00'],
      ]),
    );
  });

  it('inputs, what-ifs and draw windows name fiscal quarters too', async () => {
    const input = await t.call.finance.put('/api/v1/incentives/inputs', { values: [{ payeeId: t.ids.rep1, period: '2026-Q2', name: 'quota', value: '1000' }] });
    expect(input.statusCode).toBe(400);
    expect(input.json().error.details[0]).toMatchObject({ path: '/values/0/period', rule: 'fiscal_calendar' });
    expect((await t.call.finance.put('/api/v1/incentives/inputs', { values: [{ payeeId: t.ids.rep1, period: 'FY2026-Q1', name: 'quota', value: '1000' }] })).statusCode).toBe(200);
    const whatIf = await t.call.finance.post('/api/v1/incentives/whatif', { period: '2026-Q2', planId: 'plan_fq', version: 1 });
    expect(whatIf.statusCode).toBe(400);
    expect(whatIf.json().error.details[0]).toMatchObject({ path: '/period', rule: 'fiscal_calendar' });
    // The what-if of the fiscal quarter computes what the statement shows.
    const same = await t.call.finance.post('/api/v1/incentives/whatif', { period: 'FY2026-Q1', planId: 'plan_fq', version: 1 });
    expect(same.statusCode, same.body).toBe(200);
    const row = (same.json().data.rows as Array<{ payeeId: string; component: string; live: string; whatif: string }>).find((r) => r.payeeId === t.ids.rep1 && r.component === 'accelerator');
    expect([Number(row?.live).toFixed(2), Number(row?.whatif).toFixed(2)]).toEqual(['130.00', '130.00']);
    const draw = { ...quarterly, versions: [{ ...quarterly.versions[0], draw: { type: 'recoverable', amount: '100', from: '2026-Q2', to: 'FY2026-Q2' } }] };
    const refused = await t.call.admin.put(`/api/v1/incentives/plans/${quarterly.id}`, draw);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.details.map((d: { path: string; rule: string }) => [d.path, d.rule])).toContainEqual(['/versions/0/draw/from', 'fiscal_calendar']);
  });

  it('fiscal quarters are approved in order', async () => {
    const early = await t.call.finance.post('/api/v1/incentives/periods/FY2026-Q1/status', { status: 'approved' });
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe('earlier_period_open');
    expect((await t.call.finance.post('/api/v1/incentives/periods/FY2025-Q4/status', { status: 'approved' })).statusCode).toBe(200);
    expect((await t.call.finance.post('/api/v1/incentives/periods/FY2026-Q1/status', { status: 'approved' })).statusCode).toBe(200);
  });

  it('the fiscal year start is fixed after the first calculation', async () => {
    const res = await t.call.admin.put('/api/v1/tenant/settings', { fiscalYearStartMonth: 1 });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'calendar_locked' });
    expect(res.json().error.details[0]).toMatchObject({ path: '/fiscalYearStartMonth', rule: 'locked' });
  });
});
