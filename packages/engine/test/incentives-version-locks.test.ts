// Versions used by approved (or later) periods are history: a save may add a later version and
// end the current one after the locked periods, never rewrite, remove or undercut them.
import { describe, expect, it } from 'vitest';
import { versionLockIssues as lockIssues } from '../src/incentives/version-locks.ts';
import { CALENDAR_YEAR } from '../src/calendar/fiscal.ts';
import type { IncentivePlanDoc, PlanVersionDef } from '../src/incentives/types.ts';

const versionLockIssues = (...a: [Parameters<typeof lockIssues>[0], Parameters<typeof lockIssues>[1], Parameters<typeof lockIssues>[2]]) => lockIssues(...a, CALENDAR_YEAR);
const v1: PlanVersionDef = {
  version: 1,
  effectiveFrom: '2026-01-01',
  currency: 'USD',
  rounding: { scale: 2, mode: 'half_up' },
  measures: [{ name: 'revenue', type: 'sum' }],
  components: [{ name: 'commission', type: 'flat', measure: 'revenue', rate: '0.05' }],
} as unknown as PlanVersionDef;
const plan = (versions: PlanVersionDef[]): IncentivePlanDoc => ({ kind: 'incentive_plan', id: 'p', name: 'p', label: { en: 'P' }, versions });
const periods = [
  { period: '2026-01', status: 'approved' },
  { period: '2026-02', status: 'open' },
];
const rules = (issues: ReturnType<typeof versionLockIssues>) => issues.map((i) => `${i.path} ${i.rule}`);

describe('version locks', () => {
  it('allow anything while no period is approved, and a new plan always', () => {
    expect(versionLockIssues(plan([v1]), plan([{ ...v1, effectiveFrom: '2025-06-01' }]), [{ period: '2026-01', status: 'calculated' }])).toEqual([]);
    expect(versionLockIssues(undefined, plan([v1]), periods)).toEqual([]);
  });

  it('refuse rewriting or removing a version an approved period used', () => {
    const changed = { ...v1, components: [{ name: 'commission', type: 'flat', measure: 'revenue', rate: '0.06' }] } as unknown as PlanVersionDef;
    expect(rules(versionLockIssues(plan([v1]), plan([changed]), periods))).toEqual(['/versions/0 version_locked']);
    expect(rules(versionLockIssues(plan([v1]), plan([]), periods))).toEqual(['/versions version_locked']);
    // Key order is not a change.
    const reordered = Object.fromEntries(Object.entries(v1).reverse()) as unknown as PlanVersionDef;
    expect(versionLockIssues(plan([v1]), plan([reordered]), periods)).toEqual([]);
  });

  it('allow a later version and ending the old one after the locked periods, not inside them', () => {
    const v2 = { ...v1, version: 2, effectiveFrom: '2026-02-01' };
    expect(versionLockIssues(plan([v1]), plan([{ ...v1, effectiveTo: '2026-01-31' }, v2]), periods)).toEqual([]);
    const early = { ...v1, version: 2, effectiveFrom: '2026-01-15' };
    const issues = versionLockIssues(plan([v1]), plan([{ ...v1, effectiveTo: '2026-01-14' }, early]), periods);
    expect(rules(issues)).toEqual(['/versions/0/effectiveTo version_locked', '/versions/1/effectiveFrom version_locked']);
    expect(issues[1]?.message).toContain('2026-01-31');
  });

  it('leave versions alone that no locked period used', () => {
    const v2 = { ...v1, version: 2, effectiveFrom: '2026-03-01' };
    const v2b = { ...v2, components: [{ name: 'commission', type: 'flat', measure: 'revenue', rate: '0.07' }] } as unknown as PlanVersionDef;
    expect(versionLockIssues(plan([{ ...v1, effectiveTo: '2026-02-28' }, v2]), plan([{ ...v1, effectiveTo: '2026-02-28' }, v2b]), periods)).toEqual([]);
    expect(versionLockIssues(plan([{ ...v1, effectiveTo: '2026-02-28' }, v2]), plan([{ ...v1, effectiveTo: '2026-02-28' }]), periods)).toEqual([]);
  });
});
