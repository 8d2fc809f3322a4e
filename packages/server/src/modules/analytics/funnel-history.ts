// Stage history from record events. The records service has no after-write hook inside the
// write's transaction, so history comes from the durable record event (the transactional outbox):
// one row per create and per stage change, exactly once per event (its job id is unique), and the
// `left_at` of the record's rows kept in step, whatever order events arrive in. The first time the
// module meets an object with a stage field (the metadata change that gives it one, or its first
// record event), every live record's current stage is backfilled at
// its created_at; events the backfill already reflects (record version ≤ the backfilled one) are skipped.
// Each change also rebuilds the record's summary row (funnel-summary.ts) in the same transaction,
// and every other event of the record (an owner change, a delete, a restore) brings the row's owner
// and liveness up to date, moving its stays in the stage-time histogram (funnel-rollup.ts).
import { quoteIdent, type ObjectDef } from '@attain/meta';
import { eventQueue, metadataQueue, type BackgroundModule, type DataPort, type Job, type MetadataEvent, type RecordEvent } from '@attain/store';
import type { Store } from '../../store-port.ts';
import type { ModuleDeps } from '../contract.ts';
import { funnelObjects, funnelStages } from './funnel-stages.ts';
import { ensureRollup, rebuildRollup, syncRecord } from './funnel-rollup.ts';
import { ensureCodes, refreshSummary } from './funnel-summary.ts';
import { funnelTables, type FunnelTable } from './funnel-tables.ts';

export const FUNNEL_CONSUMER = 'analytics.funnel';

type Port = DataPort<FunnelTable>;
/** A transaction (or the port's connection): what the port's `table` takes. */
type Q = NonNullable<Parameters<Port['table']>[1]>;

const AMOUNT = new Set(['money', 'decimal', 'integer']);
const amountField = (o: ObjectDef) => o.fields.find((f) => f.name === 'amount' && AMOUNT.has(f.storage));

/** Records every live record's current stage at its created_at, once per object and tenant. */
export async function backfillObject(port: Port, o: ObjectDef): Promise<boolean> {
  const stages = funnelStages(o);
  if (!stages) return false;
  return port.knex.transaction(async (trx) => {
    const claimed = await port.table('stage_object', trx).insert({ object: o.name, backfilled_at: trx.fn.now() }).onConflict('object').ignore().returning('object');
    if (claimed.length === 0) return false;
    const amount = amountField(o);
    await ensureCodes(trx, port, o.name, stages.field.enumValues ?? []);
    // Identifiers come from the registry (object table, stage and amount columns), values are bound.
    await trx.raw(
      `insert into ${port.name('stage_change')} (event_id, object, record_id, from_stage, to_stage, at, owner_id, amount, version)
       select 'backfill:' || r.id, ?, r.id, null, r.${quoteIdent(stages.field.column)}, r.created_at, ${o.owned ? 'r.owner_id' : 'null'},
              ${amount ? `r.${quoteIdent(amount.column)}` : 'null'}, r.version
       from ${quoteIdent(port.schema)}.${quoteIdent(o.table)} r
       where r.deleted_at is null and r.${quoteIdent(stages.field.column)} is not null
       on conflict (event_id) do nothing`,
      [o.name],
    );
    await refreshSummary(trx, port, o);
    await rebuildRollup(trx, port, o);
    return true;
  });
}

/** Sets `left_at` of one record's rows: the time of the record's next row (null for the latest). */
async function relink(trx: Q, port: Port, object: string, recordId: string): Promise<void> {
  await trx.raw(
    `update ${port.name('stage_change')} c set left_at = n.next_at
     from (select id, lead(at) over (order by at, id) as next_at from ${port.name('stage_change')} where object = ? and record_id = ?) n
     where c.id = n.id and c.left_at is distinct from n.next_at`,
    [object, recordId],
  );
}

/** One record event into the history; answers what it did (the job's result). */
export async function applyStageEvent(port: Port, o: ObjectDef, eventId: string, event: RecordEvent): Promise<Record<string, unknown>> {
  const stages = funnelStages(o);
  if (!stages) return { skipped: 'no stage field' };
  // A delete (or any write that kept the stage) may still move the record's owner or liveness.
  if (event.op === 'delete') return syncRecord(port, o, event.recordId);
  const name = stages.field.name;
  const to = event.after?.[name];
  const from = event.op === 'update' ? event.before?.[name] : null;
  if (typeof to !== 'string' || (event.op === 'update' && from === to)) return keepsScope(o, event) ? { skipped: 'stage unchanged' } : syncRecord(port, o, event.recordId);
  const done = await recordStage(port, o, eventId, event, to, from);
  // Skipped because the history has it: the event may still carry an owner change or a restore.
  if ('skipped' in done) await syncRecord(port, o, event.recordId);
  return done;
}

/**
 * An update that moved neither the stage nor the scope owner (created_by never changes) cannot move
 * the record in the histogram: no work at all, as before the histogram (bulk updates stay cheap).
 * Every owner change, delete and restore has its own event, which brings the record up to date.
 */
function keepsScope(o: ObjectDef, event: RecordEvent): boolean {
  if (event.op !== 'update') return event.op === 'create';
  if (!o.owned) return true;
  const [before, after] = [event.before ?? {}, event.after ?? {}];
  return Object.hasOwn(before, 'owner_id') && Object.hasOwn(after, 'owner_id') && before.owner_id === after.owner_id;
}

async function recordStage(port: Port, o: ObjectDef, eventId: string, event: RecordEvent, to: string, from: unknown): Promise<Record<string, unknown>> {
  const version = Number(event.after?.version ?? 0);
  const amount = amountField(o);
  return port.knex.transaction(async (trx) => {
    // Two events of one record handled at once by two workers would each miss the other's row.
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`attain_analytics_stage:${o.name}:${event.recordId}`]);
    // A value added to the enum after the backfill gets its code here.
    await ensureCodes(trx, port, o.name, [to]);
    const backfilled = await port
      .table('stage_change', trx)
      .where({ event_id: `backfill:${event.recordId}` })
      .first('version');
    if (backfilled && Number(backfilled.version) >= version) return { skipped: 'in the backfill' };
    const inserted = await port
      .table('stage_change', trx)
      .insert({
        event_id: eventId,
        object: o.name,
        record_id: event.recordId,
        from_stage: typeof from === 'string' ? from : null,
        to_stage: to,
        at: event.at,
        owner_id: typeof event.after?.owner_id === 'string' ? event.after.owner_id : null,
        amount: amount && event.after?.[amount.name] != null ? String(event.after[amount.name]) : null,
        version,
      })
      .onConflict('event_id')
      .ignore()
      .returning('id');
    if (inserted.length === 0) return { skipped: 'already recorded' };
    await relink(trx, port, o.name, event.recordId);
    await refreshSummary(trx, port, o, event.recordId);
    return { recorded: to };
  });
}

/** Handles one job of the funnel's event queue. */
export async function handleStageEvent(store: Store, job: Job): Promise<Record<string, unknown>> {
  const event = job.payload as RecordEvent;
  const o = (await store.registry(event.tenant)).object(event.object);
  if (!o || !funnelStages(o)) return { skipped: 'no stage field' };
  const port = await store.port(event.tenant, funnelTables);
  await backfillObject(port, o);
  await ensureRollup(port, o);
  return applyStageEvent(port, o, job.id, event);
}

/** A metadata change: objects that now have a stage field and were never seen are backfilled at once. */
export async function handleFunnelMetadata(store: Store, job: Job): Promise<Record<string, unknown>> {
  const event = job.payload as MetadataEvent;
  const objects = funnelObjects(await store.registry(event.tenant));
  if (objects.length === 0) return { skipped: 'no object with a stage field' };
  const port = await store.port(event.tenant, funnelTables);
  const backfilled: string[] = [];
  const rolled: string[] = [];
  for (const o of objects) {
    if (await backfillObject(port, o)) backfilled.push(o.name);
    if (await ensureRollup(port, o)) rolled.push(o.name);
  }
  return rolled.length ? { backfilled, rolled } : { backfilled };
}

/** The funnel's background work: every record event of an object with a stage field, and metadata changes (backfill). */
export function funnelJobs({ store }: Pick<ModuleDeps, 'store'>): BackgroundModule {
  return {
    name: 'analytics',
    // Every record event: creates and updates write history; any event (a delete too: the history
    // stays) brings the record's owner and liveness in the stage-time histogram up to date.
    subscriptions: [{ consumer: FUNNEL_CONSUMER, metadata: true }],
    handlers: {
      [eventQueue(FUNNEL_CONSUMER)]: (job) => handleStageEvent(store, job),
      [metadataQueue(FUNNEL_CONSUMER)]: (job) => handleFunnelMetadata(store, job),
    },
  };
}
