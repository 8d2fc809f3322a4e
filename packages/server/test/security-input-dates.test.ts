// Issue 12, finding 11: impossible or malformed dates, periods and ids. One validator
// (src/http/params.ts) answers for every route: 400 invalid_date / invalid_period / invalid_id
// naming the parameter — never a 500 from PostgreSQL, never an empty answer for a period that
// cannot exist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';
import { expectApiError } from './security-input-helpers.ts';
import { isIsoDate, isIsoDateTime, isMonth, isPeriod } from '../src/http/params.ts';
import { workflowFor } from '@attain/workflow';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;
let finance: Caller;

const wonRevenue = {
  kind: 'kpi',
  id: 'kpi_won',
  name: 'won_revenue',
  label: { en: 'Won revenue' },
  object: 'deal',
  measure: { aggregate: 'sum', value: 'amount', filter: 'stage = "won"' },
  dateField: 'close_date',
  unit: 'money',
};

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'secdate');
  admin = as(app, await login(app, t.name, t.users.admin.email));
  finance = as(app, await login(app, t.name, t.users.finance.email));
  expect((await admin.put('/api/v1/goals/kpis/won_revenue', wonRevenue)).statusCode).toBe(200);
});
afterAll(async () => {
  await app.close();
});

const BAD_DATES = ['2026-02-30', '2026-13-45', '2026-00-10', '0000-01-01', '9999-12-31', 'garbage', '2026-1-1', '20260101', '2026-02-29', ''];
const BAD_PERIODS = ['2026-13', '2026-00', '2026-Q5', '2026-Q0', '0000', '9999-01', 'abc', '2026-1', '26-01', '2026-01-01'];

describe('goals', () => {
  it('attainment asOf must be a calendar date', async () => {
    for (const d of BAD_DATES.filter(Boolean)) {
      expectApiError(await admin.get(`/api/v1/goals/attainment?kpi=won_revenue&period=2026&asOf=${encodeURIComponent(d)}`), 400, 'invalid_date', '/asOf');
    }
    expectApiError(await admin.get('/api/v1/goals/attainment?kpi=won_revenue&period=2026&team=abc&asOf=2026-01-01'), 400, 'invalid_id', '/team');
    expect((await admin.get('/api/v1/goals/attainment?kpi=won_revenue&period=2024&asOf=2024-02-29')).statusCode).toBe(200);
    expect((await admin.get('/api/v1/goals/attainment?kpi=won_revenue&period=2026-03')).statusCode).toBe(200);
  });

  it('measure start and end must be calendar dates, person and unit ids', async () => {
    for (const d of BAD_DATES) {
      expectApiError(await admin.get(`/api/v1/goals/measure?kpi=won_revenue&start=${encodeURIComponent(d)}&end=2026-03-01`), 400, 'invalid_date', '/start');
      expectApiError(await admin.get(`/api/v1/goals/measure?kpi=won_revenue&start=2026-01-01&end=${encodeURIComponent(d)}`), 400, 'invalid_date', '/end');
    }
    expectApiError(await admin.get('/api/v1/goals/measure?kpi=won_revenue&start=2026-01-01'), 400, 'invalid_date', '/end');
    expectApiError(await admin.get('/api/v1/goals/measure?kpi=won_revenue&start=2026-01-01&end=2026-02-01&person=abc'), 400, 'invalid_id', '/person');
    expectApiError(await admin.get('/api/v1/goals/measure?kpi=won_revenue&start=2026-01-01&end=2026-02-01&unit=abc'), 400, 'invalid_id', '/unit');
    expect((await admin.get('/api/v1/goals/measure?kpi=won_revenue&start=2024-02-29&end=2024-03-01')).statusCode).toBe(200);
  });

  it('attainment periods in any of the calendar forms name years in range', async () => {
    for (const p of ['0000', 'FY0000', '0000-01', '3000-Q1', 'FY9999-Q1', '0000-01-01..0000-02-01', '20260-01']) {
      expectApiError(await admin.get(`/api/v1/goals/attainment?kpi=won_revenue&period=${p}`), 400, 'invalid_period', '/period');
    }
    expect((await admin.get('/api/v1/goals/attainment?kpi=won_revenue&period=FY2026-Q1')).statusCode).toBe(200);
  });

  it('org import dates are calendar dates in range', async () => {
    for (const d of ['2026-02-30', '0000-01-01', '9999-12-31']) {
      const res = await admin.post('/api/v1/goals/org/import', { rows: [{ user_id: t.users.repEast.id, org_unit_id: t.orgUnits.east, valid_from: d }] });
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().error.details).toContainEqual(expect.objectContaining({ path: '/rows/0/valid_from', rule: 'format' }));
    }
  });

  it('closing a month needs a month', async () => {
    for (const m of ['2026-13', '0000-01', '2026-Q1', 'x']) expectApiError(await admin.post(`/api/v1/goals/periods/${m}/close`, {}), 400, 'invalid_period', '/month');
  });
});

describe('incentives', () => {
  const rep = () => t.users.repEast.id;

  it('statement, statement line and PDF periods, and the payee id', async () => {
    for (const p of BAD_PERIODS) {
      expectApiError(await finance.get(`/api/v1/incentives/statements/${rep()}/${p}`), 400, 'invalid_period', '/period');
      expectApiError(await finance.get(`/api/v1/incentives/statements/${rep()}/${p}/pdf`), 400, 'invalid_period', '/period');
      expectApiError(await finance.get(`/api/v1/incentives/statements/${rep()}/${p}/lines/x`), 400, 'invalid_period', '/period');
    }
    expectApiError(await finance.get('/api/v1/incentives/statements/abc/2026-01'), 400, 'invalid_id', '/payeeId');
    const ok = await finance.get(`/api/v1/incentives/statements/${rep()}/2026-Q1`);
    expect(ok.statusCode).toBe(200);
  });

  it('payouts, exports, leaderboard and period status', async () => {
    for (const p of BAD_PERIODS) {
      expectApiError(await finance.get(`/api/v1/incentives/payouts/${p}`), 400, 'invalid_period', '/period');
      expectApiError(await finance.get(`/api/v1/incentives/payouts/${p}.csv`), 400, 'invalid_period', '/period');
      expectApiError(await finance.get(`/api/v1/incentives/payouts/${p}/xlsx`), 400, 'invalid_period', '/period');
      expectApiError(await finance.get(`/api/v1/incentives/leaderboard/${p}`), 400, 'invalid_period', '/period');
      expectApiError(await finance.post(`/api/v1/incentives/periods/${p}/open`, {}), 400, 'invalid_period', '/period');
      expectApiError(await finance.post(`/api/v1/incentives/periods/${p}/status`, { status: 'closed' }), 400, 'invalid_period', '/period');
    }
    expect((await finance.get('/api/v1/incentives/periods')).json().data).toEqual([]);
    expectApiError(await finance.get('/api/v1/incentives/leaderboard/2026-01?team=abc'), 400, 'invalid_id', '/team');
    expect((await finance.get('/api/v1/incentives/payouts/2026')).statusCode).toBe(200);
    expect((await finance.get('/api/v1/incentives/payouts/2026-Q4.csv')).statusCode).toBe(200);
  });

  it('accruals asOf, inputs filter, disputes and what-if periods', async () => {
    for (const d of ['abc', '2026-02-30', '2026-13', '0000-01-01']) expectApiError(await finance.get(`/api/v1/incentives/accruals?asOf=${d}`), 400, 'invalid_date', '/asOf');
    expect((await finance.get('/api/v1/incentives/accruals?asOf=2026-12')).statusCode).toBe(200);
    expect((await finance.get('/api/v1/incentives/accruals?asOf=2026-12-31')).statusCode).toBe(200);
    for (const p of BAD_PERIODS) expectApiError(await finance.get(`/api/v1/incentives/inputs?period=${p}`), 400, 'invalid_period', '/period');
    expectApiError(await finance.get('/api/v1/incentives/inputs?payeeId=abc'), 400, 'invalid_id', '/payeeId');
    expect((await finance.get('/api/v1/incentives/inputs?period=2026-01')).statusCode).toBe(200);
    for (const p of BAD_PERIODS) {
      expectApiError(await finance.post('/api/v1/incentives/disputes', { payeeId: rep(), period: p, lineKey: 'k', reason: 'r' }), 400, 'invalid_period', '/period');
      expectApiError(await finance.post('/api/v1/incentives/whatif', { period: p, planId: 'plan_x' }), 400, 'invalid_period', '/period');
    }
    expectApiError(await finance.post('/api/v1/incentives/disputes', { payeeId: 'abc', period: '2026-01', lineKey: 'k', reason: 'r' }), 400, 'invalid_id', '/payeeId');
    expect((await finance.get('/api/v1/incentives/disputes')).json().data).toEqual([]);
  });

  it('role assignment, territory and input dates are calendar dates in range (the engine checks)', async () => {
    for (const from of ['2026-02-30', '0000-01-01', '9999-01-01']) {
      const roles = await admin.put('/api/v1/incentives/role-assignments', { roleAssignments: [{ id: 'ra1', planId: 'plan_x', role: 'rep', from }] });
      expect(roles.statusCode, roles.body).toBe(400);
      expect(roles.json().error.details).toContainEqual(expect.objectContaining({ path: '/roleAssignments/0/from', rule: 'format' }));
      const territories = await admin.put('/api/v1/incentives/territories', { territories: [{ payeeId: rep(), customerId: rep(), from }] });
      expect(territories.statusCode, territories.body).toBeGreaterThanOrEqual(400);
      expect(territories.statusCode).toBeLessThan(500);
      expect(territories.json().error.details).toContainEqual(expect.objectContaining({ path: '/territories/0/from', rule: 'format' }));
    }
    for (const period of ['0000-01', '2026-13', '9999']) {
      const inputs = await finance.put('/api/v1/incentives/inputs', { values: [{ payeeId: rep(), period, name: 'quota', value: '1' }] });
      expect(inputs.statusCode, inputs.body).toBe(400);
      expect(inputs.json().error.details).toContainEqual(expect.objectContaining({ path: '/values/0/period' }));
    }
    expect((await finance.get('/api/v1/incentives/inputs')).json().data).toEqual([]);
  });

  it('plan version windows and crediting rule dates are calendar dates in range', async () => {
    const version = { version: 1, effectiveFrom: '2026-01-01', measures: [], components: [], rounding: { scale: 2, mode: 'half_up' } };
    const plan = (v: Record<string, unknown>) => ({ kind: 'incentive_plan', id: 'plan_d', name: 'plan_d', label: { en: 'D' }, versions: [{ ...version, ...v }] });
    for (const [v, path] of [
      [{ effectiveFrom: '2026-02-30' }, '/versions/0/effectiveFrom'],
      [{ effectiveFrom: '0000-01-01' }, '/versions/0/effectiveFrom'],
      [{ effectiveTo: '9999-12-31' }, '/versions/0/effectiveTo'],
    ] as const) {
      const res = await admin.put('/api/v1/incentives/plans/plan_d', plan(v));
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().error.details).toContainEqual(expect.objectContaining({ path, rule: 'format' }));
    }
    expect((await admin.get('/api/v1/incentives/plans')).json().data).toEqual([]);
    const rules = await admin.put('/api/v1/incentives/crediting-rules', { rules: [{ id: 'r1', name: 'owner', type: 'owner', effectiveFrom: '2026-02-30' }] });
    expect(rules.statusCode, rules.body).toBe(422);
    expect(rules.json().error.details).toContainEqual(expect.objectContaining({ path: '/0/effectiveFrom', rule: 'format' }));
  });

  it('plan assignment dates are calendar dates', async () => {
    const res = await admin.put('/api/v1/incentives/plans/plan_x/assignments', {
      assignments: [
        { payeeId: rep(), from: '2026-02-30' },
        { payeeId: rep(), from: '2026-01-01', to: '0000-01-01' },
      ],
    });
    expectApiError(res, 400, 'invalid_body', '/assignments/0/from');
    expect(res.json().error.details).toContainEqual(expect.objectContaining({ path: '/assignments/1/to' }));
  });
});

describe('workflow delegations', () => {
  it('start and end must be real instants between 1900 and 2999', async () => {
    const to = t.users.repEast.id;
    const cases: Array<[string, string, string]> = [
      ['0000-01-01', '9999-12-31', '/startsAt'],
      ['2026-01-01', '9999-12-31', '/endsAt'],
      ['2026-02-30', '2026-03-01', '/startsAt'],
      ['2026-01-01T25:00:00Z', '2026-03-01', '/startsAt'],
      ['2026-01-01', 'tomorrow', '/endsAt'],
      ['1', '2', '/startsAt'],
    ];
    for (const [startsAt, endsAt, path] of cases) expectApiError(await admin.post('/api/v1/workflow/delegations', { to, startsAt, endsAt }), 400, 'invalid_date', path);
    expect((await admin.get('/api/v1/workflow/delegations')).json().data).toEqual([]);
    const ok = await admin.post('/api/v1/workflow/delegations', { to, startsAt: '2026-01-01', endsAt: '2026-01-31T18:00:00+08:00' });
    expect(ok.statusCode).toBe(201);
  });
});

describe('the workflow package itself', () => {
  it('refuses a delegation outside 1900-2999 whoever calls it', async () => {
    const wf = workflowFor(store);
    const tenant = await wf.tenant(t.name);
    const actor = { userId: t.users.admin.id, label: 'test' };
    const call = (startsAt: string, endsAt: string) => wf.approvals.delegate(tenant, { from: t.users.admin.id, to: t.users.repEast.id, startsAt: new Date(startsAt), endsAt: new Date(endsAt) }, actor);
    await expect(call('0000-01-01T00:00:00Z', '2026-01-01T00:00:00Z')).rejects.toMatchObject({ code: 'invalid_date', status: 400, details: [{ path: '/startsAt' }] });
    await expect(call('2026-01-01T00:00:00Z', '9999-12-31T00:00:00Z')).rejects.toMatchObject({ code: 'invalid_date', details: [{ path: '/endsAt' }] });
  });
});

describe('the shared validator', () => {
  it('accepts calendar dates and periods in range, nothing else', () => {
    expect(['2024-02-29', '1900-01-01', '2999-12-31', '2026-12-31'].every(isIsoDate)).toBe(true);
    expect(BAD_DATES.some(isIsoDate)).toBe(false);
    expect([null, undefined, 20260101, {}].some(isIsoDate)).toBe(false);
    expect(['2026', '2026-01', '2026-12', '2026-Q1', '2026-Q4', 'FY2026', 'FY2026-Q1'].every(isPeriod)).toBe(true);
    // A fiscal key names a quarter or a year, never a month.
    expect(['FY2026-03', 'FY2026-Q5', 'FY0999', 'fy2026'].some(isPeriod)).toBe(false);
    expect(BAD_PERIODS.some(isPeriod)).toBe(false);
    expect(isMonth('2026-01')).toBe(true);
    expect(['2026', '2026-Q1', '2026-13'].some(isMonth)).toBe(false);
    expect(['2026-01-01', '2026-01-01T10:00', '2026-01-01T10:00:00.123Z', '2026-01-01 10:00:00+08:00'].every(isIsoDateTime)).toBe(true);
    expect(['2026-01-01T24:00', '2026-01-01T10:60', '0000-01-01T00:00Z', 'now', '2026-02-30T00:00Z'].some(isIsoDateTime)).toBe(false);
  });
});
