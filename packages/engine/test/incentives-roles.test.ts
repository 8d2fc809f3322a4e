// Plans assigned by role: golden scenarios computed by hand (comment above each assertion), the
// linter on role + person assignments, and roles read from the user records of a tenant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type RecordEvent, type Store } from '@attain/store';
import {
  IncentiveEngine,
  fmt,
  lintPlan,
  observeRoles,
  resolveRoleAssignments,
  type Assignment,
  type IncentivePlanDoc,
  type OrgMembership as Membership,
  type OrgUnit,
  type RoleAssignment,
  type RoleHolding,
} from '../src/incentives/index.ts';
import { orgTenant, system } from './fixture.ts';
import { plan, run } from './incentives-fixture.ts';

const bonus = (id = 'plan_a', amount = '1000'): IncentivePlanDoc =>
  plan([{ name: 'mbo', type: 'bonus', amount, score: 'mbo_score' }], { proration: 'days', measures: [{ name: 'mbo_score', type: 'input' }] }, id);
const score = (payees: string[], period = '2026-04') => payees.map((payeeId) => ({ payeeId, period, name: 'mbo_score', value: '1' }));
const units: OrgUnit[] = [{ id: 'top' }, { id: 'east', parentId: 'top' }, { id: 'east1', parentId: 'east' }, { id: 'west', parentId: 'top' }];
const members: Membership[] = [
  { userId: 'A', orgUnitId: 'east1', from: '2020-01-01' },
  { userId: 'B', orgUnitId: 'east', from: '2020-01-01' },
  { userId: 'M', orgUnitId: 'east', from: '2020-01-01' },
  { userId: 'W', orgUnitId: 'west', from: '2020-01-01', to: '2026-04-10' },
  { userId: 'W', orgUnitId: 'east1', from: '2026-04-11' },
];
const holdings: RoleHolding[] = [
  { userId: 'A', role: 'rep', from: '2020-01-01' },
  { userId: 'B', role: 'rep', from: '2026-04-16' },
  { userId: 'M', role: 'manager', from: '2020-01-01' },
  { userId: 'W', role: 'rep', from: '2020-01-01' },
];
const byRole = (extra: Partial<RoleAssignment> = {}): RoleAssignment => ({ id: 'ra1', planId: 'plan_a', role: 'rep', from: '2026-01-01', ...extra });
const resolve = (roles: RoleAssignment[], explicit: Assignment[] = []) => [...explicit, ...resolveRoleAssignments({ roleAssignments: roles, holdings, memberships: members, units, explicit })];

describe('golden: plans by role', () => {
  it('R01 everyone holding the role gets the plan, prorated for a mid-period start of the role', () => {
    // April, 30 days, bonus 1,000 prorated by days: A (rep all month) 1,000.00; B (rep from Apr 16) 15/30 → 500.00;
    // W (rep all month) 1,000.00; M (manager) nothing
    const r = run({ plans: [bonus()], txs: [], assignments: resolve([byRole()]), inputs: score(['A', 'B', 'M', 'W']), periods: ['2026-04'] });
    expect(r.payouts.map((p) => [p.payeeId, fmt(p.payout, 2)])).toEqual([
      ['A', '1000.00'],
      ['B', '500.00'],
      ['W', '1000.00'],
    ]);
  });

  it('R02 a role assignment limited to an org subtree follows people moving into it', () => {
    // role rep within "east": A (east1) and B (east) in; W moves from west to east1 on Apr 11 → Apr 11–30 = 20/30 → 666.67
    const r = run({ plans: [bonus()], txs: [], assignments: resolve([byRole({ orgUnitId: 'east' })]), inputs: score(['A', 'B', 'W']), periods: ['2026-04'] });
    expect(r.payouts.map((p) => [p.payeeId, fmt(p.payout, 2)])).toEqual([
      ['A', '1000.00'],
      ['B', '500.00'],
      ['W', '666.67'],
    ]);
  });

  it("R03 the role assignment's own dates bound it, and naming the person overrides the role", () => {
    // role assignment ends Apr 20: A gets Apr 1–20 = 20/30 → 666.67; B (rep from Apr 16) Apr 16–20 = 5/30 → 166.67;
    // W is named on the plan from Apr 25 only: 6/30 → 200.00 (not the role's 20 days)
    const explicit: Assignment[] = [{ kind: 'plan', payeeId: 'W', key: 'plan_a', from: '2026-04-25' }];
    const r = run({ plans: [bonus()], txs: [], assignments: resolve([byRole({ to: '2026-04-20' })], explicit), inputs: score(['A', 'B', 'W']), periods: ['2026-04'] });
    expect(r.payouts.map((p) => [p.payeeId, fmt(p.payout, 2)])).toEqual([
      ['A', '666.67'],
      ['B', '166.67'],
      ['W', '200.00'],
    ]);
  });

  it('R04 two role assignments giving the same plan count each day once', () => {
    // rep in east, and rep everywhere: A is covered twice but paid 1,000.00 once
    const r = run({ plans: [bonus()], txs: [], assignments: resolve([byRole({ orgUnitId: 'east' }), byRole({ id: 'ra2' })]), inputs: score(['A']), periods: ['2026-04'] });
    expect(r.payout('A')).toBe('1000.00');
  });

  it('R05 the linter refuses a payee on two plans paying the same component through role + person assignments', () => {
    const other = bonus('plan_b');
    const assignments = resolve([byRole()], [{ kind: 'plan', payeeId: 'A', key: 'plan_b', from: '2026-03-01' }]);
    const issues = lintPlan(bonus(), { plans: [bonus(), other], assignments }).filter((i) => i.rule === 'double_assignment');
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toMatch(/payee A is on this plan through role "rep" and also on plan "plan_b" by name from 2026-03-01/);
    // the same plan by role and by name is no conflict: the name wins
    expect(
      lintPlan(bonus(), { plans: [bonus(), other], assignments: resolve([byRole()], [{ kind: 'plan', payeeId: 'A', key: 'plan_a', from: '2026-03-01' }]) }).filter(
        (i) => i.rule === 'double_assignment',
      ),
    ).toEqual([]);
  });

  it('R06 roles observed over time become effective-dated spans', () => {
    const first = observeRoles(
      [],
      [
        { id: 'u1', role: 'rep', hireDate: '2025-06-01' },
        { id: 'u2', role: 'rep', hireDate: null },
      ],
      '2026-01-10',
    );
    expect(first.holdings).toEqual([
      { userId: 'u1', role: 'rep', from: '2025-06-01', to: null },
      { userId: 'u2', role: 'rep', from: '1900-01-01', to: null },
    ]);
    const next = observeRoles(first.holdings, [{ id: 'u1', role: 'manager', hireDate: '2025-06-01' }], '2026-04-16');
    expect(next.changed).toEqual(['u1', 'u2']);
    expect(next.holdings).toEqual([
      { userId: 'u1', role: 'rep', from: '2025-06-01', to: '2026-04-15' },
      { userId: 'u1', role: 'manager', from: '2026-04-16', to: null },
      { userId: 'u2', role: 'rep', from: '1900-01-01', to: '2026-04-15' },
    ]);
  });
});

let store: Store;
beforeAll(async () => {
  store = await openTestStore();
});
afterAll(async () => {
  await store.close();
});

describe('plans by role over the database, roles from the user records', () => {
  it('gives the plan to the role holders of a subtree, follows role changes as of their date, and refuses double pay', async () => {
    const org = await orgTenant(store, 4);
    const [u1, u2, u3, u4] = org.users as [string, string, string, string];
    const e = new IncentiveEngine(store, org.tenant);
    await e.savePlan(bonus());
    await e.savePlan(bonus('plan_b', '400'));
    await e.syncOrgFromRecords();
    // Users are created as reps (the role field's default): seen for the first time, they hold it since always.
    expect(await e.syncRolesFromRecords('2026-01-01')).toEqual([...org.users].sort());
    await e.setRoleAssignments([{ id: 'east_reps', planId: 'plan_a', role: 'rep', orgUnitId: org.units.east, from: '2026-01-01' }]);
    // u3 becomes a manager on Apr 16; u4 leaves the role (deactivated) through a record event on Apr 21.
    const records = await store.records(org.tenant);
    await records.update('user', u3, { role: 'manager' }, system);
    expect(await e.syncRolesFromRecords('2026-04-16')).toEqual([u3]);
    await e.setInputs(score(org.users));
    await e.openPeriod('2026-04');
    await e.recompute({ credit: true });
    const event: RecordEvent = {
      tenant: org.tenant,
      object: 'user',
      recordId: u4,
      op: 'update',
      before: { role: 'rep', active: true },
      after: { role: 'rep', active: false },
      actor: { userId: null },
      revision: 2,
      at: '2026-04-21T09:00:00Z',
    };
    await e.onRecordEvent(event);
    // east subtree: u1 (east1) 1,000.00; u3 (east) rep to Apr 15 → 500.00; u4 (east1) rep to Apr 20 → 20/30 → 666.67; u2 (west): none
    const april = await e.payouts('2026-04');
    expect(april.map((p) => [p.payeeId, fmt(p.payout, 2)]).sort()).toEqual(
      [
        [u1, '1000.00'],
        [u3, '500.00'],
        [u4, '666.67'],
      ].sort(),
    );
    expect((await e.assignments([u1])).find((a) => a.key === 'plan_a')?.via).toEqual({ roleAssignmentId: 'east_reps', role: 'rep', orgUnitId: org.units.east });
    // Naming u1 on plan_b, which pays "mbo" too, conflicts with the role's plan_a; naming u2 (west) is fine.
    const named = await e.previewAssignments({ named: [{ kind: 'plan', payeeId: u1, key: 'plan_b', from: '2026-01-01' }] });
    expect(lintPlan(bonus('plan_b', '400'), { plans: await e.plans(), assignments: named }).map((i) => i.rule)).toContain('double_assignment');
    await e.setAssignments([{ kind: 'plan', payeeId: u2, key: 'plan_b', from: '2026-01-01' }]);
    await expect(
      e.setRoleAssignments([
        { id: 'all_reps', planId: 'plan_b', role: 'rep', from: '2026-01-01' },
        { id: 'east_reps', planId: 'plan_a', role: 'rep', orgUnitId: org.units.east, from: '2026-01-01' },
      ]),
    ).rejects.toMatchObject({ code: 'assignment_invalid' });
    await expect(e.setRoleAssignments([{ id: '', planId: 'nope', role: 'Rep!', from: '2026-13', to: '2020-01-01' }])).rejects.toMatchObject({
      code: 'invalid_role_assignments',
      details: [{ path: '/roleAssignments/0/id' }, { path: '/roleAssignments/0/planId' }, { path: '/roleAssignments/0/role' }, { path: '/roleAssignments/0/from' }, { path: '/roleAssignments/0/to' }],
    });
    // The named assignments survive role changes; the derived ones are rebuilt.
    await e.setRoleHolders([]);
    expect((await e.assignments()).map((a) => a.payeeId)).toEqual([u2]);
  });
});
