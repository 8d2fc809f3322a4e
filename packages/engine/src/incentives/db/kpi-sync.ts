// Ordering between the goals and the incentives handlers of one record event. Both follow the
// same record events on their own queues, in no fixed order, and a kpi measure reads the goals
// actuals. Rather than ordering the queues, the incentives handler first brings the actuals of the
// touched people and months current itself, with goals' own idempotent recomputeScope (the same
// SQL, under the same per-person locks), and only then recomputes those payees. Whichever handler
// runs first does the work; the other finds no difference. So a statement never reads actuals
// older than the record change (or the KPI definition) it is computing for.
import type { MetadataEvent, RecordEvent, Store } from '@attain/store';
import { recomputeScope } from '../../goals/actuals.ts';
import { applyMetadataEvent } from '../../goals/metadata-events.ts';
import { goalsContext, kpisOn } from '../../goals/context.ts';
import { touched } from '../../goals/events.ts';
import { seedMemberships } from '../../goals/membership.ts';
import type { IncentiveEngine } from './engine.ts';
import { kpiMeasures } from './kpi-measures.ts';

/**
 * For a change of a record some plan's kpi measure reads: updates those KPIs' actuals for the
 * touched people and months and answers the people (payees to recompute) and the months (periods
 * to open). Nothing when no plan reads a KPI over the record's object.
 */
export async function syncKpiActuals(engine: IncentiveEngine, event: RecordEvent): Promise<{ payees: string[]; months: string[] }> {
  const names = new Set((await engine.plans()).flatMap((p) => p.versions.flatMap((v) => kpiMeasures(v).map((m) => m.kpi))));
  const none = { payees: [], months: [] };
  if (!names.size) return none;
  const registry = await engine.store.registry(engine.tenant);
  const objects = new Set(
    registry
      .documentsOf('kpi')
      .filter((k) => names.has(k.name))
      .map((k) => k.object),
  );
  if (!objects.has(event.object)) return none;
  const ctx = await goalsContext(engine.store, engine.tenant, registry);
  await seedMemberships(ctx);
  const payees = new Set<string>();
  const months = new Set<string>();
  for (const kpi of kpisOn(ctx, event.object).filter((k) => names.has(k.name))) {
    const scope = touched(kpi, [event.before, event.after], ctx.calendar.timeZone);
    if (!scope.users.length || !scope.months.length) continue;
    // A KPI whose formula fails on this data is goals' failure to report (its own job fails and
    // retries); it must not keep the order's crediting and the other plans from being computed.
    await recomputeScope(ctx, kpi, scope).catch(() => undefined);
    scope.users.forEach((u) => payees.add(u));
    scope.months.forEach((m) => months.add(m));
  }
  return { payees: [...payees], months: [...months] };
}

/**
 * The same ordering for a metadata revision: a KPI a plan reads that the revision added, changed
 * or removed is recomputed (goals' own idempotent applyMetadataEvent) before the plans are, so a
 * statement never reads the actuals of the KPI's old definition. Answers whether a KPI some plan
 * reads was recomputed or removed; nothing is done when no plan reads a KPI.
 */
export async function syncKpiMetadata(engine: IncentiveEngine, store: Store, event: MetadataEvent): Promise<boolean> {
  const names = new Set((await engine.plans()).flatMap((p) => p.versions.flatMap((v) => kpiMeasures(v).map((m) => m.kpi))));
  if (!names.size) return false;
  try {
    const { recomputed, removed } = await applyMetadataEvent(store, event);
    return [...recomputed, ...removed].some((k) => names.has(k));
  } catch {
    // Some KPI could not be computed (goals' job reports it): recompute the plans with what there is.
    return true;
  }
}
