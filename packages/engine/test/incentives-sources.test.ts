// Points and measures read straight from an object's records (visits, calls) through metadata:
// no transaction load; golden figures computed by hand in the comment above each assertion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type RecordEvent, type Store } from '@attain/store';
import { IncentiveEngine, fmt, lintPlan, type IncentivePlanDoc } from '../src/incentives/index.ts';
import { orgTenant, system, type Org } from './fixture.ts';
import { plan, rule } from './incentives-fixture.ts';

let store: Store;
let org: Org;
let e: IncentiveEngine;
let u1: string;
let u2: string;
const visitIds: string[] = [];

const sourced: IncentivePlanDoc = plan(
  [
    { name: 'visit_points', type: 'points', perCredit: '2', source: { object: 'visit', dateField: 'check_in_at', filter: 'NOT ISBLANK(check_out_at)' } },
    { name: 'call_minutes', type: 'points', perAmount: { every: '30', value: '1' }, source: { object: 'activity', dateField: 'occurred_at', filter: 'kind = "call"', value: 'duration_minutes' } },
    { name: 'commission', type: 'rate', measure: 'revenue', rate: '0.1', gate: { measure: 'calls', target: 'call_target', minAttainment: '1' } },
  ],
  {
    measures: [
      { name: 'revenue', type: 'sum', filter: { objects: ['order'] } },
      { name: 'calls', type: 'count', source: { object: 'activity', dateField: 'occurred_at', filter: 'kind = "call"' } },
      { name: 'talk_time', type: 'sum', source: { object: 'activity', dateField: 'occurred_at', payeeField: 'owner_id', filter: 'kind = "call"', value: 'duration_minutes' } },
    ],
  },
  'plan_src',
);

beforeAll(async () => {
  store = await openTestStore();
  org = await orgTenant(store, 2);
  [u1, u2] = org.users as [string, string];
  const r = await store.records(org.tenant);
  const visit = async (owner: string, day: string, done: boolean) => {
    const rec = await r.create('visit', { customer_id: org.customer, owner_id: owner, check_in_at: `${day}T09:00:00Z`, ...(done ? { check_out_at: `${day}T10:00:00Z` } : {}) }, system);
    if (owner === u1 && done && day.startsWith('2026-04')) visitIds.push(String(rec.id));
  };
  await visit(u1, '2026-04-02', true);
  await visit(u1, '2026-04-09', true);
  await visit(u1, '2026-04-28', true);
  await visit(u1, '2026-04-29', false);
  await visit(u1, '2026-03-30', true);
  await visit(u2, '2026-04-15', true);
  const call = (owner: string, day: string, minutes: number, kind = 'call') =>
    r.create('activity', { subject: 'c', kind, owner_id: owner, occurred_at: `${day}T08:00:00Z`, duration_minutes: minutes }, system);
  await call(u1, '2026-04-03', 45);
  await call(u1, '2026-04-10', 75);
  await call(u1, '2026-04-11', 15);
  await call(u1, '2026-04-12', 600, 'meeting');
  await call(u2, '2026-04-20', 20);
  e = new IncentiveEngine(store, org.tenant);
  await e.saveRules([rule('owner')]);
  await e.savePlan(sourced);
  await e.setAssignments([u1, u2].map((p) => ({ kind: 'plan' as const, payeeId: p, key: 'plan_src', from: '2026-01-01' })));
  await e.setInputs([u1, u2].map((p) => ({ payeeId: p, period: '2026-04', name: 'call_target', value: '3' })));
  await e.openPeriod('2026-04');
  await e.upsertTransactions([
    { id: 'o1', object: 'order', ownerId: u1, date: '2026-04-05', amount: '5000', currency: 'USD' },
    { id: 'o2', object: 'order', ownerId: u2, date: '2026-04-06', amount: '8000', currency: 'USD' },
  ]);
  await e.recompute({ credit: true });
});
afterAll(async () => {
  await store.close();
});

const line = async (payee: string, component: string) => (await e.statement(payee, '2026-04')).lines.find((l) => l.component === component);

describe('golden: events from records', () => {
  it('S01 a completed visit gives 2 points, without loading visits as transactions', async () => {
    // u1: April visits checked in and out on the 2nd, 9th, 28th = 3 × 2 = 6 (the 29th has no check-out, the March one is
    // another period); u2: 1 × 2 = 2
    const l1 = await line(u1, 'visit_points');
    expect([fmt(l1?.points ?? 0n), fmt((await line(u2, 'visit_points'))?.points ?? 0n)]).toEqual(['6', '2']);
    expect([l1?.trace.creditCount, [...(l1?.trace.sourceRecordIds ?? [])].sort()]).toEqual([3, [...visitIds].sort()]);
  });

  it('S02 calls counted from activity records gate the commission; call minutes earn points per 30', async () => {
    // u1: 3 calls of target 3 = 100% → commission 5,000 × 10% = 500.00; minutes 45 + 75 + 15 (the meeting is no call):
    // floor(45/30) + floor(75/30) + floor(15/30) = 1 + 2 + 0 = 3 points; talk_time 135.
    // u2: 1 call of 3 (33%) → commission 0.00; 20 minutes → 0 points
    const c1 = await line(u1, 'commission');
    expect([fmt(c1?.amount ?? 0n, 2), c1?.trace.measures.calls?.value, fmt((await line(u1, 'call_minutes'))?.points ?? 0n)]).toEqual(['500.00', '3', '3']);
    expect([fmt((await line(u2, 'commission'))?.amount ?? 0n, 2), fmt((await line(u2, 'call_minutes'))?.points ?? 0n)]).toEqual(['0.00', '0']);
  });

  it('S03 a new visit record is picked up by its record event: its owner is recomputed', async () => {
    // one more completed visit for u2 on Apr 25: 2 × 2 = 4 points
    const r = await store.records(org.tenant);
    const rec = await r.create('visit', { customer_id: org.customer, owner_id: u2, check_in_at: '2026-04-25T09:00:00Z', check_out_at: '2026-04-25T09:30:00Z' }, system);
    const event: RecordEvent = {
      tenant: org.tenant,
      object: 'visit',
      recordId: String(rec.id),
      op: 'create',
      before: null,
      after: rec,
      actor: { userId: null },
      revision: 1,
      at: '2026-04-25T09:30:00Z',
    };
    const stats = await e.onRecordEvent(event);
    expect(stats?.payees).toBe(1);
    expect(fmt((await line(u2, 'visit_points'))?.points ?? 0n)).toBe('4');
    expect(await e.onRecordEvent({ ...event, object: 'contact' })).toBeNull();
  });

  it('S04 sources are checked against the metadata: object, date field, payee field and formulas name their cell', async () => {
    const bad = plan(
      [
        { name: 'p1', type: 'points', perCredit: '1', source: { object: 'nope', dateField: 'x' } },
        { name: 'p2', type: 'points', perCredit: '1', source: { object: 'visit', dateField: 'purpose', payeeField: 'customer_id', filter: 'outcome = 3', value: 'purpose' } },
        { name: 'p3', type: 'bonus', amount: '1', source: { object: 'visit', dateField: 'check_in_at' } },
      ],
      {
        measures: [
          { name: 'revenue', type: 'sum' },
          { name: 'v', type: 'ratio', numerator: 'revenue', denominator: 'revenue', source: { object: 'visit', dateField: 'check_in_at' } },
        ],
      },
      'plan_bad',
    );
    const err = await e.savePlan(bad).catch((x: unknown) => x as { code: string; details: Array<{ path: string; rule: string }> });
    expect(err).toMatchObject({ code: 'plan_invalid' });
    const got = (err as { details: Array<{ path: string; rule: string }> }).details.map((d) => `${d.path} ${d.rule}`);
    expect(got).toEqual(
      expect.arrayContaining([
        '/versions/0/components/0/source/object unknown_reference',
        '/versions/0/components/1/source/dateField date_field',
        '/versions/0/components/1/source/payeeField payee_field',
        '/versions/0/components/1/source/filter formula',
        '/versions/0/components/1/source/value type',
        '/versions/0/components/2/source source_not_per_event',
        '/versions/0/measures/1/source source_not_aggregate',
      ]),
    );
    expect(lintPlan(sourced).filter((i) => i.severity === 'error')).toEqual([]);
  });
});
