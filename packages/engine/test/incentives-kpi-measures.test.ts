// Plan measures that are KPIs: which months a plan segment reads, the value of a ratio, how a
// component uses the value, and the linter's rules for the measure's shape and KPI name.
import { describe, expect, it } from 'vitest';
import { computeComponents, dec, fmt, lintKpiMeasures, lintPlan, measureKey, ONE, type MeasureDef } from '../src/incentives/index.ts';
import { kpiDec, kpiMonths } from '../src/incentives/db/kpi-measures.ts';
import { plan, version } from './incentives-fixture.ts';

const kpiMeasure: MeasureDef = { name: 'revenue', type: 'kpi', kpi: 'paid_revenue' };

describe('kpi measure months', () => {
  it('a month, a quarter and a quarter to date are their months', () => {
    const month = { from: '2026-12-01', to: '2026-12-31' };
    expect(kpiMonths(month, [month])).toEqual(['2026-12']);
    const q = { from: '2026-01-01', to: '2026-03-31' };
    expect(kpiMonths(q, [q])).toEqual(['2026-01', '2026-02', '2026-03']);
    const toDate = { from: '2026-04-01', to: '2026-05-31' };
    expect(kpiMonths(toDate, [toDate])).toEqual(['2026-04', '2026-05']);
    const year = { from: '2026-01-01', to: '2026-12-31' };
    expect(kpiMonths(year, [year])).toHaveLength(12);
  });

  it('a month is never split between version segments: it goes with the segment holding its first day', () => {
    const first = { from: '2026-01-01', to: '2026-02-14' };
    const second = { from: '2026-02-15', to: '2026-03-31' };
    expect(kpiMonths(first, [first, second])).toEqual(['2026-01', '2026-02']);
    expect(kpiMonths(second, [first, second])).toEqual(['2026-03']);
  });

  it('a plan starting within a month reads that month in its first segment', () => {
    const late = { from: '2026-02-15', to: '2026-03-31' };
    expect(kpiMonths(late, [late])).toEqual(['2026-02', '2026-03']);
  });
});

describe('kpi measure value', () => {
  it('is the numerator, or numerator ÷ denominator for avg and ratio KPIs (0 without a denominator)', () => {
    expect(fmt(kpiDec({ ratio: false }, { num: '180000.00', den: '0' }))).toBe('180000');
    expect(fmt(kpiDec({ ratio: true }, { num: '3', den: '4' }))).toBe('0.75');
    expect(fmt(kpiDec({ ratio: true }, { num: '3', den: '0' }))).toBe('0');
  });

  it('reaches components through the aggregate, like a sum', () => {
    const v = version({ components: [{ name: 'commission', type: 'rate', measure: 'revenue', rate: '0.05' }], measures: [kpiMeasure] });
    const [r] = computeComponents(v, { aggs: new Map([[measureKey('revenue'), { value: dec('180000'), count: 0, creditIds: [], txIds: [] }]]), input: () => undefined, proration: ONE });
    expect(fmt(r!.amount)).toBe('9000');
    expect(r!.trace.measures.revenue?.value).toBe('180000');
  });
});

describe('kpi measure lint', () => {
  const withMeasure = (m: MeasureDef) => plan([{ name: 'commission', type: 'rate', measure: 'revenue', rate: '0.05' }], { measures: [m] });

  it('accepts a kpi measure and refuses one without a KPI, with a source or filter, and a KPI on another type', () => {
    expect(lintPlan(withMeasure(kpiMeasure)).filter((i) => i.severity === 'error')).toEqual([]);
    expect(lintPlan(withMeasure({ name: 'revenue', type: 'kpi' }))).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/versions/0/measures/0/kpi', rule: 'required' })]));
    expect(lintPlan(withMeasure({ ...kpiMeasure, source: { object: 'order', dateField: 'paid_date' } }))).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: '/versions/0/measures/0/source', rule: 'kpi_measure_own_records' })]),
    );
    expect(lintPlan(withMeasure({ ...kpiMeasure, filter: {} }))).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/versions/0/measures/0/filter', rule: 'kpi_measure_own_records' })]));
    expect(lintPlan(withMeasure({ name: 'revenue', type: 'sum', kpi: 'paid_revenue' }))).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: '/versions/0/measures/0/kpi', rule: 'kpi_not_allowed' })]),
    );
  });

  it('refuses a KPI the tenant does not have, naming the cell', () => {
    expect(lintKpiMeasures(withMeasure(kpiMeasure), ['paid_revenue'])).toEqual([]);
    expect(lintKpiMeasures(withMeasure(kpiMeasure), ['booked'])).toEqual([expect.objectContaining({ severity: 'error', path: '/versions/0/measures/0/kpi', rule: 'unknown_reference' })]);
  });
});
