import { describe, expect, it } from 'vitest';
import { Registry } from '../src/index.ts';
import { readMetadataDir } from '../src/load-dir.ts';
import { fileURLToPath } from 'node:url';

const coreDir = fileURLToPath(new URL('../../../metadata/core', import.meta.url));
const kpi = {
  kind: 'kpi',
  id: 'k.rev',
  name: 'revenue',
  label: { en: 'Revenue' },
  object: 'order',
  measure: { aggregate: 'sum', value: 'amount' },
  dateField: 'order_date',
  unit: 'money',
  dimensions: ['currency'],
};
const plan = { kind: 'target_plan', id: 'p.2026', name: 'rev_2026', label: { en: 'Revenue 2026' }, kpi: 'revenue', year: 2026, total: '1000000.01', firstMonth: 4 };

describe('kpi and target_plan kinds', () => {
  it('loads and cross-checks KPIs and plans', async () => {
    const core = await readMetadataDir(coreDir);
    const registry = Registry.fromDocuments([...core, kpi, plan]);
    expect(registry.documentsOf('kpi').map((k) => k.name)).toEqual(['revenue']);
    expect(registry.documentsOf('target_plan')[0]?.firstMonth).toBe(4);
  });

  it('names the field of a bad KPI or plan', async () => {
    const core = await readMetadataDir(coreDir);
    const issues = (docs: unknown[]) => {
      const r = Registry.tryFromDocuments([...core, ...docs]);
      return r.ok ? [] : r.issues.map((i) => `${i.path}:${i.rule}`);
    };
    expect(issues([{ ...kpi, object: 'nope' }])).toEqual(['/object:unknown_reference']);
    expect(issues([{ ...kpi, dateField: 'amount', ownerField: 'status', dimensions: ['zzz'] }])).toEqual(['/dateField:date_field', '/ownerField:owner_field', '/dimensions/0:unknown_field']);
    expect(issues([{ ...kpi, measure: { aggregate: 'ratio' } }])).toEqual(['/measure/value:required', '/measure/denominator:required']);
    expect(issues([kpi, { ...plan, kpi: 'other', periodMethod: 'weights' }])).toEqual(['/kpi:unknown_reference', '/periodWeights:required']);
    expect(issues([kpi, { ...plan, total: '12,5' }])).toEqual(['/total:pattern']);
    expect(issues([{ ...kpi, unit: 'apples' }])).toEqual(['/unit:enum']);
  });
});
