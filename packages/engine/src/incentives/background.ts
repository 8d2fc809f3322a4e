// Record events -> incremental incentive recalculation: a new or changed order (or one of its lines
// or split rows, or a product's category or cost) is re-mapped and recredited and only the payees it
// touches (and the managers they roll up to) are recomputed; a user's role change
// is recorded as of its date (plans by role); an org change (even back-dated) recredits open periods; a visit or activity a plan reads recomputes its owner.
import { eventQueue, ORG_EVENT_OBJECT, type BackgroundModule, type RecordEvent, type Store } from '@attain/store';
import { IncentiveEngine } from './db/engine.ts';
import { ORDER_OBJECTS, SOURCE_OBJECTS } from './db/record-events.ts';

export const INCENTIVES_CONSUMER = 'incentives.calc';

export function incentivesBackground(store: Store): BackgroundModule {
  const engines = new Map<string, IncentiveEngine>();
  return {
    name: 'incentives',
    // Orders (with their lines, split rows and products) become transactions; users' roles give plans;
    // visits and activities are read by points components.
    subscriptions: [{ consumer: INCENTIVES_CONSUMER, objects: [...ORDER_OBJECTS, 'user', ORG_EVENT_OBJECT, ...SOURCE_OBJECTS] }],
    handlers: {
      [eventQueue(INCENTIVES_CONSUMER)]: async (job) => {
        const event = job.payload as RecordEvent;
        let engine = engines.get(event.tenant);
        if (!engine) engines.set(event.tenant, (engine = new IncentiveEngine(store, event.tenant)));
        const stats = await engine.onRecordEvent(event);
        return stats ? { payees: stats.payees, lines: stats.lines, ms: Math.round(stats.ms.total) } : { skipped: true };
      },
    },
  };
}
