import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { METADATA_KINDS, Registry, validateAgainstMetaSchema } from '../src/index.ts';
import { readMetadataDir } from '../src/load-dir.ts';

const coreDir = fileURLToPath(new URL('../../../metadata/core', import.meta.url));
const plan = {
  kind: 'incentive_plan',
  id: 'plan.rep',
  name: 'plan_rep',
  label: { en: 'Reps', 'zh-CN': '销售' },
  versions: [
    {
      version: 1,
      effectiveFrom: '2026-01-01',
      currency: 'USD',
      rounding: { scale: 2, mode: 'half_up' },
      targetSource: 'goals',
      targetPlans: { quota: 'rev_2026' },
      measures: [{ name: 'revenue', type: 'sum', filter: { objects: ['order'], kinds: ['direct'] } }],
      components: [
        {
          name: 'commission',
          type: 'tiered',
          measure: 'revenue',
          target: 'quota',
          tierBasis: 'attainment',
          tiers: [
            { from: '0', to: '1', rate: '0.05' },
            { from: '1', to: null, rate: '0.1' },
          ],
          cap: { amount: '5000' },
          gate: { minAttainment: '0.5' },
        },
        { name: 'deals', type: 'points', perCredit: '10', perAmount: { every: '10000', value: '1' } },
      ],
      draw: { type: 'recoverable', amount: '500', from: '2026-01', to: '2026-03' },
      badges: [{ id: 'gold', label: { en: 'Gold' }, minPoints: '100' }],
    },
  ],
};
const kpi = { kind: 'kpi', id: 'k.rev', name: 'revenue', label: { en: 'Revenue' }, object: 'order', measure: { aggregate: 'sum', value: 'amount' }, dateField: 'order_date', unit: 'money' };
const target = { kind: 'target_plan', id: 'p.2026', name: 'rev_2026', label: { en: 'Revenue 2026' }, kpi: 'revenue', year: 2026, total: '1000000' };

describe('incentive_plan kind', () => {
  it('is a registered kind that loads with its goals target plan', async () => {
    expect(METADATA_KINDS).toContain('incentive_plan');
    const core = await readMetadataDir(coreDir);
    const registry = Registry.fromDocuments([...core, kpi, target, plan]);
    expect(registry.documentsOf('incentive_plan')[0]?.versions[0]?.components).toHaveLength(2);
  });

  it('names the cell of a bad plan', async () => {
    const core = await readMetadataDir(coreDir);
    const issues = (docs: unknown[]) => {
      const r = Registry.tryFromDocuments([...core, kpi, ...docs]);
      return r.ok ? [] : r.issues.map((i) => `${i.path}:${i.rule}`);
    };
    expect(issues([plan])).toEqual(['/versions/0/components/0/target:unknown_reference']);
    const bad = structuredClone(plan) as typeof plan & { versions: Array<Record<string, unknown>> };
    bad.versions.push({ ...structuredClone(plan.versions[0]!), targetSource: 'inputs' });
    expect(issues([target, bad])).toEqual(['/versions/1/version:duplicate_version']);
    const v = (d: unknown) => validateAgainstMetaSchema(d).map((i) => `${i.path}:${i.rule}`);
    const wrong = structuredClone(plan);
    (wrong.versions[0]!.components[0]!.tiers![0] as Record<string, unknown>).rate = '5%';
    (wrong.versions[0]! as Record<string, unknown>).currency = 'usd';
    (wrong.versions[0]!.components[1] as Record<string, unknown>).type = 'cash';
    expect(v(wrong)).toEqual(expect.arrayContaining(['/versions/0/currency:pattern', '/versions/0/components/0/tiers/0/rate:pattern', '/versions/0/components/1/type:enum']));
    expect(v({ ...plan, versions: [] })).toEqual(['/versions:minItems']);
  });
});
