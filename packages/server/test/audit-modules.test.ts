// Every change of plan and payout is in the audit log (DESIGN §9.6), written by the modules through
// their data port: incentive plan saves, assignments, period status, disputes, fx rates and tenant
// settings, read back at GET /api/v1/audit. Over HTTP only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testServer } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
const MAR = '2026-03';

interface Entry {
  action: string;
  object: string;
  recordId: string | null;
  actor: { userId: string | null };
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

const version = (n: number, from: string, rate: string) => ({
  version: n,
  effectiveFrom: from,
  currency: 'USD',
  rounding: { scale: 2, mode: 'half_up' },
  measures: [{ name: 'revenue', type: 'sum' }],
  components: [{ name: 'commission', type: 'rate', measure: 'revenue', rate }],
});
const plan = { kind: 'incentive_plan', id: 'plan_audit', name: 'plan_audit', label: { en: 'Audited plan' }, versions: [version(1, '2026-01-01', '0.05')] };

async function audit(object: string): Promise<Entry[]> {
  const res = await t.call.admin.get(`/api/v1/audit?object=${object}`);
  expect(res.statusCode).toBe(200);
  return res.json().data as Entry[];
}

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await coreTenant(app, store, 'auditmod');
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('module changes are audited', () => {
  it('tenant settings: who changed what from what', async () => {
    expect((await t.call.admin.put('/api/v1/tenant/settings', { timeZone: 'Asia/Shanghai' })).statusCode).toBe(200);
    const [entry] = (await t.call.admin.get('/api/v1/audit')).json().data.filter((e: Entry) => e.action === 'tenant.settings') as Entry[];
    expect(entry).toMatchObject({ actor: { userId: t.ids.admin }, before: { timeZone: 'UTC' }, after: { timeZone: 'Asia/Shanghai' } });
  });

  it('incentive plan saves: create, update in place, a new version', async () => {
    expect((await t.call.admin.put('/api/v1/incentives/plans/plan_audit', plan)).statusCode).toBe(200);
    expect((await t.call.admin.put('/api/v1/incentives/plans/plan_audit', { ...plan, label: { en: 'Audited plan (renamed)' } })).statusCode).toBe(200);
    const twice = { ...plan, versions: [{ ...version(1, '2026-01-01', '0.05'), effectiveTo: '2026-05-31' }, version(2, '2026-06-01', '0.06')] };
    expect((await t.call.admin.put('/api/v1/incentives/plans/plan_audit', twice)).statusCode).toBe(200);
    const entries = await audit('incentive_plan');
    expect(entries.map((e) => e.action)).toEqual(['incentives.plan.version', 'incentives.plan.update', 'incentives.plan.create']);
    expect(entries[2]).toMatchObject({ actor: { userId: t.ids.admin }, before: null, after: { id: 'plan_audit', versions: [{ version: 1, effectiveFrom: '2026-01-01' }] } });
    expect(entries[0]?.before).toMatchObject({ versions: [{ version: 1 }] });
    expect(entries[0]?.after).toMatchObject({
      versions: [
        { version: 1, effectiveTo: '2026-05-31' },
        { version: 2, effectiveFrom: '2026-06-01' },
      ],
    });
  });

  it('plan assignments: who was on the plan before and after', async () => {
    const put = (ids: string[]) => t.call.admin.put('/api/v1/incentives/plans/plan_audit/assignments', { assignments: ids.map((payeeId) => ({ payeeId, from: '2026-01-01' })) });
    expect((await put([t.ids.rep1])).statusCode).toBe(200);
    expect((await put([t.ids.rep1, t.ids.rep2])).statusCode).toBe(200);
    const [last, first] = await audit('incentive_assignment');
    expect(first).toMatchObject({
      action: 'incentives.assignments.update',
      before: { plan: 'plan_audit', count: 0 },
      after: { plan: 'plan_audit', count: 1, rows: [{ payeeId: t.ids.rep1, from: '2026-01-01' }] },
    });
    expect(last).toMatchObject({ before: { count: 1 }, after: { count: 2 } });
  });

  it('crediting rules and targets (inputs)', async () => {
    const rule = { kind: 'crediting_rule', id: 'own', name: 'owner', label: { en: 'Owner' }, effectiveFrom: '2020-01-01', type: 'owner' };
    expect((await t.call.admin.put('/api/v1/incentives/crediting-rules', { rules: [rule] })).statusCode).toBe(200);
    const [rules] = await audit('crediting_rule');
    expect(rules).toMatchObject({ action: 'incentives.crediting_rules.update', before: { count: 0 }, after: { count: 1, rows: [{ id: 'own', type: 'owner', effectiveFrom: '2020-01-01' }] } });
    const values = [{ payeeId: t.ids.rep1, period: MAR, name: 'quota', value: '5000' }];
    expect((await t.call.finance.put('/api/v1/incentives/inputs', { values })).statusCode).toBe(200);
    const [inputs] = await audit('incentive_input');
    expect(inputs).toMatchObject({
      action: 'incentives.inputs.update',
      actor: { userId: t.ids.finance },
      after: { count: 1, rows: [{ payeeId: t.ids.rep1, period: MAR, name: 'quota', value: '5000' }] },
    });
  });

  it('fx rate writes', async () => {
    const res = await t.call.finance.post('/api/v1/fx/rates', { from: 'EUR', to: 'USD', rate: '1.08', effectiveFrom: '2026-03-01' });
    expect(res.statusCode).toBe(201);
    const [entry] = await audit('fx_rate');
    expect(entry).toMatchObject({ action: 'fx.rate.create', actor: { userId: t.ids.finance }, before: null, after: { from: 'EUR', to: 'USD', rate: '1.08', effectiveFrom: '2026-03-01' } });
  });

  it('period status: open, approve, pay, close, and a refused change writes nothing', async () => {
    const customer = (await t.call.rep1.post('/api/v1/objects/customer', { name: 'ACME' })).json().id;
    expect(
      (await t.call.rep1.post('/api/v1/objects/order', { order_number: 'A-1', customer_id: customer, order_date: '2026-03-05', status: 'booked', amount: '1000', currency: 'USD' })).statusCode,
    ).toBe(201);
    await t.drain();
    expect((await t.call.finance.post(`/api/v1/incentives/periods/${MAR}/open`)).statusCode).toBe(200);
    expect((await t.call.finance.post('/api/v1/incentives/recalculate')).statusCode).toBe(200);
    for (const status of ['approved', 'paid', 'closed']) {
      const res = await t.call.finance.post(`/api/v1/incentives/periods/${MAR}/status`, { status });
      expect(res.statusCode, res.body).toBe(200);
    }
    const bad = await t.call.finance.post(`/api/v1/incentives/periods/${MAR}/status`, { status: 'reopened' });
    expect(bad.statusCode).toBe(400);
    const entries = (await audit('incentive_period')).filter((e) => e.after?.period === MAR);
    expect(entries.map((e) => [e.action, e.before?.status, e.after?.status])).toEqual([
      ['incentives.period.closed', 'paid', 'closed'],
      ['incentives.period.paid', 'approved', 'paid'],
      ['incentives.period.approved', expect.any(String), 'approved'],
      // Opened as the order was booked (finance's later open changed nothing, so wrote nothing).
      ['incentives.period.open', null, 'open'],
    ]);
    expect(entries[0]?.actor.userId).toBe(t.ids.finance);
    expect(entries[3]?.actor.userId).toBe(t.ids.rep1);
  });

  it('disputes: raised by the rep, resolved by finance', async () => {
    expect((await t.call.finance.post('/api/v1/incentives/periods/2026-04/open')).statusCode).toBe(200);
    const customer = (await t.call.rep2.post('/api/v1/objects/customer', { name: 'Globex' })).json().id;
    expect(
      (await t.call.rep2.post('/api/v1/objects/order', { order_number: 'A-2', customer_id: customer, order_date: '2026-04-06', status: 'booked', amount: '2000', currency: 'USD' })).statusCode,
    ).toBe(201);
    await t.drain();
    expect((await t.call.finance.post('/api/v1/incentives/recalculate')).statusCode).toBe(200);
    const line = (await t.call.rep2.get(`/api/v1/incentives/statements/${t.ids.rep2}/2026-04`)).json().data.lines[0] as { key: string };
    const raised = await t.call.rep2.post('/api/v1/incentives/disputes', { payeeId: t.ids.rep2, period: '2026-04', lineKey: line.key, reason: 'missing order', amount: '10.00' });
    expect(raised.statusCode).toBe(201);
    const id = raised.json().data.id as string;
    expect((await t.call.finance.post(`/api/v1/incentives/disputes/${id}/resolve`, { status: 'rejected', resolution: 'no' })).statusCode).toBe(200);
    const entries = (await audit('incentive_dispute')).filter((e) => e.recordId === id);
    expect(entries.map((e) => [e.action, e.actor.userId, e.after?.status])).toEqual([
      ['incentives.dispute.rejected', t.ids.finance, 'rejected'],
      ['incentives.dispute.open', t.ids.rep2, 'open'],
    ]);
    expect(entries[1]?.after).toMatchObject({ payeeId: t.ids.rep2, period: '2026-04', lineKey: line.key, claimedAmount: expect.stringMatching(/^10(\.0+)?$/) });
  });
});
