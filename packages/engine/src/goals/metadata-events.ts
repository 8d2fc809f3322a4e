// Metadata changes -> KPI actuals. A KPI applied as metadata (or changed, or whose object changed)
// is computed as soon as the revision lands, without anyone calling /goals/recompute; a removed
// KPI's actuals go. Which KPIs changed is read from the revision before, so no state is kept.
import { canonicalJson, type MetadataEvent, type Store } from '@attain/store';
import type { KpiDoc } from '@attain/meta';
import { recomputeAll } from './actuals.ts';
import { goalsContext, kpiOf } from './context.ts';
import { seedMemberships } from './membership.ts';

type Doc = { kind?: unknown; name?: unknown };

export async function applyMetadataEvent(store: Store, event: MetadataEvent): Promise<{ recomputed: string[]; removed: string[] }> {
  const registry = await store.registry(event.tenant);
  const before = event.revision > 1 ? ((await store.metadata.revision(event.tenant, event.revision - 1)).docs as Doc[]) : [];
  const prior = new Map(before.filter((d) => typeof d.name === 'string').map((d) => [`${String(d.kind)}:${String(d.name)}`, canonicalJson(d)]));
  const same = (d: Doc | undefined) => d !== undefined && prior.get(`${String(d.kind)}:${String(d.name)}`) === canonicalJson(d);
  const kpis = registry.documentsOf('kpi') as KpiDoc[];
  const changed = kpis.filter((k) => !same(k as Doc) || !same(registry.docs.find((d) => d.kind === 'object' && d.name === k.object) as Doc | undefined));
  const names = new Set(kpis.map((k) => k.name));
  const removed = before.filter((d) => d.kind === 'kpi' && typeof d.name === 'string' && !names.has(d.name)).map((d) => String(d.name));
  if (!changed.length && !removed.length) return { recomputed: [], removed: [] };
  const ctx = await goalsContext(store, event.tenant, registry);
  await seedMemberships(ctx);
  for (const name of removed) {
    await ctx.port.table('actual').where('kpi', name).del();
    await ctx.port.table('unit_actual').where('kpi', name).del();
  }
  // Each KPI on its own: one that cannot be computed does not hold up the others.
  const recomputed: string[] = [];
  let failure: unknown;
  for (const k of changed) {
    try {
      await recomputeAll(ctx, kpiOf(ctx, k.name));
      recomputed.push(k.name);
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
  return { recomputed, removed };
}
