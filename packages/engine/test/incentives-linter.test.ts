import { describe, expect, it } from 'vitest';
import { lintCreditingRules, lintPlan, lintSplits, type ComponentDef, type IncentivePlanDoc } from '../src/incentives/index.ts';
import { plan, rule, version } from './incentives-fixture.ts';

const tiered = (tiers: ComponentDef['tiers'], extra: Partial<ComponentDef> = {}): ComponentDef => ({ name: 'commission', type: 'tiered', measure: 'revenue', tiers, ...extra });
const find = (issues: ReturnType<typeof lintPlan>, rule: string) => issues.find((i) => i.rule === rule);

describe('plan linter', () => {
  it('accepts a clean plan', () => {
    expect(
      lintPlan(
        plan([
          tiered([
            { from: '0', to: '10', rate: '0.1' },
            { from: '10', rate: '0.2' },
          ]),
        ]),
      ),
    ).toEqual([]);
  });

  it('refuses overlapping tiers and names the cell', () => {
    const issue = find(
      lintPlan(
        plan([
          tiered([
            { from: '0', to: '10', rate: '0.1' },
            { from: '8', rate: '0.2' },
          ]),
        ]),
      ),
      'overlapping_tiers',
    );
    expect(issue).toMatchObject({ severity: 'error', path: '/versions/0/components/0/tiers/1/from' });
  });

  it('warns about gapped tiers, including a first tier above zero', () => {
    const issues = lintPlan(
      plan([
        tiered([
          { from: '5', to: '10', rate: '0.1' },
          { from: '12', rate: '0.2' },
        ]),
      ]),
    );
    expect(issues.filter((i) => i.rule === 'gap_between_tiers').map((i) => [i.severity, i.path])).toEqual([
      ['warning', '/versions/0/components/0/tiers/1/from'],
      ['warning', '/versions/0/components/0/tiers/0/from'],
    ]);
  });

  it('refuses an open tier that is not last, an empty tier and a non-number', () => {
    const issues = lintPlan(
      plan([
        tiered([
          { from: '0', rate: '0.1' },
          { from: '10', to: '10', rate: '0.2' },
        ]),
      ]),
    );
    expect(find(issues, 'open_tier_not_last')?.path).toBe('/versions/0/components/0/tiers/0/to');
    expect(find(issues, 'empty_tier')?.path).toBe('/versions/0/components/0/tiers/1/to');
    expect(find(lintPlan(plan([tiered([{ from: 'x', rate: '0.1' }])])), 'number')?.path).toBe('/versions/0/components/0/tiers/0/from');
  });

  it('refuses a cap below its floor', () => {
    const issue = find(lintPlan(plan([{ name: 'c', type: 'rate', measure: 'revenue', rate: '0.1', cap: { amount: '100' }, floor: { amount: '200' } }])), 'cap_below_floor');
    expect(issue).toMatchObject({ severity: 'error', path: '/versions/0/components/0/cap/amount' });
  });

  it('refuses overlapping versions and warns about gaps between them', () => {
    const p: IncentivePlanDoc = {
      ...plan([]),
      versions: [version({ effectiveTo: '2026-03-31' }), version({ version: 2, effectiveFrom: '2026-03-01', effectiveTo: '2026-06-30' }), version({ version: 3, effectiveFrom: '2026-08-01' })],
    };
    const issues = lintPlan(p);
    expect(find(issues, 'overlapping_versions')).toMatchObject({ severity: 'error', path: '/versions/1/effectiveFrom' });
    expect(find(issues, 'gap_between_versions')).toMatchObject({ severity: 'warning', path: '/versions/2/effectiveFrom' });
    expect(find(lintPlan({ ...p, versions: [version(), version()] }), 'duplicate_version')?.path).toBe('/versions/1/version');
  });

  it('refuses a payee on two active plans paying the same component', () => {
    const a = plan([{ name: 'commission', type: 'rate', measure: 'revenue', rate: '0.1' }], {}, 'plan_a');
    const b = plan([{ name: 'commission', type: 'rate', measure: 'revenue', rate: '0.2' }], {}, 'plan_b');
    const assignments = [
      { kind: 'plan' as const, payeeId: 'u1', key: 'plan_a', from: '2026-01-01' },
      { kind: 'plan' as const, payeeId: 'u1', key: 'plan_b', from: '2026-02-01' },
      { kind: 'plan' as const, payeeId: 'u2', key: 'plan_a', from: '2026-01-01', to: '2026-01-31' },
      { kind: 'plan' as const, payeeId: 'u2', key: 'plan_b', from: '2026-02-01' },
    ];
    const issues = lintPlan(a, { plans: [a, b], assignments }).filter((i) => i.rule === 'double_assignment');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: '/versions/0/components/0/name' });
    expect(issues[0]?.message).toMatch(/u1/);
  });

  it('refuses a reference or formula naming an undefined measure', () => {
    const p = plan([{ name: 'c', type: 'rate', measure: 'revnue', rate: '0.1' }], {
      measures: [
        { name: 'revenue', type: 'sum' },
        { name: 'mix', type: 'formula', expression: 'margin / revenue' },
        { name: 'r', type: 'ratio', numerator: 'revenue', denominator: 'nope' },
      ],
    });
    const issues = lintPlan(p).filter((i) => i.rule === 'unknown_measure');
    expect(issues.map((i) => i.path).sort()).toEqual(['/versions/0/components/0/measure', '/versions/0/measures/1/expression', '/versions/0/measures/2/denominator']);
    expect(issues.find((i) => i.path.endsWith('expression'))?.message).toMatch(/margin/);
  });

  it('checks component requirements', () => {
    const issues = lintPlan(
      plan(
        [
          { name: 'a', type: 'rate' },
          { name: 'a', type: 'tiered', measure: 'revenue', tierBasis: 'attainment' },
          { name: 'b', type: 'bonus' },
          { name: 'c', type: 'spif' },
          { name: 'd', type: 'rate', measure: 'revenue', rate: '1', gate: { minAttainment: '0.5' } },
        ],
        {
          draw: { type: 'recoverable', amount: '1', from: '2026-05', to: '2026-01' },
          measures: [
            { name: 'revenue', type: 'sum' },
            { name: 'revenue', type: 'count' },
          ],
        },
      ),
    );
    expect(issues.map((i) => `${i.rule} ${i.path}`).sort()).toEqual([
      'duplicate_name /versions/0/components/1/name',
      'duplicate_name /versions/0/measures/1/name',
      'empty_window /versions/0/draw/to',
      'pays_nothing /versions/0/components/3',
      'required /versions/0/components/0/measure',
      'required /versions/0/components/0/rate',
      'required /versions/0/components/1/target',
      'required /versions/0/components/1/tiers',
      'required /versions/0/components/2/amount',
      'required /versions/0/components/4/gate',
    ]);
  });

  it('refuses split credits not totalling 100% without a declared overlay', () => {
    expect(
      lintSplits([
        { payeeId: 'a', pct: '60' },
        { payeeId: 'b', pct: '30' },
      ])[0],
    ).toMatchObject({ path: '/splits/1/pct', rule: 'split_not_100' });
    expect(
      lintSplits([
        { payeeId: 'a', pct: '100' },
        { payeeId: 'b', pct: '30', overlay: true },
      ]),
    ).toEqual([]);
    expect(lintSplits([{ payeeId: 'a', pct: 'x' }])[0]?.rule).toBe('number');
    const rules = [rule('owner', { id: '1' }), rule('split', { id: '2', pct: '50', effectiveFrom: '2026-01-01' }), rule('team', { pct: '10' }), rule('rollup')];
    expect(lintCreditingRules(rules).map((i) => `${i.rule} ${i.path}`)).toEqual(['split_not_100 /1/pct', 'required /3/levels']);
  });
});
