// Record events -> incremental incentive recalculation: a new or changed order (or one of its lines
// or split rows, or a product's category or cost) is re-mapped and recredited and only the payees it
// touches (and the managers they roll up to) are recomputed; a user's role change
// is recorded as of its date (plans by role); an org change (even back-dated) recredits open periods; a visit or activity a plan reads recomputes its owner.
import { eventQueue, metadataQueue, ORG_EVENT_OBJECT, orgEventBody, type BackgroundModule, type MetadataEvent, type RecordEvent, type Store } from '@attain/store';
import { syncPlansFromMetadata } from './metadata-plans.ts';
import { IncentiveEngine } from './db/engine.ts';
import { ORDER_OBJECTS, SOURCE_OBJECTS } from './db/record-events.ts';
import { syncKpiMetadata } from './db/kpi-sync.ts';

export const INCENTIVES_CONSUMER = 'incentives.calc';
export const INCENTIVES_ORG_CONSUMER = 'incentives.org';
const FOLLOWED = new Set([...ORDER_OBJECTS, 'user', ...SOURCE_OBJECTS]);
/** Recomputation after a change made through the incentives API (plans, assignments, inputs). */
export const DERIVE_INCENTIVES = 'derive:incentives';

export function incentivesBackground(store: Store): BackgroundModule {
  const engines = new Map<string, IncentiveEngine>();
  const engineOf = (tenant: string): IncentiveEngine => {
    let engine = engines.get(tenant);
    if (!engine) engines.set(tenant, (engine = new IncentiveEngine(store, tenant)));
    return engine;
  };
  return {
    name: 'incentives',
    // Orders (with their lines, split rows and products) become transactions; users' roles give plans;
    // visits and activities are read by points components.
    // A plan measure may also be a KPI over any object, so every object's events arrive; those of an
    // object nothing here follows and no KPI reads are skipped before the engine is touched. Org
    // changes come on their own queue (they are not record events every consumer should see).
    subscriptions: [
      { consumer: INCENTIVES_CONSUMER, metadata: true },
      { consumer: INCENTIVES_ORG_CONSUMER, objects: [ORG_EVENT_OBJECT] },
    ],
    handlers: {
      // Plans applied as metadata are taken in and computed when their revision lands.
      [metadataQueue(INCENTIVES_CONSUMER)]: async (job) => {
        const event = job.payload as MetadataEvent;
        const engine = engineOf(event.tenant);
        const changed = Object.keys(await syncPlansFromMetadata(engine, await store.registry(event.tenant)));
        // KPIs the plans read are brought current first (see db/kpi-sync.ts); a changed one recomputes the plans too.
        const kpis = await syncKpiMetadata(engine, store, event);
        if (!changed.length && !kpis) return { skipped: true };
        const stats = await engine.recompute();
        return { plans: changed, payees: stats.payees, lines: stats.lines };
      },
      // A plan, assignment or input saved through the API: recompute the open periods.
      [DERIVE_INCENTIVES]: async (job) => {
        const payload = job.payload as { tenant?: unknown; credit?: unknown };
        const stats = await engineOf(String(payload.tenant ?? job.tenant)).recompute({ credit: payload.credit === true });
        return { payees: stats.payees, lines: stats.lines };
      },
      // The org moved (a record write, an import, an HR connector; maybe back-dated): one
      // recalculation per burst, by the last event of it.
      [eventQueue(INCENTIVES_ORG_CONSUMER)]: async (job) => {
        const event = job.payload as RecordEvent;
        if (await laterOrgEvent(store, job.queue, event.tenant, job.id, event)) return { skipped: 'a later org change recalculates' };
        const stats = await engineOf(event.tenant).onRecordEvent(event);
        return stats ? { payees: stats.payees, lines: stats.lines, ms: Math.round(stats.ms.total) } : { skipped: true };
      },
      [eventQueue(INCENTIVES_CONSUMER)]: async (job) => {
        const event = job.payload as RecordEvent;
        if (!FOLLOWED.has(event.object) && !(await store.registry(event.tenant)).documentsOf('kpi').some((k) => k.object === event.object)) return { skipped: true };
        let engine = engines.get(event.tenant);
        if (!engine) engines.set(event.tenant, (engine = new IncentiveEngine(store, event.tenant)));
        const stats = await engine.onRecordEvent(event);
        return stats ? { payees: stats.payees, lines: stats.lines, ms: Math.round(stats.ms.total) } : { skipped: true };
      },
    },
  };
}

/**
 * Whether a later org change of the tenant waits in the queue: it reads the org as it is then
 * (this change included), so a burst of moves — a bulk user import — costs one recalculation.
 */
async function laterOrgEvent(store: Store, queue: string, tenant: string, id: string, event: RecordEvent): Promise<boolean> {
  // A later change recalculates from its own first day: it covers this one only when that is no later.
  const from = orgEventBody(event)?.from;
  const ready = await store.jobs.list({ queue, tenant, status: 'ready', limit: 200 });
  return ready.some((j) => {
    const later = j.id > id && j.payload && typeof j.payload === 'object' ? orgEventBody(j.payload as RecordEvent) : null;
    return later !== null && (from === undefined || later.from <= from);
  });
}
