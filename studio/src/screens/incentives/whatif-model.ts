// The what-if form's model: changes to a plan's components (rate, tiers, bonus amount, amount per
// sale) kept by component name and laid over a copy of the plan, and quota changes in percent
// sent as factors of each payee's target. Nothing here is stored; the server runs the copy.
import { periodBounds } from './plan-versions.ts';
import type { ComponentDef, PlanDoc, PlanVersion, Tier } from './api.ts';

export type ComponentChange = Partial<Pick<ComponentDef, 'rate' | 'tiers' | 'amount' | 'perCredit'>>;

export interface WhatIfChanges {
  components: Record<string, ComponentChange>;
  /** Target name → change in percent as typed ("10" = 10 % higher, "-5" = 5 % lower). */
  quotas: Record<string, string>;
}

export const NO_CHANGES: WhatIfChanges = { components: {}, quotas: {} };

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** The version the comparison runs: the one picked, else the latest that starts by the period's end. */
export function shownVersion(plan: PlanDoc, period: string, version: string): PlanVersion | undefined {
  if (version) return plan.versions.find((v) => String(v.version) === version);
  let end: string;
  try {
    end = periodBounds(period).to;
  } catch {
    end = `${period}-31`;
  }
  const started = plan.versions.filter((v) => v.effectiveFrom <= end).sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom));
  return started.at(-1) ?? plan.versions[0];
}

/** The targets the version's components divide by (quotas a what-if may change). */
export function targetsOf(v: PlanVersion | undefined): string[] {
  const out = new Set<string>();
  for (const c of v?.components ?? []) {
    if (c.target) out.add(c.target);
    if (c.gate?.target) out.add(c.gate.target);
  }
  return [...out];
}

/** A copy of the plan with the changes laid over every version's component of that name. */
export function applyChanges(plan: PlanDoc, changes: WhatIfChanges): PlanDoc {
  return {
    ...plan,
    versions: plan.versions.map((v) => ({ ...v, components: v.components.map((c) => (changes.components[c.name] ? { ...c, ...changes.components[c.name] } : c)) })),
  };
}

export function hasComponentChanges(changes: WhatIfChanges): boolean {
  return Object.values(changes.components).some((c) => Object.keys(c).length > 0);
}

/** Quota factors for the server ("10" → "1.1"); blank or zero changes are left out. */
export function quotaFactors(changes: WhatIfChanges): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, pct] of Object.entries(changes.quotas)) {
    if (!pct.trim() || Number(pct) === 0) continue;
    out[name] = String(Math.round((100 + Number(pct)) * 10_000) / 1_000_000);
  }
  return out;
}

/** Field keys (component/field, `quota/<target>`) with the i18n key of what is wrong with them. */
export function checkChanges(changes: WhatIfChanges): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, c] of Object.entries(changes.components)) {
    for (const key of ['rate', 'amount', 'perCredit'] as const) {
      const v = c[key];
      if (v !== undefined && !DECIMAL.test(v.trim())) out[`${name}/${key}`] = 'incentives.whatif.errors.number';
    }
    c.tiers?.forEach((tier: Tier, i: number) => {
      if (!DECIMAL.test(tier.from.trim()) || !DECIMAL.test(tier.rate.trim()) || (tier.to !== undefined && tier.to !== null && tier.to !== '' && !DECIMAL.test(tier.to.trim())))
        out[`${name}/tiers`] = out[`${name}/tiers`] ?? `incentives.whatif.errors.tier|${i + 1}`;
    });
  }
  for (const [name, pct] of Object.entries(changes.quotas)) {
    const n = Number(pct);
    if (pct.trim() && (!DECIMAL.test(pct.trim()) || n <= -100 || n > 9900)) out[`quota/${name}`] = 'incentives.whatif.errors.quota';
  }
  return out;
}
