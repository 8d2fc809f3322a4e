import { beforeAll, describe, expect, it } from 'vitest';
import { JobRunner, openTestStore, type Store } from '@attain/store';
import {
  ALERTS_QUEUE,
  approveVersion,
  checkRule,
  goalsBackground,
  goalsContext,
  GoalsError,
  kpiOf,
  listRules,
  markNoticesRead,
  noticesFor,
  putRule,
  recomputeAll,
  saveDraft,
  scheduleAlerts,
  seedMemberships,
  submitVersion,
  type AlertNotice,
  type AlertNotifier,
  type GoalsContext,
} from '../src/index.ts';
import { orgTenant, system, type Org } from './fixture.ts';

// A controllable clock shared by the job runner (which jobs are due) and the alert evaluation.
let clock = new Date('2026-03-10T08:00:00Z');
const now = () => clock;

let store: Store;
let org: Org;
let ctx: GoalsContext;
let runner: JobRunner;
const sent: AlertNotice[] = [];

beforeAll(async () => {
  store = await openTestStore();
  org = await orgTenant(store, 4, [{ kind: 'target_plan', id: 'plan.alerts', name: 'revenue_2026', label: { en: 'Revenue 2026' }, kpi: 'paid_revenue', year: 2026, total: '120000' }]);
  const r = await store.records(org.tenant);
  // Rep 4 manages reps 1 and 2 (by their user records, which seed the effective-dated memberships).
  const [u1, u2, , boss] = org.users;
  await r.update('user', u1!, { manager_id: boss }, system);
  await r.update('user', u2!, { manager_id: boss }, system);
  ctx = await goalsContext(store, org.tenant);
  await seedMemberships(ctx);
  const { version } = await saveDraft(ctx, 'revenue_2026', {}, null);
  await submitVersion(ctx, 'revenue_2026', version.id, null);
  await approveVersion(ctx, 'revenue_2026', version.id, null);
  // Rep 1 is ahead in March, rep 2 is far behind; rep 2 logged a visit on the 12th, rep 1 none.
  await r.create('order', { order_number: 'A-1', customer_id: org.customer, order_date: '2026-03-02', amount: '9000', status: 'paid', owner_id: u1 }, system);
  await r.create('order', { order_number: 'A-2', customer_id: org.customer, order_date: '2026-03-03', amount: '100', status: 'paid', owner_id: u2 }, system);
  await r.create('visit', { customer_id: org.customer, check_in_at: '2026-03-12T09:00:00Z', owner_id: u2 }, system);
  for (const k of ['paid_revenue', 'visits']) await recomputeAll(ctx, kpiOf(ctx, k));
  const recorder: AlertNotifier = {
    async notify(c, notice, db) {
      sent.push(notice);
      const { inAppNotifier } = await import('../src/index.ts');
      await inAppNotifier.notify(c, notice, db);
    },
  };
  const bg = goalsBackground(store, { now, everyMs: 3_600_000, notifier: recorder });
  runner = new JobRunner(store.jobs, { handlers: { [ALERTS_QUEUE]: bg.handlers[ALERTS_QUEUE]! }, now, batch: 20 });
});

describe('goal alerts', () => {
  it('refuses a bad rule naming the field', () => {
    const bad = (raw: unknown) => {
      try {
        checkRule(ctx, raw);
      } catch (e) {
        return (e as GoalsError).details.map((d) => `${d.path}:${d.rule}`);
      }
      return [];
    };
    expect(bad({ name: 'Bad Name', kind: 'pacing_below', kpi: 'paid_revenue', threshold: 0.8 })).toEqual(['/name:pattern']);
    expect(bad({ name: 'x', kind: 'pacing_below', kpi: 'nope', threshold: 0.8 })).toEqual(['/kpi:unknown_reference']);
    expect(bad({ name: 'x', kind: 'pacing_below', kpi: 'paid_revenue', threshold: -1, fromDay: 40 })).toEqual(['/threshold:range', '/fromDay:range']);
    expect(bad({ name: 'x', kind: 'no_activity', kpi: 'visits' })).toEqual(['/days:range']);
    expect(bad({ name: 'x', kind: 'sometimes', kpi: 'visits', unit: 'east' })).toEqual(['/kind:enum', '/unit:format']);
    expect(bad(null)[0]).toBe('/name:pattern');
  });

  it('runs on a schedule: pacing below 80% from mid-month, no visit for 7 days; the person and the manager hear once', async () => {
    const [u1, u2, , boss] = org.users;
    await putRule(ctx, { name: 'pacing_mid_month', kind: 'pacing_below', kpi: 'paid_revenue', threshold: 0.8, fromDay: 15 });
    await putRule(ctx, { name: 'no_visits', kind: 'no_activity', kpi: 'visits', days: 7 });
    expect((await listRules(ctx)).map((r) => r.name)).toEqual(['no_visits', 'pacing_mid_month']);
    await scheduleAlerts(store, org.tenant, { now, everyMs: 3_600_000 });

    // 10 March: before mid-month no pacing alert; rep 2's visit is on the 12th, later than today.
    await runner.drain();
    const early = sent.filter((s) => s.rule === 'pacing_mid_month');
    expect(early).toEqual([]);
    const idleEarly = new Set(sent.filter((s) => s.rule === 'no_visits').map((s) => s.subjectId));
    expect(idleEarly.has(u1!) && idleEarly.has(u2!)).toBe(true);

    // The next slot is not due yet: nothing runs until the clock reaches it.
    expect(await runner.drain()).toBe(0);

    // 16 March: rep 2 is far behind (100 against the expected-to-date) and is told, with the manager.
    sent.length = 0;
    clock = new Date('2026-03-16T08:00:00Z');
    await scheduleAlerts(store, org.tenant, { now, everyMs: 3_600_000 });
    await runner.drain();
    const pacing = sent.filter((s) => s.rule === 'pacing_mid_month');
    expect(pacing.map((s) => s.subjectId)).toContain(u2);
    expect(pacing.map((s) => s.subjectId)).not.toContain(u1);
    const rep2 = pacing.find((s) => s.subjectId === u2)!;
    expect(rep2.to.sort()).toEqual([u2!, boss!].sort());
    expect(rep2.params).toMatchObject({ kpi: 'paid_revenue', period: '2026-03', threshold: 0.8, person: 'Rep 2' });
    expect(Number(rep2.params.pacing)).toBeLessThan(0.8);
    // Rep 2 logged a visit 4 days ago: not idle. Rep 1 was told on the 10th, not again.
    expect(sent.filter((s) => s.rule === 'no_visits').map((s) => s.subjectId)).not.toContain(u2);
    expect(sent.filter((s) => s.rule === 'no_visits').map((s) => s.subjectId)).not.toContain(u1);

    // A repeated slot (another node, a retried job) notifies nobody twice.
    sent.length = 0;
    clock = new Date('2026-03-16T12:00:00Z');
    await scheduleAlerts(store, org.tenant, { now, everyMs: 3_600_000 });
    await runner.drain();
    expect(sent.filter((s) => s.rule === 'pacing_mid_month')).toEqual([]);

    // 20 March: rep 2's last visit is 8 days old now.
    clock = new Date('2026-03-20T08:00:00Z');
    await scheduleAlerts(store, org.tenant, { now, everyMs: 3_600_000 });
    await runner.drain();
    expect(sent.filter((s) => s.rule === 'no_visits').map((s) => s.subjectId)).toContain(u2);

    // The in-app inbox: rep 2 sees their own alerts, the manager sees the team's.
    const mine = await noticesFor(ctx, u2!);
    expect(mine.data.map((n) => n.kind).sort()).toEqual(['no_activity', 'no_activity', 'pacing_below']);
    expect(mine.unread).toBe(mine.data.length);
    const managers = await noticesFor(ctx, boss!);
    expect(managers.data.some((n) => n.subject_id === u2 && n.kind === 'pacing_below')).toBe(true);
    expect(await markNoticesRead(ctx, u2!, 'all')).toBe(mine.data.length);
    expect((await noticesFor(ctx, u2!)).unread).toBe(0);
    expect(await markNoticesRead(ctx, boss!, [String(managers.data[0]!.id), 'not-an-id'])).toBe(1);
  });
});
