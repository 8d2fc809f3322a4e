// A dashboard's whole answer for one caller, through the answer cache: the one path REST
// (`POST /analytics/dashboards/:name/run`) and GraphQL (`analyticsDashboard`) both take, so the
// two give the same JSON and share one cache entry per question and scope.
import type { AccessContext } from '../../rbac/context.ts';
import type { Store } from '../../store-port.ts';
import { answerCache } from './answer-cache.ts';
import { filterValues, runDashboard, widgetObjects } from './dashboard-run.ts';
import type { DashboardDoc, FilterValue } from './dashboard-schema.ts';

export interface DashboardAnswer {
  /** `{"data": {name, label, filters, widgets}}` as UTF-8 JSON. */
  body: Buffer;
  hit: boolean;
  /** Whether the answer may be cached at all (a trusted data version, no dataset). */
  cacheable: boolean;
}

export async function dashboardAnswer(store: Store, access: AccessContext, doc: DashboardDoc, filters: Record<string, FilterValue> | undefined, asOf: string | undefined): Promise<DashboardAnswer> {
  // Bad filters are refused before any key is made (a refusal is never cached).
  filterValues(doc, filters);
  const cache = answerCache(store);
  // The version is read before the run: a write landing meanwhile moves it, so the answer kept
  // under the old version is never served again.
  const key = await cache.keyFor(store, access, widgetObjects(access.registry, doc), { dashboard: doc, filters: filters ?? {}, asOf: asOf ?? null });
  const { body, hit } = await cache.answer(key, async () => ({
    data: { name: doc.name, label: doc.label, filters: doc.filters ?? [], widgets: await runDashboard(store, access, doc, filters, asOf) },
  }));
  return { body, hit, cacheable: key !== undefined };
}
