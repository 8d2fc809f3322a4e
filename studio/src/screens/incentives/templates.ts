import type { ObjectDoc } from '../../api/types.ts';
import type { ComponentDef, MeasureDef, PlanDoc } from './api.ts';

/** A new plan's first draft, paid in `currency` (the tenant's base currency, unless the admin changes it). */
export function newPlan(id: string, label: string, start: string, currency: string): PlanDoc {
  return {
    kind: 'incentive_plan',
    id,
    name: id,
    label: { en: label },
    versions: [
      {
        version: 1,
        effectiveFrom: `${start.slice(0, 7)}-01`,
        currency,
        rounding: { scale: 2, mode: 'half_up' },
        payoutTiming: 'booking',
        proration: 'none',
        measures: [{ name: 'revenue', type: 'sum', field: 'amount', label: { en: 'Revenue' } }],
        components: [newComponent('commission', 'revenue')],
      },
    ],
  };
}

export function newComponent(name: string, measure: string | undefined): ComponentDef {
  return {
    name,
    label: { en: 'Commission' },
    type: 'tiered',
    ...(measure ? { measure } : {}),
    tierBasis: 'value',
    tierMode: 'marginal',
    tiers: [
      { from: '0', to: '10000', rate: '0.05' },
      { from: '10000', rate: '0.08' },
    ],
  };
}

/** The plan's measures as a pseudo-object, so the formula editor can check and complete formula measures. */
export function measuresObject(measures: readonly MeasureDef[]): ObjectDoc {
  const properties: Record<string, unknown> = {};
  for (const m of measures) if (/^[a-z][a-z0-9_]*$/.test(m.name)) properties[m.name] = { type: 'number', 'x-attain': { id: `measure.${m.name}`, label: { en: m.name }, storage: 'decimal' } };
  // Only the fields the formula checker reads are filled in; this is no stored object.
  return { kind: 'object', id: 'incentives.measures', name: 'measures', label: { en: 'Measures' }, schema: { type: 'object', properties } } as unknown as ObjectDoc;
}
